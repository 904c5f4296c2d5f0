import DukaCore
import Hummingbird
import SQLite

/// The staff users API (API.md section 4): UUID ids, `{"message", "data"}` envelopes,
/// `page`/`limit` pagination. Reads for admin, manager (and cashier for the list);
/// every change for admin only.
struct UsersController {
    let database: Database
    let hasher: PasswordHasher
    let authenticator: Authenticator

    func register(in routes: RouteTable) {
        routes.get("/api/v1/users", list)
        routes.get("/api/v1/users/:id", detail)
        routes.post("/api/v1/users", create)
        routes.put("/api/v1/users/:id", update)
        routes.post("/api/v1/users/:id/toggle-status", toggleStatus)
        routes.delete("/api/v1/users/:id", delete)
    }

    @Sendable func list(_ request: Request, context: DukaRequestContext) async throws -> Response {
        var query = QueryReader(request)
        let page = query.page(sizeParameter: "limit", defaultSize: 10)
        let filter = UserStore.ListFilter(
            search: query.search(),
            role: query.choice("role", as: Role.self),
            status: query.choice("status", as: UserStore.ListFilter.Status.self) ?? .active,
            sortBy: query.choice("sort_by", as: UserStore.ListFilter.SortKey.self) ?? .createdAt,
            sortOrder: query.choice("sort_order", as: UserStore.ListFilter.SortOrder.self) ?? .desc
        )
        // Rows are written from SQLite's bytes as they are stepped (no User values); the
        // pagination that goes before them is known once the page has been read.
        let (rows, result) = try await authenticator.read(request, roles: [.admin, .manager, .cashier], checked: query.outcome) { _, db in
            var rows = JSONWriter(capacity: Int(page.size) * 256)
            let result = try UserStore.list(filter, page: page, in: db) { row in UserJSON.writeSummary(row: row, to: &rows) }
            return (rows, result)
        }
        return .v1List("Users retrieved successfully", key: "users", page: result, capacity: 512 + rows.bytes.count) { out in
            out.values(writtenBy: rows)
        }
    }

    @Sendable func detail(_ request: Request, context: DukaRequestContext) async throws -> Response {
        _ = try await authenticator.user(for: request, roles: [.admin, .manager])
        let uuid = try PathID.uuid(context)
        guard let user = try await database.read({ try UserStore.find(uuid: uuid, in: $0) }) else { throw Self.notFound }
        return .json(.envelope("User retrieved successfully", data: UserJSON.detail(user)))
    }

    @Sendable func create(_ request: Request, context: DukaRequestContext) async throws -> Response {
        let actor = try await authenticator.user(for: request, roles: [.admin])
        let payload = try UserPayload.read(try await RequestBody.object(request), required: ["username", "email", "password", "role"])
        guard let username = payload.username, let email = payload.email, let password = payload.password, let role = payload.role else {
            throw APIError.validation("username", "is required")
        }
        try await UserWrites.refuseTaken(username: username, email: email, database: database)
        let hash = try await hasher.hash(password)
        let newUser = NewUser(
            username: username, email: email, passwordHash: hash, role: role, profile: payload.newProfile,
            isActive: payload.isActive ?? true
        )
        let user = try await UserWrites.insertUnique(newUser, database: database) { created, db in
            try AuditLog.record(actor: actor, action: "user.create", targetType: .user, targetID: created.uuid, at: created.createdAt, in: db)
        }
        return .json(.envelope("User created successfully", data: UserJSON.summary(user)), status: .created)
    }

    @Sendable func update(_ request: Request, context: DukaRequestContext) async throws -> Response {
        let actor = try await authenticator.user(for: request, roles: [.admin])
        let uuid = try PathID.uuid(context)
        let payload = try UserPayload.read(try await RequestBody.object(request), required: [])
        var passwordHash: String?
        if let password = payload.password { passwordHash = try await hasher.hash(password) }
        let changes = payload.changes(passwordHash: passwordHash)
        let user = try await apply { db in
            try UserStore.update(uuid: uuid, changes, actor: actor, action: "user.update", in: db)
        }
        return .json(.envelope("User updated successfully", data: UserJSON.summary(user)))
    }

    @Sendable func toggleStatus(_ request: Request, context: DukaRequestContext) async throws -> Response {
        let actor = try await authenticator.user(for: request, roles: [.admin])
        let uuid = try PathID.uuid(context)
        let user = try await apply { db in
            guard let current = try UserStore.find(uuid: uuid, in: db) else { throw UserStore.ChangeError.notFound }
            var changes = UserStore.Changes()
            changes.isActive = !current.isActive
            return try UserStore.update(uuid: uuid, changes, actor: actor, action: "user.toggle_status", in: db)
        }
        return .json(.envelope("User status toggled successfully", data: UserJSON.summary(user)))
    }

    @Sendable func delete(_ request: Request, context: DukaRequestContext) async throws -> Response {
        let actor = try await authenticator.user(for: request, roles: [.admin])
        let uuid = try PathID.uuid(context)
        try await apply { db in try UserStore.delete(uuid: uuid, actor: actor, in: db) }
        return .json(.envelope("User deleted successfully"))
    }

    /// Runs a guarded change in one write transaction and maps its refusals to answers.
    private func apply<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        do {
            return try await database.write(body)
        } catch let error as UserStore.ChangeError {
            switch error {
            case .notFound: throw Self.notFound
            case .duplicate(let fields): throw UserWrites.duplicate(fields)
            case .lastAdmin: throw APIError.conflict("last_admin", "The last active admin cannot be demoted or deactivated")
            case .cannotDeleteSelf: throw APIError.conflict("cannot_delete_self", "You cannot delete your own account")
            case .hasDependents:
                throw APIError.conflict("has_dependents", "This user owns carts; deactivate or soft-delete the account instead")
            }
        } catch let error as SQLiteError where error.isUniqueViolation {
            throw UserWrites.duplicate([error.message.contains("email") ? "email" : "username"])
        }
    }

    static let notFound = APIError.notFound("User not found")
}

/// `GET /api/v1/audit-log` (admin): who changed what, newest first.
struct AuditLogController {
    let database: Database
    let authenticator: Authenticator

    func register(in routes: RouteTable) {
        routes.get("/api/v1/audit-log", list)
    }

    @Sendable func list(_ request: Request, context: DukaRequestContext) async throws -> Response {
        _ = try await authenticator.user(for: request, roles: [.admin])
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

        let result = try await database.read { try AuditLog.list(actorUUID: actorUUID, action: action, page: page, in: $0) }
        let entries: [JSON] = result.items.map { entry in
            .object([
                "id": .int(entry.id),
                "actor_id": .string(entry.actorUUID),
                "actor_username": .string(entry.actorUsername),
                "action": .string(entry.action),
                "target_type": .string(entry.targetType),
                "target_id": .string(entry.targetID),
                "created_at": .string(Timestamp.iso8601(entry.createdAt)),
            ])
        }
        return .json(.envelope("Audit log retrieved successfully", data: .object([
            "entries": .array(entries),
            "pagination": .v1Pagination(result),
        ])))
    }
}

extension JSON {
    /// The `/api/v1` pagination object.
    static func v1Pagination<Item>(_ page: Page<Item>) -> JSON {
        .object([
            "current_page": .int(page.request.page),
            "per_page": .int(page.request.size),
            "total_data": .int(page.total),
            "total_page": .int(page.pageCount),
        ])
    }
}
