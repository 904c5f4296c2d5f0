import DukaCore
import Hummingbird

/// `GET /api/v1/reports/sales`: the console dashboard's charts (carts by status, sales
/// per UTC day from checked-out carts). Same roles as the employee dashboard.
struct ReportsController {
    let authenticator: Authenticator

    static let maximumDays: Int64 = 366

    func register(in routes: RouteTable) {
        routes.get("/api/v1/reports/sales") { request, _ in
            var query = QueryReader(request)
            let days = query.int("days", default: 30, range: 1...Self.maximumDays)
            let report = try await authenticator.read(request, roles: EmployeeController.roles, checked: query.outcome) { _, db in
                try SalesReport.load(days: days, in: db)
            }
            var byStatus: [String: JSON] = [:]
            for (status, count) in report.cartsByStatus { byStatus[status.rawValue] = .int(count) }
            return .json(.envelope("Sales report retrieved successfully", data: .object([
                "carts_by_status": .object(byStatus),
                "days": .array(report.days.map { day in
                    .object([
                        "date": .string(String(Timestamp.iso8601(day.day * SalesReport.secondsPerDay).prefix(10))),
                        "carts": .int(day.carts),
                        "total": .string(FixedPoint.money(day.totalCents)),
                    ])
                }),
            ])))
        }
    }
}
