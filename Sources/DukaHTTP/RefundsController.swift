import DukaCore
import Hummingbird

/// `/api/v1/refunds` (API.md 7.5): credit notes. Admins and managers refund on their own
/// authority; a cashier or employee needs an active admin's or manager's username and
/// password in `approval`, checked as a login is (one bcrypt check whoever is named, the
/// login throttle's counts), so an approval prompt cannot be used to guess passwords.
struct RefundsController {
    let storage: any Storage
    let hasher: PasswordHasher
    let throttle: any AttemptThrottle

    static let approvers: Set<Role> = [.admin, .manager]

    func register(in routes: RouteTable) {
        routes.post("/api/v1/refunds", roles: .staff, create)
        routes.get("/api/v1/refunds", roles: .staff) { request, _, caller in
            var query = QueryReader(request)
            let page = query.page(sizeParameter: "limit", defaultSize: 10)
            let filter = RefundFilter(cartID: query.optionalID("cart_id"), branchID: query.optionalID("branch_id"), shiftID: query.optionalID("shift_id"))
            _ = try await caller.user()
            try query.finish()
            let refunds = try await storage.refundsPage(filter, page: page)
            return .v1List("Refunds retrieved successfully", key: "refunds", page: refunds, bytesPerItem: 1024, write: SellingAnswers.writeRefund)
        }
        routes.get("/api/v1/refunds/:id", roles: .staff) { _, context, caller in
            _ = try await caller.user()
            let id = try PathID.integer(context)
            guard let refund = try await storage.refund(id: id) else { throw APIError.notFound("Refund not found") }
            return .envelope("Refund retrieved successfully", capacity: 2048) { SellingAnswers.writeRefund(refund, to: &$0) }
        }
        routes.get("/api/v1/refunds/:id/receipt", roles: .staff) { request, context, caller in
            var query = QueryReader(request)
            let (format, width) = PrintedAnswer.format(&query, request: request)
            _ = try await caller.user()
            let id = try PathID.integer(context)
            try query.finish()
            guard let note = try await storage.creditNote(refundID: id) else { throw APIError.notFound("Refund not found") }
            return PrintedAnswer.response(format, width: width, message: "Credit note retrieved successfully") {
                PrintedDocument.creditNote(note)
            } json: { SellingAnswers.writeCreditNote(note, to: &$0) }
        }
    }

    @Sendable func create(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        let actor = try await caller.user()
        var reader = FieldReader(try await RequestBody.object(request))
        let cartID = reader.id("cart_id", required: true)
        let lines = Self.lines(&reader)
        let reason = reader.text("reason", required: true, SellingRules.reason)
        let tenders = reader.tenders()
        let restock = reader.bool("restock").value ?? true
        var approval: (username: String, password: String)?
        switch reader.body["approval"] {
        case nil, .null?: break
        case .object(let members)?:
            var inner = FieldReader(members)
            let username = inner.string("username", required: true).value
            let password = inner.string("password", required: true).value
            inner.check("username", username) { $0.utf8.count > AuthController.maximumLoginLength ? "is too long" : nil }
            for (key, reason) in inner.errors { reader.fail("approval.\(key)", reason) }
            if let username, let password, inner.errors.isEmpty { approval = (username, password) }
        default:
            reader.fail("approval", "must be an object with username and password")
        }
        try reader.finish()
        guard let cartID, let reason else { throw APIError.validation("cart_id", "is required") }
        var approver: User?
        if !Self.approvers.contains(actor.role) {
            guard let approval else {
                throw APIError(.forbidden, code: "approval_required", message: "A manager's approval is required for a refund")
            }
            approver = try await approve(approval, context: context)
        }
        let refund = try await storage.createRefund(
            RefundRequest(cartID: cartID, lines: lines, reason: reason, payments: tenders, restock: restock), by: actor, approvedBy: approver
        )
        return .envelope("Refund created successfully", status: .created, capacity: 2048) { SellingAnswers.writeRefund(refund, to: &$0) }
    }

    /// `lines`: absent or null for everything not yet refunded.
    static func lines(_ reader: inout FieldReader) -> [RefundRequest.Line]? {
        guard let value = reader.body["lines"] else { return nil }
        if case .null = value { return nil }
        guard case .array(let elements) = value else {
            reader.fail("lines", "must be a list of {item_id, quantity}")
            return nil
        }
        guard elements.count <= 1000 else {
            reader.fail("lines", "may name at most 1000 lines")
            return nil
        }
        var lines: [RefundRequest.Line] = []
        for (index, element) in elements.enumerated() {
            guard case .object(let members) = element else {
                reader.fail("lines.\(index)", "must be an object")
                continue
            }
            var inner = FieldReader(members)
            let item = inner.id("item_id", required: true)
            let quantity = inner.decimal("quantity", required: true, problem: CatalogueRules.quantityProblem, parse: CatalogueRules.quantity)
            for (key, reason) in inner.errors { reader.fail("lines.\(index).\(key)", reason) }
            if let item, let quantity { lines.append(RefundRequest.Line(itemID: item, quantityMilli: quantity)) }
        }
        return lines
    }

    /// The approving admin or manager, or 403 `approval_required` (429 when throttled).
    func approve(_ approval: (username: String, password: String), context: DukaRequestContext) async throws -> User {
        let refused = APIError(.forbidden, code: "approval_required", message: "The approval was not accepted: an active admin's or manager's username and password are required")
        let user = try await storage.user(login: approval.username)
        let account = user.map { LoginThrottle.accountKey(userID: $0.id) } ?? LoginThrottle.accountKey(unknownName: approval.username)
        let reservation: LoginThrottle.Reservation
        switch try await throttle.reserve(account: account, address: IPRange.throttleKey(for: context.clientAddress)) {
        case .success(let held): reservation = held
        case .failure(let wait):
            SecurityLog.event(context.logger, "approval_throttled", address: context.clientAddress, user: user.map { SecurityLog.user($0) })
            throw APIError.tooManyRequests(retryAfter: wait.seconds)
        }
        let matches: Bool
        do {
            matches = try await hasher.verify(approval.password, against: user?.passwordHash)
        } catch {
            await throttle.failed(reservation)
            throw error
        }
        guard let user, matches, !user.isDeleted else {
            await throttle.failed(reservation)
            SecurityLog.event(context.logger, "approval_failed", address: context.clientAddress, user: user.map { SecurityLog.user($0) })
            throw refused
        }
        await throttle.succeeded(reservation)
        guard user.isActive, Self.approvers.contains(user.role) else { throw refused }
        return user
    }
}
