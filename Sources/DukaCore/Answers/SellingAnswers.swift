/// The JSON shapes of selling (API.md section 7), keys in sorted order.
public enum SellingAnswers {
    public static func writeShop(_ shop: Shop, to out: inout JSONWriter) {
        out.beginObject()
        out.key("address"); out.string(shop.address)
        out.key("kra_pin"); out.string(shop.kraPIN)
        out.key("name"); out.string(shop.name)
        out.key("phone"); out.string(shop.phone)
        out.key("receipt_footer"); out.string(shop.receiptFooter)
        out.key("scale_barcode_value"); out.string(shop.scaleBarcodeValue.rawValue)
        out.key("updated_at"); out.timestamp(shop.updatedAt)
        out.endObject()
    }

    public static func writeBranch(_ branch: Branch, to out: inout JSONWriter) {
        out.beginObject()
        out.key("code"); out.string(branch.code)
        out.key("created_at"); out.timestamp(branch.createdAt)
        out.key("id"); out.int(branch.id)
        out.key("is_active"); out.bool(branch.isActive)
        out.key("name"); out.string(branch.name)
        out.key("updated_at"); out.timestamp(branch.updatedAt)
        out.endObject()
    }

    public static func writePayments(_ payments: [Payment], to out: inout JSONWriter) {
        out.beginArray()
        for payment in payments {
            out.beginObject()
            out.key("amount"); out.money(payment.amountCents)
            out.key("created_at"); out.timestamp(payment.createdAt)
            out.key("id"); out.int(payment.id)
            out.key("method"); out.string(payment.method.rawValue)
            out.key("reference"); out.optionalString(payment.reference)
            out.endObject()
        }
        out.endArray()
    }

    /// `[{"net", "rate", "tax_class", "total", "vat"}]`, by class.
    public static func writeVAT(_ lines: [VATLine], to out: inout JSONWriter) {
        out.beginArray()
        for line in lines {
            out.beginObject()
            out.key("net"); out.money(line.netCents)
            out.key("rate"); out.money(line.taxClass.ratePercent * 100)
            out.key("tax_class"); out.string(line.taxClass.rawValue)
            out.key("total"); out.money(line.totalCents)
            out.key("vat"); out.money(line.vatCents)
            out.endObject()
        }
        out.endArray()
    }

    public static func writeShift(_ shift: Shift, to out: inout JSONWriter) {
        out.beginObject()
        out.key("branch_id"); out.int(shift.branchID)
        out.key("closed_at"); out.optionalTimestamp(shift.closedAt)
        out.key("counted_cash"); out.money(shift.countedCashCents)
        out.key("difference"); out.money(shift.differenceCents)
        out.key("expected_cash"); out.money(shift.expectedCashCents)
        out.key("id"); out.int(shift.id)
        out.key("opened_at"); out.timestamp(shift.openedAt)
        out.key("opening_float"); out.money(shift.openingFloatCents)
        out.key("status"); out.string(shift.status.rawValue)
        out.key("user_id"); out.string(shift.userUUID)
        out.key("username"); out.string(shift.username)
        out.endObject()
    }

    public static func writeCash(_ cash: ShiftCash, to out: inout JSONWriter) {
        out.beginObject()
        out.key("amount"); out.money(cash.amountCents)
        out.key("created_at"); out.timestamp(cash.createdAt)
        out.key("id"); out.int(cash.id)
        out.key("reason"); out.string(cash.reason)
        out.key("shift_id"); out.int(cash.shiftID)
        out.key("type"); out.string(cash.kind.rawValue)
        out.endObject()
    }

    static func writeByMethod(_ amounts: [Payment.Method: Int64], to out: inout JSONWriter) {
        out.beginObject()
        out.key("card"); out.money(amounts[.card] ?? 0)
        out.key("cash"); out.money(amounts[.cash] ?? 0)
        out.key("mpesa"); out.money(amounts[.mpesa] ?? 0)
        out.endObject()
    }

    /// The X or Z report.
    public static func writeReport(_ report: ShiftReport, to out: inout JSONWriter) {
        out.beginObject()
        out.key("by_method"); writeByMethod(report.byMethod, to: &out)
        out.key("counted_cash"); out.money(report.shift.countedCashCents)
        out.key("difference"); out.money(report.shift.countedCashCents.map { $0 - report.expectedCashCents })
        out.key("expected_cash"); out.money(report.expectedCashCents)
        out.key("pay_ins"); out.money(report.payInsCents)
        out.key("pay_outs"); out.money(report.payOutsCents)
        out.key("refunds_by_method"); writeByMethod(report.refundsByMethod, to: &out)
        out.key("refunds_count"); out.int(report.refundsCount)
        out.key("refunds_total"); out.money(report.refundsTotalCents)
        out.key("sales_count"); out.int(report.salesCount)
        out.key("sales_total"); out.money(report.salesTotalCents)
        out.key("shift"); writeShift(report.shift, to: &out)
        out.key("vat"); writeVAT(report.vat, to: &out)
        out.endObject()
    }

