import DukaCore
import Hummingbird

/// `GET /api/v1/audit-log` (admin): who changed what, newest first.
struct AuditLogController {
    let storage: any Storage

    func register(in routes: RouteTable) {
        routes.get("/api/v1/audit-log", roles: .admins, list)
    }

    @Sendable func list(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        _ = try await caller.user()
        var query = QueryReader(request)
        let page = query.page(sizeParameter: "limit", defaultSize: 10)
        var errors: [String: String] = [:]
        let actor = query.string("actor")
        let actorUUID = actor.flatMap(UUIDString.normalized)
        if actor != nil, actorUUID == nil { errors["actor"] = "must be a user id (UUID)" }
        let action = query.string("action")
        if let action, !AuditLog.actions.contains(action) { errors["action"] = "is not a known action" }
        errors.merge(query.errors) { first, _ in first }
        if !errors.isEmpty { throw APIError.validation(errors) }

        let result = try await storage.auditLog(AuditLog.Filter(actorUUID: actorUUID, action: action), page: page)
        return .v1List("Audit log retrieved successfully", key: "entries", page: result, bytesPerItem: 256, write: AuditLogAnswers.writeEntry)
    }
}
