import SQLite

/// The SQL of the `users` table.
public enum UserStore {
    static let columns = """
        id, uuid, username, email, password_hash, role, full_name, id_number, phone_number, \
        county, town, street, is_active, deleted_at, session_version, created_at, updated_at
        """

    /// Where each field is in a row selected with `columns`, for readers that write a
    /// row out without decoding it into a `User` (the portal's customer list).
    public enum Column {
        public static let id: Int32 = 0, uuid: Int32 = 1, username: Int32 = 2, email: Int32 = 3, passwordHash: Int32 = 4
        public static let role: Int32 = 5, fullName: Int32 = 6, idNumber: Int32 = 7, phoneNumber: Int32 = 8
        public static let county: Int32 = 9, town: Int32 = 10, street: Int32 = 11, isActive: Int32 = 12
        public static let deletedAt: Int32 = 13, sessionVersion: Int32 = 14, createdAt: Int32 = 15, updatedAt: Int32 = 16
    }

    public static func decode(_ row: Row) -> User {
        User(
            id: row.int64(Column.id),
            uuid: row.string(Column.uuid),
            username: row.string(Column.username),
            email: row.string(Column.email),
            passwordHash: row.string(Column.passwordHash),
            role: Role(rawValue: row.string(Column.role)) ?? .customer,
            profile: .init(
                fullName: row.optionalString(Column.fullName),
                idNumber: row.optionalString(Column.idNumber),
                phoneNumber: row.optionalString(Column.phoneNumber),
                county: row.optionalString(Column.county),
                town: row.optionalString(Column.town),
                street: row.optionalString(Column.street)
            ),
            isActive: row.bool(Column.isActive),
            deletedAt: row.optionalInt64(Column.deletedAt),
            sessionVersion: row.int64(Column.sessionVersion),
            createdAt: row.int64(Column.createdAt),
            updatedAt: row.int64(Column.updatedAt)
        )
    }

    public static func find(id: Int64, in db: Connection) throws -> User? {
        try db.queryFirst("SELECT \(columns) FROM users WHERE id = ?", id, row: decode)
    }

    public static func find(uuid: String, in db: Connection) throws -> User? {
        try db.queryFirst("SELECT \(columns) FROM users WHERE uuid = ?", uuid, row: decode)
    }

    /// By username or email, both compared case-insensitively (their columns are NOCASE).
    public static func find(login: String, in db: Connection) throws -> User? {
        try db.queryFirst(
            "SELECT \(columns) FROM users WHERE username = ?1 OR email = ?1 ORDER BY id LIMIT 1",
            login,
            row: decode
        )
    }

    /// Merges the search index's segments into one. Bulk loads leave it in thousands of
    /// small segments (100k generated customers: 1,953), and every search then merges the
    /// pieces of each trigram's list; merged, a search reads 3x less. Takes the write lock
    /// for about 0.3 s at 100,000 users.
    public static func optimizeSearchIndex(in db: Connection) throws {
        try db.execute("INSERT INTO users_search (users_search) VALUES ('optimize')")
    }

    public static func count(in db: Connection) throws -> Int64 {
        try db.scalarInt("SELECT COUNT(*) FROM users") ?? 0
    }

    /// Which of `username` and `email` are taken (case-insensitively), by someone other than `exceptID`.
    public static func takenFields(username: String?, email: String?, exceptID: Int64? = nil, in db: Connection) throws -> [String] {
        var taken: [String] = []
        if let username, try db.scalarInt("SELECT 1 FROM users WHERE username = ? AND id IS NOT ?", username, exceptID) != nil {
            taken.append("username")
        }
        if let email, try db.scalarInt("SELECT 1 FROM users WHERE email = ? AND id IS NOT ?", email, exceptID) != nil {
            taken.append("email")
        }
        return taken
    }

    /// Inserts a user; a duplicate username or email surfaces as a unique-constraint `SQLiteError`.
    @discardableResult
    public static func insert(_ user: NewUser, in db: Connection) throws -> User {
        try db.execute(
            """
            INSERT INTO users (uuid, username, email, password_hash, role, full_name, id_number, phone_number,
                               county, town, street, is_active, deleted_at, session_version, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
            """,
            user.uuid, user.username, user.email, user.passwordHash, user.role.rawValue,
            user.profile.fullName, user.profile.idNumber, user.profile.phoneNumber,
            user.profile.county, user.profile.town, user.profile.street,
            user.isActive, user.deletedAt, user.createdAt, user.createdAt
        )
        return try find(id: db.lastInsertRowID, in: db)!
    }

    /// Re-made hash of the same password (another bcrypt cost): no session ends, nothing
    /// visible changes. Skipped when the password was changed meanwhile.
    public static func replacePasswordHash(id: Int64, old: String, new: String, in db: Connection) throws {
        try db.execute("UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?", new, id, old)
    }

    /// Revokes every token issued so far to the user.
    public static func bumpSessionVersion(id: Int64, in db: Connection) throws {
        try db.execute("UPDATE users SET session_version = session_version + 1 WHERE id = ?", id)
    }
}
