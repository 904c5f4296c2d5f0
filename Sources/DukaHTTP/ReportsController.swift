import DukaCore
import Hummingbird

/// `GET /api/v1/reports/sales`: the console dashboard's charts (carts by status, sales
/// per UTC day from checked-out carts). Same roles as the employee dashboard.
struct ReportsController {
    let storage: any Storage

    static let maximumDays: Int64 = 366

    func register(in routes: RouteTable) {
        routes.get("/api/v1/reports/sales", roles: .portal) { request, _, caller in
            var query = QueryReader(request)
            let days = query.int("days", default: 30, range: 1...Self.maximumDays)
            let branchID = query.string("branch_id") == nil ? nil : query.int("branch_id", default: 0, range: 0...Int64.max)
            let report = try await storage.salesReport(days: days, branchID: branchID, caller.access(checked: query.outcome))
            return .envelope("Sales report retrieved successfully", capacity: 512 + report.days.count * 64) { out in
                out.beginObject()
                out.key("carts_by_status")
                out.beginObject()
                // Statuses in name order, as the other members: abandoned, active, checked_out.
                for (status, count) in report.cartsByStatus.sorted(by: { $0.status.rawValue < $1.status.rawValue }) {
                    out.key(status.jsonKey); out.int(count)
                }
                out.endObject()
                out.key("days")
                out.beginArray()
                for day in report.days {
                    out.beginObject()
                    out.key("carts"); out.int(day.carts)
                    out.key("date"); out.string(String(Timestamp.iso8601(day.day * SalesReport.secondsPerDay).prefix(10)))
                    out.key("total"); out.string(FixedPoint.money(day.totalCents))
                    out.endObject()
                }
                out.endArray()
                out.endObject()
            }
        }
    }
}

extension Cart.Status {
    /// The status as a member name (the writer takes names written in the source).
    var jsonKey: StaticString {
        switch self {
        case .active: "active"
        case .checkedOut: "checked_out"
        case .abandoned: "abandoned"
        }
    }
}
