/// A shift's X report (while open) or Z report (once closed), API.md 7.6, computed from
/// its ledger: the paid sales whose tenders fell in it, the refunds made in it, and the
/// drawer's pay-ins and pay-outs.
public struct ShiftLedger: Sendable {
    public var shift: Shift
    /// Paid sales of the shift, with their lines and tenders.
    public var sales: [Cart]
    /// Refunds made in the shift, with their lines and tenders.
    public var refunds: [Refund]
    public var cash: [ShiftCash]

    public init(shift: Shift, sales: [Cart], refunds: [Refund], cash: [ShiftCash]) {
        (self.shift, self.sales, self.refunds, self.cash) = (shift, sales, refunds, cash)
    }
}

public struct ShiftReport: Sendable, Equatable {
    public var shift: Shift
    public var salesCount: Int64
    public var salesTotalCents: Int64
    /// Cash is what the drawer kept: tendered less change.
    public var byMethod: [Payment.Method: Int64]
    public var vat: [VATLine]
    public var refundsCount: Int64
    public var refundsTotalCents: Int64
    public var refundsByMethod: [Payment.Method: Int64]
    public var payInsCents: Int64
    public var payOutsCents: Int64
    public var expectedCashCents: Int64

    public init(_ ledger: ShiftLedger) {
        shift = ledger.shift
        salesCount = Int64(ledger.sales.count)
        salesTotalCents = ledger.sales.reduce(0) { $0 + $1.totalCents }
        var byMethod = Dictionary(uniqueKeysWithValues: Payment.Method.allCases.map { ($0, Int64(0)) })
        for sale in ledger.sales {
            for payment in sale.payments { byMethod[payment.method]! += payment.amountCents }
            byMethod[.cash]! -= sale.changeCents
        }
        self.byMethod = byMethod
        vat = VATLine.summary(ledger.sales.flatMap { $0.items.map { ($0.taxClass, $0.lineTotalCents, $0.vatCents) } })
        refundsCount = Int64(ledger.refunds.count)
        refundsTotalCents = ledger.refunds.reduce(0) { $0 + $1.totalCents }
        var refundsByMethod = Dictionary(uniqueKeysWithValues: Payment.Method.allCases.map { ($0, Int64(0)) })
        for refund in ledger.refunds {
            for payment in refund.payments { refundsByMethod[payment.method]! += payment.amountCents }
        }
        self.refundsByMethod = refundsByMethod
        payInsCents = ledger.cash.filter { $0.kind == .payIn }.reduce(0) { $0 + $1.amountCents }
        payOutsCents = ledger.cash.filter { $0.kind == .payOut }.reduce(0) { $0 + $1.amountCents }
        expectedCashCents = ledger.shift.openingFloatCents + byMethod[.cash]! - refundsByMethod[.cash]! + payInsCents - payOutsCents
    }

    /// The report of the shift closed with `counted` cash (what a close stores and answers).
    public func closed(countedCashCents counted: Int64, at time: Int64) -> ShiftReport {
        var report = self
        report.shift.status = .closed
        report.shift.closedAt = time
        report.shift.countedCashCents = counted
        report.shift.expectedCashCents = expectedCashCents
        return report
    }
}
