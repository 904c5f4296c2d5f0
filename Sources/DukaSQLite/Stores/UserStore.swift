import DukaCore
import SQLite

/// The SQL of the `users` table.
enum UserStore {
    static let columns = UserColumn.selectList()

    static func decode(_ row: Row) -> User {
        User(
            id: row.int64(UserColumn.id),
            uuid: row.string(UserColumn.uuid),
            username: row.string(UserColumn.username),
            email: row.string(UserColumn.email),
            passwordHash: row.string(UserColumn.passwordHash),
            role: Role(rawValue: row.string(UserColumn.role)) ?? .customer,
            profile: .init(
                fullName: row.optionalString(UserColumn.fullName),
                idNumber: row.optionalString(UserColumn.idNumber),
                phoneNumber: row.optionalString(UserColumn.phoneNumber),
                county: row.optionalString(UserColumn.county),
                town: row.optionalString(UserColumn.town),
                street: row.optionalString(UserColumn.street)
            ),
            isActive: row.bool(UserColumn.isActive),
            deletedAt: row.optionalInt64(UserColumn.deletedAt),
            sessionVersion: row.int64(UserColumn.sessionVersion),
            createdAt: row.int64(UserColumn.createdAt),
            updatedAt: row.int64(UserColumn.updatedAt)
        )
    }

    static func find(id: Int64, in db: Connection) throws -> User? {
        try db.queryFirst("SELECT \(columns) FROM users WHERE id = ?", id, row: decode)
    }

    static func find(uuid: String, in db: Connection) throws -> User? {
        try db.queryFirst("SELECT \(columns) FROM users WHERE uuid = ?", uuid, row: decode)
    }

    /// By username or email, both compared case-insensitively (their columns are NOCASE).
    static func find(login: String, in db: Connection) throws -> User? {
        try db.queryFirst(
            "SELECT \(columns) FROM users WHERE username = ?1 OR email = ?1 ORDER BY id LIMIT 1",
            login,
            row: decode
        )
    }

    /// Whether every user signed up no earlier than the user before them in id order (the
    /// counter `users_created_out_of_order`, kept by triggers): then an order by sign-up
    /// time, ties by id, is id order, which the trigram index yields as it reads.
    static func signUpsFollowIDs(in db: Connection) throws -> Bool {
        try db.scalarInt("SELECT value FROM counters WHERE name = 'users_created_out_of_order'") == 0
    }

    /// The counter's count from scratch (`duka check`, tests).
    static let createdOutOfOrderRecount =
        "SELECT COUNT(*) FROM (SELECT created_at, LAG(created_at) OVER (ORDER BY id) AS before FROM users) WHERE before > created_at"

    static func count(in db: Connection) throws -> Int64 {
        try db.scalarInt("SELECT COUNT(*) FROM users") ?? 0
    }

    static func any(in db: Connection) throws -> Bool {
        try db.scalarInt("SELECT EXISTS (SELECT 1 FROM users)") == 1
    }

    /// Which of `username` and `email` are taken (case-insensitively), by someone other than `exceptID`.
    static func takenFields(username: String?, email: String?, exceptID: Int64? = nil, in db: Connection) throws -> [String] {
        var taken: [String] = []
        if let username, try db.scalarInt("SELECT 1 FROM users WHERE username = ? AND id IS NOT ?", username, exceptID) != nil {
            taken.append("username")
        }
        if let email, try db.scalarInt("SELECT 1 FROM users WHERE email = ? AND id IS NOT ?", email, exceptID) != nil {
            taken.append("email")
        }
        return taken
    }

    /// Inserts a user; a taken username or email is refused with `UserChangeError.duplicate`.
    @discardableResult
    static func insert(_ user: NewUser, in db: Connection) throws -> User {
        let taken = try takenFields(username: user.username, email: user.email, in: db)
        guard taken.isEmpty else { throw UserChangeError.duplicate(taken) }
        let id = try refusingDuplicates { try insertRow(user, in: db) }
        return try find(id: id, in: db)!
    }

    /// The user's row alone, without the duplicate check (a bulk load whose names are
    /// unique by construction; the unique indexes still hold). Answers its id.
    static func insertRow(_ user: NewUser, in db: Connection) throws -> Int64 {
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
        return db.lastInsertRowID
    }

    /// Inserts many users with the ids given, several to a statement (a bulk load:
    /// `Connection.insertRows`), as `insertRow` would one by one.
    static func insertRows(_ users: [(id: Int64, user: NewUser)], in db: Connection) throws {
        try db.insertRows(
            """
            INSERT INTO users (id, uuid, username, email, password_hash, role, full_name, id_number, phone_number,
                               county, town, street, is_active, deleted_at, session_version, created_at, updated_at) VALUES
            """,
            columns: 17,
            values: users.flatMap { id, user in
                [id, user.uuid, user.username, user.email, user.passwordHash, user.role.rawValue,
                 user.profile.fullName, user.profile.idNumber, user.profile.phoneNumber,
                 user.profile.county, user.profile.town, user.profile.street,
                 user.isActive, user.deletedAt, Int64(1), user.createdAt, user.createdAt] as [any SQLBindable]
            }
        )
    }

    /// Runs `body`, turning the unique indexes' refusal into `UserChangeError.duplicate`
    /// (only reachable if a check before it raced with another process's writer).
    @discardableResult
    static func refusingDuplicates<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as SQLiteError where error.isUniqueViolation {
            throw UserChangeError.duplicate([error.message.contains("users.email") ? "email" : "username"])
        }
    }

    /// Re-made hash of the same password (another bcrypt cost): no session ends, nothing
    /// visible changes. Skipped when the password was changed meanwhile.
    static func replacePasswordHash(id: Int64, old: String, new: String, in db: Connection) throws {
        try db.execute("UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?", new, id, old)
    }

    /// Revokes every token issued so far to the user.
    static func bumpSessionVersion(id: Int64, in db: Connection) throws {
        try db.execute("UPDATE users SET session_version = session_version + 1 WHERE id = ?", id)
    }
}
