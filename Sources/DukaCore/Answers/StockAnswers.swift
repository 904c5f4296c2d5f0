/// The JSON shapes of stock (API.md section 8.1), keys in sorted order.
public enum StockAnswers {
    public static func writeLevel(_ level: StockLevel, to out: inout JSONWriter) {
        out.beginObject()
        out.key("branch_id"); out.int(level.branchID)
        out.key("is_low"); out.bool(level.isLow)
        out.key("last_cost"); out.money(level.lastCostCents)
        out.key("low_stock_threshold"); out.optionalString(level.lowStockThresholdMilli.map(FixedPoint.quantity))
        out.key("name"); out.string(level.name)
        out.key("product_id"); out.int(level.productID)
        out.key("quantity"); out.string(FixedPoint.quantity(level.quantityMilli))
        out.key("sku"); out.string(level.sku)
        out.key("unit"); out.string(level.unit)
        out.endObject()
    }

    public static func writeMovement(_ movement: StockMovement, to out: inout JSONWriter) {
        out.beginObject()
        out.key("branch_id"); out.int(movement.branchID)
        out.key("cart_id"); out.optionalInt(movement.cartID)
        out.key("created_at"); out.timestamp(movement.createdAt)
        out.key("created_by"); out.string(movement.createdBy)
        out.key("id"); out.int(movement.id)
        out.key("product_id"); out.int(movement.productID)
        out.key("quantity"); out.string(FixedPoint.quantity(movement.quantityMilli))
        out.key("reason"); out.optionalString(movement.reason)
        out.key("reference"); out.optionalString(movement.reference)
        out.key("refund_id"); out.optionalInt(movement.refundID)
        out.key("type"); out.string(movement.kind.rawValue)
        out.key("unit_cost"); out.money(movement.unitCostCents)
        out.endObject()
    }

    /// `{"branch_id", "lines": [{"last_cost", "name", "product_id", "quantity", "sku", "value"}], "total"}`.
    public static func writeValuation(_ valuation: StockValuation, to out: inout JSONWriter) {
        out.beginObject()
        out.key("branch_id"); out.int(valuation.branchID)
        out.key("lines")
        out.beginArray()
        for line in valuation.lines {
            out.beginObject()
            out.key("last_cost"); out.money(line.lastCostCents)
            out.key("name"); out.string(line.name)
            out.key("product_id"); out.int(line.productID)
            out.key("quantity"); out.string(FixedPoint.quantity(line.quantityMilli))
            out.key("sku"); out.string(line.sku)
            out.key("value"); out.money(line.valueCents)
            out.endObject()
        }
        out.endArray()
        out.key("total"); out.money(valuation.totalCents)
        out.endObject()
    }
}
