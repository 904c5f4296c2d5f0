import DukaCore
import Hummingbird

/// `GET /api/v1/reports/sales`: the console dashboard's charts (carts by status, sales
/// per UTC day from checked-out carts). Same roles as the employee dashboard.
struct ReportsController {
    let storage: any Storage

    static let maximumDays: Int64 = 366
    /// The longest sales export: ten years, a query per day.
    static let maximumExportDays: Int64 = 3660

    func register(in routes: RouteTable) {
        routes.get("/api/v1/export/sales.csv", roles: .catalogueEditors, salesCSV)
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

    /// Sold and refunded lines as CSV (API.md 8.3) for the UTC days `from` ... `to`
    /// (both default to today), streamed a day at a time, in time order.
    @Sendable func salesCSV(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        _ = try await caller.user()
        var query = QueryReader(request)
        let today = Timestamp.now() / SalesReport.secondsPerDay
        let to = query.day("to") ?? today
        let from = query.day("from") ?? to
        let branchID = query.optionalID("branch_id")
        if from > to {
            query.fail("from", "must be on or before to")
        } else if to - from >= Self.maximumExportDays {
            query.fail("from", "must be at most \(Self.maximumExportDays) days before to")
        }
        try query.finish()
        if let branchID, try await storage.branch(id: branchID) == nil { throw APIError.validation("branch_id", "does not name a branch") }
        let day = SalesReport.secondsPerDay
        return try await CSVExport.response(named: "sales.csv", columns: SalesCSV.columns, write: SalesCSV.write, from: from) { current in
            let lines = try await storage.saleLines(from: current * day, to: (current + 1) * day, branchID: branchID)
            return (lines, current < to ? current + 1 : nil)
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
