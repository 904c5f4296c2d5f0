import DukaCore

/// The SQL of the `users` table on PostgreSQL. Names compare with `lower()` over the "C"
/// collation (ASCII folding, as SQLite's NOCASE), which is what the unique indexes hold.
enum PGUsers {
    static let columns = UserColumn.selectList()

    /// The caller's columns an admission reads (`Access.CallerRow`), at positions 0...4.
    static let callerColumns = "uuid, role, session_version, is_active, deleted_at IS NOT NULL"
    static let callerColumnCount = 5

    static func decodeCaller(_ row: PGRow) -> Access.CallerRow {
        Access.CallerRow(uuid: row.string(0), role: row.string(1), sessionVersion: row.int64(2), isActive: row.bool(3), isDeleted: row.bool(4))
    }

    static func decode(_ row: PGRow) -> User {
        func text(_ column: UserColumn) -> String { row.string(Int(column.position)) }
        func optionalText(_ column: UserColumn) -> String? { row.optionalString(Int(column.position)) }
        return User(
            id: row.int64(Int(UserColumn.id.position)),
            uuid: text(.uuid),
            username: text(.username),
            email: text(.email),
            passwordHash: text(.passwordHash),
            role: Role(rawValue: text(.role)) ?? .customer,
            profile: .init(
                fullName: optionalText(.fullName), idNumber: optionalText(.idNumber), phoneNumber: optionalText(.phoneNumber),
                county: optionalText(.county), town: optionalText(.town), street: optionalText(.street)
            ),
            isActive: row.bool(Int(UserColumn.isActive.position)),
            deletedAt: row.optionalInt64(Int(UserColumn.deletedAt.position)),
            sessionVersion: row.int64(Int(UserColumn.sessionVersion.position)),
            createdAt: row.int64(Int(UserColumn.createdAt.position)),
            updatedAt: row.int64(Int(UserColumn.updatedAt.position))
        )
    }

    /// `FOR UPDATE` holds the row until commit: changes to one user run one after another.
    static func find(id: Int64, forUpdate: Bool = false, in db: PGSession) async throws -> User? {
        try await db.first("SELECT \(columns) FROM users WHERE id = $1\(forUpdate ? " FOR UPDATE" : "")", id).map(decode)
    }

    static func find(uuid: String, forUpdate: Bool = false, in db: PGSession) async throws -> User? {
        try await db.first("SELECT \(columns) FROM users WHERE uuid = $1\(forUpdate ? " FOR UPDATE" : "")", uuid).map(decode)
    }

    static func find(login: String, in db: PGSession) async throws -> User? {
        try await db.first(
            #"SELECT \#(columns) FROM users WHERE lower(username) = lower($1 COLLATE "C") OR lower(email) = lower($1 COLLATE "C") ORDER BY id LIMIT 1"#,
            login
        ).map(decode)
    }

    static func count(in db: PGSession) async throws -> Int64 {
        try await db.scalarInt("SELECT COUNT(*) FROM users") ?? 0
    }

    static func any(in db: PGSession) async throws -> Bool {
        try await db.scalarInt("SELECT EXISTS (SELECT 1 FROM users)::int::bigint", []) == 1
    }

    static func takenFields(username: String?, email: String?, exceptID: Int64? = nil, in db: PGSession) async throws -> [String] {
        var taken: [String] = []
        if let username, try await db.scalarInt(
            #"SELECT 1 FROM users WHERE lower(username) = lower($1 COLLATE "C") AND id IS DISTINCT FROM $2"#, username, exceptID
        ) != nil {
            taken.append("username")
        }
        if let email, try await db.scalarInt(
            #"SELECT 1 FROM users WHERE lower(email) = lower($1 COLLATE "C") AND id IS DISTINCT FROM $2"#, email, exceptID
        ) != nil {
            taken.append("email")
        }
        return taken
    }

