import DukaCore
import SQLite

/// `search_grams` and `search_blocks` counted from scratch in a SQLite file, for the users
/// already there (migrations 3 and 4, and the end of a bulk load): `SearchGramTally`'s
/// counts, which follow the `search_gram_rows` view exactly.
enum SearchGramCounts {
    /// Stops the triggers counting (a bulk load: about 0.5 ms a user otherwise). Totals
    /// of short searches lag until `resume`, which a start also runs if a load stopped.
    static func pause(in db: Connection) throws {
        try db.execute("UPDATE counters SET value = 1 WHERE name = 'search_grams_paused'")
    }

    /// Counts every user and lets the triggers count again, in the caller's transaction:
    /// no change can fall between the count and the triggers.
    static func resume(in db: Connection) throws {
        try rebuild(in: db)
        try SearchFours.rebuild(in: db)
        // The kept texts of long searches were not counted either: they are kept again
        // when searches find them.
        try KeptSearchStore.forgetAll(in: db)
        try db.execute("UPDATE counters SET value = 0 WHERE name = 'search_grams_paused'")
    }

    static func isPaused(in db: Connection) throws -> Bool {
        try db.scalarInt("SELECT value FROM counters WHERE name = 'search_grams_paused'") == 1
    }

    /// Counts `search_grams` and `search_blocks` from scratch.
    static func rebuild(in db: Connection) throws {
        try rebuild(grams: true, blocks: true, in: db)
    }

    /// `search_grams` alone (migration 3).
    static func rebuildGrams(in db: Connection) throws {
        try rebuild(grams: true, blocks: false, in: db)
    }

    /// `search_blocks` alone (migration 4).
    static func rebuildBlocks(in db: Connection) throws {
        try rebuild(grams: false, blocks: true, in: db)
    }

    /// `SearchGramTally`'s two passes, each row written as it is handed back.
    private static func rebuild(grams: Bool, blocks: Bool, in db: Connection) throws {
        if grams { try db.execute("DELETE FROM search_grams") }
        if blocks { try db.execute("DELETE FROM search_blocks") }
        var tally = SearchGramTally(
            grams: grams, blocks: blocks,
            shiftOfUsers: try db.scalarInt("SELECT value FROM counters WHERE name = 'search_block_shift_u'") ?? 16,
            shiftOfCustomers: try db.scalarInt("SELECT value FROM counters WHERE name = 'search_block_shift_c'") ?? 11
        )
        try forEachUser(orderedBy: "id", in: db) { try write(tally.addByID($0), in: db) }
        try write(tally.endOfPassByID(), in: db)
        guard blocks else { return }
        try forEachUser(orderedBy: "created_at, id", in: db) { try write(tally.addByCreation($0), in: db) }
        try write(tally.endOfPassByCreation(), in: db)
    }

    /// Several rows to a statement (`Connection.insertRows`): 3,000,000 rows of
    /// `search_blocks` at 1,000,000 customers.
    private static func write(_ rows: [SearchGramTally.Row], in db: Connection) throws {
        guard !rows.isEmpty else { return }
        var blocks: [any SQLBindable] = [], grams: [any SQLBindable] = []
        blocks.reserveCapacity(rows.count * 5)
        for row in rows {
            if let block = row.block {
                blocks.append(row.list.rawValue)
                blocks.append(row.gram)
                blocks.append(block)
                blocks.append(row.bucket)
                blocks.append(row.count)
            } else {
                grams.append(row.list.rawValue)
                grams.append(row.gram)
                grams.append(row.bucket)
                grams.append(row.count)
            }
        }
        try db.insertRows("INSERT INTO search_blocks (list, gram, block, bucket, count) VALUES", columns: 5, values: blocks)
        try db.insertRows("INSERT INTO search_grams (list, gram, bucket, count) VALUES", columns: 4, values: grams)
    }

    private static func forEachUser(orderedBy order: String, in db: Connection, _ body: (SearchGramTally.User) throws -> Void) throws {
        _ = try db.query(
            """
            SELECT id, created_at, role, deleted_at IS NOT NULL, is_active, username, email, full_name, phone_number, id_number
            FROM users ORDER BY \(order)
            """
        ) { row -> Void in
            try body(SearchGramTally.User(
                id: row.int64(0), createdAt: row.int64(1), role: row.string(2), deleted: row.int64(3) != 0, active: row.int64(4) != 0,
                username: row.optionalString(5), email: row.optionalString(6), fullName: row.optionalString(7),
                phoneNumber: row.optionalString(8), idNumber: row.optionalString(9)
            ))
        }
    }
}
