import DukaCore
import Hummingbird

/// `/api/v1/shifts` (API.md 7.6): a till's session from its opening float to its Z report.
/// Admins and managers see and change every shift; cashiers and employees their own (any
/// other is "not found").
struct ShiftsController {
    let storage: any Storage

    static let supervisors: Set<Role> = [.admin, .manager]

    func register(in routes: RouteTable) {
        routes.post("/api/v1/shifts", roles: .staff, open)
        routes.get("/api/v1/shifts", roles: .staff, list)
        routes.get("/api/v1/shifts/current", roles: .staff) { _, _, caller in
            let actor = try await caller.user()
            guard let shift = try await storage.openShift(of: actor.id) else { throw APIError.notFound("You have no open shift") }
            return .envelope("Shift retrieved successfully") { SellingAnswers.writeShift(shift, to: &$0) }
        }
        routes.get("/api/v1/shifts/:id", roles: .staff) { _, context, caller in
            let actor = try await caller.user()
            let shift = try await visibleShift(try PathID.integer(context), to: actor)
            return .envelope("Shift retrieved successfully") { SellingAnswers.writeShift(shift, to: &$0) }
        }
        routes.post("/api/v1/shifts/:id/cash", roles: .staff, cash)
        routes.get("/api/v1/shifts/:id/report", roles: .staff, report)
        routes.post("/api/v1/shifts/:id/close", roles: .staff, close)
    }

    /// The shift `id`, if `actor` may see it.
    func visibleShift(_ id: Int64, to actor: User) async throws -> Shift {
        guard let shift = try await storage.shift(id: id), Self.supervisors.contains(actor.role) || shift.userID == actor.id else {
            throw APIError.notFound("Shift not found")
        }
        return shift
    }

    @Sendable func open(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        let actor = try await caller.user()
        var reader = FieldReader(try await RequestBody.object(request))
        let branchID = reader.id("branch_id", required: true)
        let float = reader.decimal("opening_float", required: true, problem: SellingRules.moneyProblem, parse: SellingRules.cashAmount)
        try reader.finish()
        guard let branchID, let float else { throw APIError.validation("branch_id", "is required") }
        let shift = try await storage.openShift(branchID: branchID, openingFloatCents: float, by: actor)
        return .envelope("Shift opened successfully", status: .created) { SellingAnswers.writeShift(shift, to: &$0) }
    }

    @Sendable func list(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        var query = QueryReader(request)
        let page = query.page(sizeParameter: "limit", defaultSize: 10)
        var filter = ShiftFilter(status: query.choice("status", as: Shift.Status.self), branchID: query.optionalID("branch_id"))
        let actor = try await caller.user()
        try query.finish()
        if !Self.supervisors.contains(actor.role) { filter.userID = actor.id }
        let shifts = try await storage.shiftsPage(filter, page: page)
        return .v1List("Shifts retrieved successfully", key: "shifts", page: shifts, bytesPerItem: 320, write: SellingAnswers.writeShift)
    }

    @Sendable func cash(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        let actor = try await caller.user()
        let id = try PathID.integer(context)
        var reader = FieldReader(try await RequestBody.object(request))
        let typeText = reader.string("type", required: true).value
        let kind = typeText.flatMap(ShiftCash.Kind.init(rawValue:))
        if typeText != nil, kind == nil { reader.fail("type", "must be one of: pay_in, pay_out") }
        let amount = reader.decimal("amount", required: true, problem: SellingRules.tenderProblem) { text in
            SellingRules.cashAmount(text).flatMap { $0 > 0 ? $0 : nil }
        }
        let reason = reader.text("reason", required: true, SellingRules.reason)
        try reader.finish()
        guard let kind, let amount, let reason else { throw APIError.validation("type", "is required") }
        let entry = try await storage.addShiftCash(
            shiftID: id, kind: kind, amountCents: amount, reason: reason, by: actor, anyShift: Self.supervisors.contains(actor.role)
        )
        return .envelope("Cash movement recorded successfully", status: .created) { SellingAnswers.writeCash(entry, to: &$0) }
    }

    @Sendable func report(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        var query = QueryReader(request)
        let (format, width) = PrintedAnswer.format(&query, request: request)
        let actor = try await caller.user()
        let id = try PathID.integer(context)
        try query.finish()
        let shift = try await visibleShift(id, to: actor)
        guard let report = try await storage.shiftReport(id: shift.id) else { throw APIError.notFound("Shift not found") }
        return try await printed(report, format: format, width: width)
    }

    @Sendable func close(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        let actor = try await caller.user()
        let id = try PathID.integer(context)
        var reader = FieldReader(try await RequestBody.object(request))
        let counted = reader.decimal("counted_cash", required: true, problem: SellingRules.moneyProblem, parse: SellingRules.cashAmount)
        try reader.finish()
        guard let counted else { throw APIError.validation("counted_cash", "is required") }
        let report = try await storage.closeShift(id: id, countedCashCents: counted, by: actor, anyShift: Self.supervisors.contains(actor.role))
        return .envelope("Shift closed successfully", capacity: 2048) { SellingAnswers.writeReport(report, to: &$0) }
    }

    func printed(_ report: ShiftReport, format: PrintedAnswer.Format, width: Int) async throws -> Response {
        var shop: Shop?
        var branch: Branch?
        if format != .json {
            shop = try await storage.shop()
            branch = try await storage.branch(id: report.shift.branchID)
        }
        return PrintedAnswer.response(format, width: width, message: "Shift report retrieved successfully") {
            PrintedDocument.shiftReport(report, shop: shop!, branch: branch!)
        } json: { SellingAnswers.writeReport(report, to: &$0) }
    }
}