    public static func writeRefund(_ refund: Refund, to out: inout JSONWriter) {
        out.beginObject()
        out.key("approved_by"); out.optionalString(refund.approvedBy)
        out.key("branch_id"); out.int(refund.branchID)
        out.key("cart_id"); out.int(refund.cartID)
        out.key("created_at"); out.timestamp(refund.createdAt)
        out.key("created_by"); out.string(refund.createdBy)
        out.key("credit_note_number"); out.string(refund.creditNoteNumber)
        out.key("id"); out.int(refund.id)
        out.key("lines")
        out.beginArray()
        for line in refund.lines {
            out.beginObject()
            out.key("item_id"); out.int(line.itemID)
            out.key("line_total"); out.money(line.lineTotalCents)
            out.key("product_id"); out.int(line.productID)
            out.key("quantity"); out.string(FixedPoint.quantity(line.quantityMilli))
            out.key("tax_class"); out.string(line.taxClass.rawValue)
            out.key("unit_price"); out.money(line.unitPriceCents)
            out.key("vat"); out.money(line.vatCents)
            out.endObject()
        }
        out.endArray()
        out.key("payments"); writePayments(refund.payments, to: &out)
        out.key("reason"); out.string(refund.reason)
        out.key("receipt_number"); out.string(refund.receiptNumber)
        out.key("shift_id"); out.optionalInt(refund.shiftID)
        out.key("total"); out.money(refund.totalCents)
        out.key("vat"); writeVAT(refund.vatSummary, to: &out)
        out.key("vat_total"); out.money(refund.vatCents)
        out.endObject()
    }

    static func writeLines(_ lines: [PrintedLine], to out: inout JSONWriter) {
        out.beginArray()
        for line in lines {
            out.beginObject()
            out.key("line_total"); out.money(line.lineTotalCents)
            out.key("name"); out.string(line.name)
            out.key("quantity"); out.string(FixedPoint.quantity(line.quantityMilli))
            out.key("sku"); out.string(line.sku)
            out.key("tax_class"); out.string(line.taxClass.rawValue)
            out.key("unit"); out.string(line.unit)
            out.key("unit_price"); out.money(line.unitPriceCents)
            out.key("vat"); out.money(line.vatCents)
            out.endObject()
        }
        out.endArray()
    }

    static func writeBranchBrief(_ branch: Branch, to out: inout JSONWriter) {
        out.beginObject()
        out.key("code"); out.string(branch.code)
        out.key("name"); out.string(branch.name)
        out.endObject()
    }

    static func writeCustomer(id: Int64, fullName: String?, to out: inout JSONWriter) {
        out.beginObject()
        out.key("full_name"); out.optionalString(fullName)
        out.key("id"); out.int(id)
        out.endObject()
    }

    /// The receipt of a sale (API.md 7.4).
    public static func writeReceipt(_ receipt: Receipt, to out: inout JSONWriter) {
        let cart = receipt.cart
        out.beginObject()
        out.key("branch"); writeBranchBrief(receipt.branch, to: &out)
        out.key("cashier"); out.optionalString(cart.cashier)
        out.key("change"); out.money(cart.changeCents)
        out.key("customer"); writeCustomer(id: cart.userID, fullName: receipt.customerFullName, to: &out)
        out.key("issued_at"); out.timestamp(cart.updatedAt)
        out.key("lines"); writeLines(receipt.lines, to: &out)
        out.key("payment_status"); out.string(cart.isPaid ? "paid" : "unpaid")
        out.key("payments"); writePayments(cart.payments, to: &out)
        out.key("receipt_number"); out.optionalString(cart.receiptNumber)
        out.key("refunds")
        out.beginArray()
        for note in receipt.refunds {
            out.beginObject()
            out.key("created_at"); out.timestamp(note.createdAt)
            out.key("credit_note_number"); out.string(note.creditNoteNumber)
            out.key("total"); out.money(note.totalCents)
            out.endObject()
        }
        out.endArray()
        out.key("shop"); writeShop(receipt.shop, to: &out)
        out.key("total"); out.money(cart.totalCents)
        out.key("vat"); writeVAT(cart.vatSummary, to: &out)
        out.key("vat_total"); out.money(cart.vatCents)
        out.endObject()
    }

    /// A refund's credit note, shaped as a receipt: the refunded lines, their VAT, the
    /// tenders paid back, and the sale it refunds.
    public static func writeCreditNote(_ note: CreditNote, to out: inout JSONWriter) {
        let refund = note.refund
        out.beginObject()
        out.key("branch"); writeBranchBrief(note.branch, to: &out)
        out.key("cashier"); out.optionalString(note.cashier)
        out.key("credit_note_number"); out.string(refund.creditNoteNumber)
        out.key("customer"); writeCustomer(id: note.customerID, fullName: note.customerFullName, to: &out)
        out.key("issued_at"); out.timestamp(refund.createdAt)
        out.key("lines"); writeLines(note.lines, to: &out)
        out.key("payments"); writePayments(refund.payments, to: &out)
        out.key("reason"); out.string(refund.reason)
        out.key("receipt_number"); out.string(refund.receiptNumber)
        out.key("shop"); writeShop(note.shop, to: &out)
        out.key("total"); out.money(refund.totalCents)
        out.key("vat"); writeVAT(refund.vatSummary, to: &out)
        out.key("vat_total"); out.money(refund.vatCents)
        out.endObject()
    }
}
