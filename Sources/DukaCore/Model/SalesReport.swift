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
}
