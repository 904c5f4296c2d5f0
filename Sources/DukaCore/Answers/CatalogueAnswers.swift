/// The JSON shapes of products, carts and cart lines (API.md section 5), keys in sorted order.
public enum ProductAnswers {
    public static func write(_ product: Product, to out: inout JSONWriter) {
        out.beginObject()
        out.key("allow_negative_stock"); out.bool(product.allowNegativeStock)
        out.key("barcodes")
        out.beginArray()
        for code in product.barcodes { out.string(code) }
        out.endArray()
        out.key("created_at"); out.timestamp(product.createdAt)
        out.key("description"); out.string(product.description)
        out.key("id"); out.int(product.id)
        out.key("is_active"); out.bool(product.isActive)
        out.key("low_stock_threshold"); out.optionalString(product.lowStockThresholdMilli.map(FixedPoint.quantity))
        out.key("name"); out.string(product.name)
        out.key("sku"); out.string(product.sku)
        out.key("tax_class"); out.string(product.taxClass.rawValue)
        out.key("track_stock"); out.bool(product.trackStock)
        out.key("unit"); out.string(product.unit)
        out.key("unit_price"); out.string(FixedPoint.money(product.unitPriceCents))
        out.key("updated_at"); out.timestamp(product.updatedAt)
        out.endObject()
    }
}

public enum CartAnswers {
    /// The portal's line; with `v1`, the `/api/v1` line (with its VAT class and VAT).
    public static func writeItem(_ item: CartItem, v1: Bool = false, to out: inout JSONWriter) {
        out.beginObject()
        out.key("cart_id"); out.int(item.cartID)
        out.key("created_at"); out.timestamp(item.createdAt)
        out.key("id"); out.int(item.id)
        out.key("line_total"); out.string(FixedPoint.money(item.lineTotalCents))
        out.key("product_id"); out.int(item.productID)
        out.key("quantity"); out.string(FixedPoint.quantity(item.quantityMilli))
        out.key("sale_channel"); out.string(item.saleChannel.rawValue)
        if v1 { out.key("tax_class"); out.string(item.taxClass.rawValue) }
        out.key("unit_price"); out.string(FixedPoint.money(item.unitPriceCents))
        out.key("updated_at"); out.timestamp(item.updatedAt)
        if v1 { out.key("vat"); out.string(FixedPoint.money(item.vatCents)) }
        out.endObject()
    }

    /// The portal's cart (its lines and their count); with `total`, the `/api/v1/carts`
    /// cart, which also carries its branch, VAT, receipt number and tenders (section 7).
    public static func writeCart(_ cart: Cart, withTotal v1: Bool, to out: inout JSONWriter) {
        out.beginObject()
        if v1 {
            out.key("branch_id"); out.int(cart.branchID)
            out.key("change"); out.string(FixedPoint.money(cart.changeCents))
        }
        out.key("created_at"); out.timestamp(cart.createdAt)
        out.key("id"); out.int(cart.id)
        out.key("items")
        out.beginArray()
        for item in cart.items { writeItem(item, v1: v1, to: &out) }
        out.endArray()
        out.key("items_count"); out.int(Int64(cart.items.count))
        if v1 {
            out.key("payment_status"); out.string(cart.isPaid ? "paid" : "unpaid")
            out.key("payments"); SellingAnswers.writePayments(cart.payments, to: &out)
            out.key("receipt_number"); out.optionalString(cart.receiptNumber)
            out.key("refunded_total"); out.string(FixedPoint.money(cart.refundedCents))
            out.key("shift_id"); out.optionalInt(cart.shiftID)
        }
        out.key("status"); out.string(cart.status.rawValue)
        if v1 { out.key("total"); out.string(FixedPoint.money(cart.totalCents)) }
        out.key("updated_at"); out.timestamp(cart.updatedAt)
        out.key("user_id"); out.int(cart.userID)
        if v1 {
            out.key("vat"); SellingAnswers.writeVAT(cart.vatSummary, to: &out)
            out.key("vat_total"); out.string(FixedPoint.money(cart.vatCents))
        }
        out.endObject()
    }
}
