import DukaCore

/// A bulk load's pause of the short-search and kept-text triggers (migration 9), and the
/// count of every user at its end (`SearchGramTally`, as on SQLite). Their statement
/// trigger works out each user's texts in SQL, about 1 ms a user; counted here, 100,000
/// users take a few seconds.
enum PGSearchGramCounts {
    /// The migration that made the pause.
    static let since: Int64 = 9
    /// Users read per statement while counting.
    static let usersPerRead = 5_000

    /// Stops the triggers counting (committed by the caller before the load writes).
    static func pause(in db: PGSession) async throws {
        try await db.execute("UPDATE counters SET value = 1 WHERE name = 'search_grams_paused'")
    }

    static func isPaused(in db: PGSession) async throws -> Bool {
        try await db.scalarInt("SELECT value FROM counters WHERE name = 'search_grams_paused'") == 1
    }

    /// Counts every user and lets the triggers count again, in the caller's transaction.
    /// The users are locked against changes meanwhile: a change made while the triggers
    /// were paused and not seen by the count would be missed for good.
    static func resume(in db: PGSession) async throws {
        try await db.execute("LOCK TABLE users IN SHARE MODE")
        try await db.execute("DELETE FROM search_grams")
        try await db.execute("DELETE FROM search_blocks")
        var tally = SearchGramTally(
            shiftOfUsers: try await db.scalarInt("SELECT value FROM counters WHERE name = 'search_block_shift_u'") ?? 16,
            shiftOfCustomers: try await db.scalarInt("SELECT value FROM counters WHERE name = 'search_block_shift_c'") ?? 11
        )
        var pending: [SearchGramTally.Row] = []
        try await forEachUser(byCreation: false, in: db) { user in
            pending += tally.addByID(user)
            if pending.count >= 20_000 { try await write(&pending, in: db) }
        }
        pending += tally.endOfPassByID()
        try await forEachUser(byCreation: true, in: db) { user in
            pending += tally.addByCreation(user)
            if pending.count >= 20_000 { try await write(&pending, in: db) }
        }
        pending += tally.endOfPassByCreation()
        try await write(&pending, in: db)
        // The lists' blocks (migration 12): one aggregate over the users.
        try await db.execute("DELETE FROM list_blocks")
        try await db.execute("INSERT INTO list_blocks (list, level, parent, block, bucket, count) SELECT * FROM duka_list_block_counts()")
        // The kept texts of long searches were not counted either: searches keep them again.
        try await db.execute("DELETE FROM search_text_counts")
        try await db.execute("DELETE FROM search_text_members")
        try await db.execute("DELETE FROM search_texts")
        try await db.execute("UPDATE counters SET value = 0 WHERE name = 'search_grams_paused'")
    }

    /// Writes and empties `rows`, a few statements for thousands of rows.
    private static func write(_ rows: inout [SearchGramTally.Row], in db: PGSession) async throws {
        let totals = rows.filter { $0.block == nil }.map { [$0.list.rawValue, $0.gram, $0.bucket, $0.count] as [any PGArgument] }
        let blocks = rows.compactMap { row in
            row.block.map { [row.list.rawValue, row.gram, $0, row.bucket, row.count] as [any PGArgument] }
        }
        rows.removeAll(keepingCapacity: true)
        _ = try await db.batched(totals) { "INSERT INTO search_grams (list, gram, bucket, count) VALUES \($0)" }
        _ = try await db.batched(blocks) { "INSERT INTO search_blocks (list, gram, block, bucket, count) VALUES \($0)" }
    }

    /// Every user in id order, or in `created_at, id` order, a few thousand per statement.
    private static func forEachUser(
        byCreation: Bool, in db: PGSession, _ body: (SearchGramTally.User) async throws -> Void
    ) async throws {
        let columns = "id, created_at, role, deleted_at IS NOT NULL, is_active, username, email, full_name, phone_number, id_number"
        var after: (createdAt: Int64, id: Int64)?
        while true {
            let order = byCreation ? "created_at, id" : "id"
            let found: [PGRow]
            switch (byCreation, after) {
            case (_, nil): found = try await db.rows("SELECT \(columns) FROM users ORDER BY \(order) LIMIT $1", Int64(usersPerRead))
            case (false, let last?):
                found = try await db.rows("SELECT \(columns) FROM users WHERE id > $1 ORDER BY id LIMIT $2", last.id, Int64(usersPerRead))
            case (true, let last?):
                found = try await db.rows(
                    "SELECT \(columns) FROM users WHERE (created_at, id) > ($1, $2) ORDER BY created_at, id LIMIT $3",
                    last.createdAt, last.id, Int64(usersPerRead)
                )
            }
            for row in found {
                try await body(SearchGramTally.User(
                    id: row.int64(0), createdAt: row.int64(1), role: row.string(2), deleted: row.bool(3), active: row.bool(4),
                    username: row.optionalString(5), email: row.optionalString(6), fullName: row.optionalString(7),
                    phoneNumber: row.optionalString(8), idNumber: row.optionalString(9)
                ))
            }
            guard let last = found.last, found.count == usersPerRead else { return }
            after = (last.int64(1), last.int64(0))
        }
    }
}
