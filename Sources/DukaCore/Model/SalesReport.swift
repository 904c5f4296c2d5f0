/// The figures behind the console's dashboard charts: carts by status, and checked-out
/// sales per UTC day. A checked-out cart is frozen, so its `updated_at` is its checkout
/// time; line totals are rounded half-up per line exactly as `CartItem.lineTotalCents`.
public struct SalesReport: Sendable {
    public struct Day: Sendable, Equatable {
        /// Days since 1970-01-01 (UTC).
        public var day: Int64
        public var carts: Int64
        public var totalCents: Int64

        public init(day: Int64, carts: Int64, totalCents: Int64) {
            self.day = day
            self.carts = carts
            self.totalCents = totalCents
        }
    }

    /// Every status, zero included.
    public var cartsByStatus: [(status: Cart.Status, count: Int64)]
    /// One entry per day of the window, oldest first, zero days included.
    public var days: [Day]

    public static let secondsPerDay: Int64 = 86_400

    public init(cartsByStatus: [(status: Cart.Status, count: Int64)], days: [Day]) {
        self.cartsByStatus = cartsByStatus
        self.days = days
    }

    /// The report of the last `days` days up to and including the day of `now` (UTC), from
    /// the carts counted by status and each checked-out cart's (checkout day, total) in
    /// the window. Days are added up here rather than by SQL's SUM, which fails on
    /// overflow: a day past 2^63 cents shows the largest value instead.
    /// Refunds (their day and total) are taken off the day they were made.
    public static func assemble(
        days: Int64, now: Int64, countsByStatus: [String: Int64], checkedOut: some Sequence<(day: Int64, totalCents: Int64)>,
        refunds: some Sequence<(day: Int64, totalCents: Int64)> = [(day: Int64, totalCents: Int64)]()
    ) -> SalesReport {
        let (first, today) = window(days: days, now: now)
        var byDay: [Int64: Day] = [:]
        for cart in checkedOut {
            var entry = byDay[cart.day] ?? Day(day: cart.day, carts: 0, totalCents: 0)
            let (sum, overflow) = entry.totalCents.addingReportingOverflow(cart.totalCents)
            entry.totalCents = overflow ? .max : sum
            entry.carts += 1
            byDay[cart.day] = entry
        }
        for refund in refunds where refund.day >= first {
            var entry = byDay[refund.day] ?? Day(day: refund.day, carts: 0, totalCents: 0)
            let (difference, overflow) = entry.totalCents.subtractingReportingOverflow(refund.totalCents)
            entry.totalCents = overflow ? .min : difference
            byDay[refund.day] = entry
        }
        return SalesReport(
            cartsByStatus: Cart.Status.allCases.map { ($0, countsByStatus[$0.rawValue] ?? 0) },
            days: (first...today).map { byDay[$0] ?? Day(day: $0, carts: 0, totalCents: 0) }
        )
    }

    /// The first and last day (days since 1970) of a window of `days` days ending today.
    public static func window(days: Int64, now: Int64) -> (first: Int64, today: Int64) {
        let today = now / secondsPerDay
        return (today - days + 1, today)
    }

    /// The refunds from the time `$1` on (of the branch `$2`), as (day, total).
    public static func refundsSQL(branch: Bool) -> String {
        "SELECT created_at / 86400, total_cents FROM refunds WHERE created_at >= $1" + (branch ? " AND branch_id = $2" : "")
    }
}
