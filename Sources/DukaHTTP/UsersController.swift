import DukaCore
import Hummingbird

/// The staff users API (API.md section 4): UUID ids, `{"message", "data"}` envelopes,
/// `page`/`limit` pagination. Reads for admin and manager (and cashier for the list);
/// every change for admin only.
struct UsersController {
    let storage: any Storage
    let hasher: PasswordHasher

    func register(in routes: RouteTable) {
        routes.get("/api/v1/users", roles: .userListReaders, list)
        routes.get("/api/v1/users/:id", roles: .userReaders, detail)
        routes.post("/api/v1/users", roles: .admins, create)
        routes.put("/api/v1/users/:id", roles: .admins, update)
        routes.post("/api/v1/users/:id/toggle-status", roles: .admins, toggleStatus)
        routes.delete("/api/v1/users/:id", roles: .admins, delete)
    }

    @Sendable func list(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        var query = QueryReader(request)
        let page = query.page(sizeParameter: "limit", defaultSize: 10)
        let filter = UserListFilter(
            search: query.search(),
            role: query.choice("role", as: Role.self),
            status: query.choice("status", as: UserListFilter.Status.self) ?? .active,
            sortBy: query.choice("sort_by", as: UserListFilter.SortKey.self) ?? .createdAt,
            sortOrder: query.choice("sort_order", as: UserListFilter.SortOrder.self) ?? .desc
        )
        // Rows are written from the engine's bytes as they are read (no User values); the
        // pagination that goes before them is known once the page has been read.
        let rows = try await storage.usersPage(
            filter, page: page, caller.access(checked: query.outcome), appendingTo: JSONWriter(capacity: Int(page.size) * 256)
        )
        return .v1List("Users retrieved successfully", key: "users", rows: rows)
    }

    @Sendable func detail(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        _ = try await caller.user()
        let uuid = try PathID.uuid(context)
        guard let user = try await storage.user(uuid: uuid) else { throw APIError.userNotFound }
        return .envelope("User retrieved successfully") { UserAnswers.writeDetail(user, to: &$0) }
    }

    @Sendable func create(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        let actor = try await caller.user()
        let payload = try UserPayload.read(try await RequestBody.object(request), required: ["username", "email", "password", "role"])
        guard let username = payload.username, let email = payload.email, let password = payload.password, let role = payload.role else {
            throw APIError.validation("username", "is required")
        }
        try await refuseTaken(username: username, email: email, in: storage)
        let hash = try await hasher.hash(password)
        let user = try await storage.createUser(
            NewUser(username: username, email: email, passwordHash: hash, role: role, profile: payload.newProfile, isActive: payload.isActive ?? true),
            by: actor
        )
        return .envelope("User created successfully", status: .created) { UserAnswers.writeSummary(user, to: &$0) }
    }

    @Sendable func update(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        let actor = try await caller.user()
        let uuid = try PathID.uuid(context)
        let payload = try UserPayload.read(try await RequestBody.object(request), required: [])
        var passwordHash: String?
        if let password = payload.password { passwordHash = try await hasher.hash(password) }
        let user = try await storage.updateUser(uuid: uuid, payload.changes(passwordHash: passwordHash), by: actor, action: "user.update")
        return .envelope("User updated successfully") { UserAnswers.writeSummary(user, to: &$0) }
    }

    @Sendable func toggleStatus(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        let actor = try await caller.user()
        let uuid = try PathID.uuid(context)
        let user = try await storage.toggleUserStatus(uuid: uuid, by: actor)
        return .envelope("User status toggled successfully") { UserAnswers.writeSummary(user, to: &$0) }
    }

    @Sendable func delete(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        let actor = try await caller.user()
        let uuid = try PathID.uuid(context)
        try await storage.deleteUser(uuid: uuid, by: actor)
        return .envelope("User deleted successfully")
    }
}

/// 409 `duplicate` when the username or email is taken: checked before the slow hash
/// (registration and the users API).
func refuseTaken(username: String, email: String, in storage: any Storage) async throws {
    let taken = try await storage.takenFields(username: username, email: email)
    guard taken.isEmpty else { throw UserChangeError.duplicate(taken) }
}