    /// Runs `body`, turning the unique indexes' refusal into `UserChangeError.duplicate`
    /// (reachable when a concurrent transaction took the name after the check).
    static func refusingDuplicates<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error where PGErrors.isUniqueViolation(error, constraint: "users_email_key") {
            throw UserChangeError.duplicate(["email"])
        } catch let error where PGErrors.isUniqueViolation(error, constraint: "users_username_key") {
            throw UserChangeError.duplicate(["username"])
        }
    }

    @discardableResult
    static func insert(_ user: NewUser, in db: PGSession) async throws -> User {
        let taken = try await takenFields(username: user.username, email: user.email, in: db)
        guard taken.isEmpty else { throw UserChangeError.duplicate(taken) }
        return try await refusingDuplicates {
            decode(try await db.rows(
                """
                INSERT INTO users (uuid, username, email, password_hash, role, full_name, id_number, phone_number,
                                   county, town, street, is_active, deleted_at, session_version, created_at, updated_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14, $14)
                RETURNING \(columns)
                """,
                [
                    user.uuid, user.username, user.email, user.passwordHash, user.role.rawValue,
                    user.profile.fullName, user.profile.idNumber, user.profile.phoneNumber,
                    user.profile.county, user.profile.town, user.profile.street,
                    user.isActive, user.deletedAt, user.createdAt,
                ]
            )[0])
        }
    }

    static func replacePasswordHash(id: Int64, old: String, new: String, in db: PGSession) async throws {
        try await db.execute("UPDATE users SET password_hash = $1 WHERE id = $2 AND password_hash = $3", new, id, old)
    }

    static func bumpSessionVersion(id: Int64, in db: PGSession) async throws {
        try await db.execute("UPDATE users SET session_version = session_version + 1 WHERE id = $1", id)
    }

    // MARK: The staff users API

    /// A page of users, each row given to `row`, after the caller's row is admitted, in one
    /// statement. Ties in the sort key are broken by id in the same direction.
    static func list(
        _ listFilter: UserListFilter, page: PageRequest, _ access: Access, in db: PGSession, row: (PGRow) throws -> Void
    ) async throws -> (total: Int64, request: PageRequest) {
        let short = ShortSearch(listFilter)
        // Newest or oldest first, a short search (or a deep page without a search) starts its
        // walk at the block holding its first row (search_blocks; list_blocks' levels).
        let byCreation = listFilter.sortBy == .createdAt
        let searched = listFilter.search?.isEmpty == false
        let deep = (page.offset ?? 0) >= PGCustomers.firstPagesWalked
        let placed = byCreation ? short ?? (!searched && deep ? ShortSearch.everyone(listFilter) : nil) : nil
        let start = placed.map { PGPageStart(search: $0, descending: listFilter.sortOrder == .desc) }
        var throughIndex = false
        if let short { throughIndex = try await PGSearchGrams.throughIndex(short, page: page, placed: start, in: db) }
        var filter = PGFilter()
        switch listFilter.status {
        case .active: filter.add("deleted_at IS NULL")
        case .deleted: filter.add("deleted_at IS NOT NULL")
        case .all: break
        }
        if let role = listFilter.role { filter.add("role = $?", role.rawValue) }
        // A kept text's total is a few rows' sum; its page is read from its members
        // (listed), walked when that reaches it soon (a dense text), else found through the
        // trigram indexes.
        var kept: (search: KeptSearch, state: PGKeptSearches.State)?
        // A text not kept is counted through the indexes, narrowed when that reads less.
        var narrowed: Substring?
        // A text not kept whose trigrams are all common: counted by a scan, its page walked.
        var common = false
        if let search = KeptSearch(listFilter), let text = listFilter.search {
            let found = try await PGKeptSearches.stateOrNarrowing(search, text: text, in: db)
            if let state = found.state { kept = (search, state) } else { narrowed = found.narrowed }
            common = found.common
        } else if let search = listFilter.search, !search.isEmpty {
            narrowed = try await PGSearch.narrowing(search, list: .users, in: db)
        }
        let walked = kept.map { PGKeptSearches.walks($0.state, page: page) } ?? false
        // A listed text's page is read from its members when the list is in their order (by
        // sign-up time, then id).
        let members = kept.flatMap { kept in
            kept.state.listed && byCreation ? PGKeptSearches.Members(search: kept.search, descending: listFilter.sortOrder == .desc) : nil
        }
        // Whether every match is read first (no walk in page order).
        let matchesFirst = kept == nil ? throughIndex || (searched && short == nil && !common) : !walked && members == nil
        let unsearched = filter
        if let search = listFilter.search, !search.isEmpty {
            filter.add(PGSearch.condition(
                search, columns: ["username", "email"], throughIndex: throughIndex, walked: common, narrowedTo: narrowed,
                oncePlanned: matchesFirst || common
            ))
        }
        let direction = listFilter.sortOrder == .asc ? "ASC" : "DESC"
        let order = "\(listFilter.sortBy == .username ? "lower(username)" : "created_at") \(direction), id \(direction)"
        // Customers without a search are counted by the triggers (other roles are few).
        var total = PGAdmittedReads.Total.count
        if let short { total = .searchGrams(short) } else if searched, !common { total = .countOfMatches }
        if !searched, deep, byCreation { total = .searchGrams(ShortSearch.everyone(listFilter)) }
        if listFilter.role == .customer, !searched {
            switch listFilter.status {
            case .active: total = .counter(.customersLive)
            case .all: total = .counter(.customersAll)
            case .deleted: total = .difference(.customersAll, .customersLive)
            }
        }
        if let (search, state) = kept {
            let walk = PGKeptSearches.Walk(
                base: unsearched, condition: PGSearch.condition(search.text, columns: search.list.searchedColumns, walked: true), state: state, page: page
            )
            return try await PGAdmittedReads.userPage(
                access, filter: filter, order: order, total: .kept(search), page: page, matchesFirst: matchesFirst,
                walk: walk, members: members, in: db, row: row
            )
        }
        return try await PGAdmittedReads.userPage(
            access, filter: filter, order: order, total: total, page: page, matchesFirst: throughIndex, startingAt: start, in: db, row: row
        )
    }

    /// Active, not soft-deleted admins, counted after taking the admins' lock: the last
    /// admin guard of one transaction waits for another's to commit, then counts again.
    static func lockedActiveAdminCount(in db: PGSession) async throws -> Int64 {
        try await db.execute("SELECT pg_advisory_xact_lock($1)", adminsLockKey)
        return try await db.scalarInt("SELECT COUNT(*) FROM users WHERE role = 'admin' AND is_active AND deleted_at IS NULL") ?? 0
    }

    /// "duka.admins" as an advisory lock key.
    static let adminsLockKey: Int64 = 0x6475_6B61_0001

    static func update(
        uuid: String, _ changes: UserChanges, actor: User, action: String, now: Int64 = Timestamp.now(), in db: PGSession
    ) async throws -> User {
        guard let current = try await find(uuid: uuid, forUpdate: true, in: db) else { throw UserChangeError.notFound }
        let next = changes.applied(to: current)
        guard next != current else { return current }

        let renamed = current.renamedFields(in: next)
        let taken = try await takenFields(username: renamed.username, email: renamed.email, exceptID: current.id, in: db)
        guard taken.isEmpty else { throw UserChangeError.duplicate(taken) }

        if current.isActiveAdmin, !next.isActiveAdmin, try await lockedActiveAdminCount(in: db) <= 1 {
            throw UserChangeError.lastAdmin
        }
        let revokes = changes.endsSessions(from: current, to: next)
        let updated = try await refusingDuplicates {
            try await db.rows(
                """
                UPDATE users SET username = $1, email = $2, password_hash = $3, role = $4, full_name = $5, id_number = $6,
                    phone_number = $7, county = $8, town = $9, street = $10, is_active = $11, updated_at = $12,
                    session_version = session_version + $13
                WHERE id = $14
                RETURNING \(columns)
                """,
                [
                    next.username, next.email, next.passwordHash, next.role.rawValue, next.profile.fullName, next.profile.idNumber,
                    next.profile.phoneNumber, next.profile.county, next.profile.town, next.profile.street, next.isActive, now,
                    Int64(revokes ? 1 : 0), current.id,
                ]
            )
        }
        try await PGAuditLog.record(actor: actor, action: action, targetType: .user, targetID: current.uuid, at: now, in: db)
        return decode(updated[0])
    }

    /// Hard delete, refused for oneself (checked first) and for users who own carts.
    static func delete(uuid: String, actor: User, now: Int64 = Timestamp.now(), in db: PGSession) async throws {
        guard uuid != actor.uuid else { throw UserChangeError.cannotDeleteSelf }
        guard let user = try await find(uuid: uuid, forUpdate: true, in: db) else { throw UserChangeError.notFound }
        guard try await db.scalarInt("SELECT 1 FROM carts WHERE user_id = $1 UNION ALL SELECT 1 FROM shifts WHERE user_id = $1 LIMIT 1", user.id) == nil else {
            throw UserChangeError.hasDependents
        }
        if user.isActiveAdmin, try await lockedActiveAdminCount(in: db) <= 1 {
            throw UserChangeError.lastAdmin
        }
        do {
            try await db.execute("DELETE FROM users WHERE id = $1", user.id)
        } catch let error where PGErrors.isForeignKeyViolation(error) {
            // A cart opened for the user after the check above (the key holds it).
            throw UserChangeError.hasDependents
        }
        try await PGAuditLog.record(actor: actor, action: "user.delete", targetType: .user, targetID: user.uuid, at: now, in: db)
    }
}
