/// Who a request says it is (a verified token's claims), which roles its route admits,
/// and the outcome of the request's own syntax checks. An engine checks it against the
/// user's row inside the transaction that also answers the request (`admit`), so the
/// answer and the check see one snapshot, and it costs one trip to the database.
public struct Access: Sendable {
    public let userID: Int64
    public let uuid: String
    public let role: String
    public let sessionVersion: Int64
    public let roles: Set<Role>
    /// Thrown only after 401 and 403 (API.md's order).
    public let checked: Result<Void, any Error>

    public init(userID: Int64, uuid: String, role: String, sessionVersion: Int64, roles: Set<Role>, checked: Result<Void, any Error> = .success(())) {
        self.userID = userID
        self.uuid = uuid
        self.role = role
        self.sessionVersion = sessionVersion
        self.roles = roles
        self.checked = checked
    }

    /// `user` (the row with `userID`), when it still accepts the token and has one of the
    /// roles; then the request's checks. Revoked (logged out, deactivated, deleted,
    /// demoted) is told apart from forbidden.
    public func admit(_ user: User?) throws -> User {
        try admit(caller: user.map { CallerRow(uuid: $0.uuid, role: $0.role.rawValue, sessionVersion: $0.sessionVersion, isActive: $0.isActive, isDeleted: $0.isDeleted) })
        return user!
    }

    /// What `admit` reads of the user's row: for an answer that needs nothing else of it
    /// (five columns instead of the whole row, on every row of a one-statement page).
    public struct CallerRow: Sendable {
        public let uuid: String
        public let role: String
        public let sessionVersion: Int64
        public let isActive: Bool
        public let isDeleted: Bool

        public init(uuid: String, role: String, sessionVersion: Int64, isActive: Bool, isDeleted: Bool) {
            (self.uuid, self.role, self.sessionVersion, self.isActive, self.isDeleted) = (uuid, role, sessionVersion, isActive, isDeleted)
        }
    }

    /// `admit` for the caller's row alone (nil: no such user).
    public func admit(caller row: CallerRow?) throws {
        guard let row, row.uuid == uuid, row.role == role, row.sessionVersion == sessionVersion, row.isActive, !row.isDeleted else {
            throw AccessDenied.revoked(userID: userID)
        }
        guard let role = Role(rawValue: row.role), roles.contains(role) else { throw AccessDenied.forbidden }
        try checked.get()
    }
}

public enum AccessDenied: Error, Equatable {
    /// A token signed by us whose user no longer accepts it.
    case revoked(userID: Int64)
    /// The user has none of the route's roles.
    case forbidden
}

/// The role sets routes are registered with (API.md's tables of who may call what).
extension Set where Element == Role {
    public static let everyone = Set(Role.allCases)
    public static let admins: Set<Role> = [.admin]
    /// Catalogue writers.
    public static let catalogueEditors: Set<Role> = [.admin, .manager]
    /// The employee portal, the dashboard and the sales report.
    public static let portal: Set<Role> = [.employee, .admin]
    /// A user's details in the staff users API.
    public static let userReaders: Set<Role> = [.admin, .manager]
    /// The staff users list (a cashier looks customers up at the till).
    public static let userListReaders: Set<Role> = [.admin, .manager, .cashier]
}
