import DukaCore
import SQLite

/// `search_grams` counted from scratch, for the users already there (migration 3, and
/// the end of a bulk load): what the triggers keep one row at a time, computed here in
/// one pass. SQL's own count (a GROUP BY over `search_gram_rows`) sorts every (user,
/// text) pair and took 93 s for 100,000 users; this takes a second or two. It follows the view exactly: `lower` folds
/// ASCII only, `substr` and `length` count Unicode scalars, each text once per user and
/// list, '' once per user with a non-empty searched field.
enum SearchGramCounts {
    private struct Key: Hashable {
        let list: ShortSearch.List
        let bucket: Int64
        /// Up to three scalars, each stored + 1 in 21 bits (0: none).
        let gram: UInt64
    }

    /// Stops the triggers counting (a bulk load: about 0.5 ms a user otherwise). Totals
    /// of short searches lag until `resume`, which a start also runs if a load stopped.
    static func pause(in db: Connection) throws {
        try db.execute("UPDATE counters SET value = 1 WHERE name = 'search_grams_paused'")
    }

    /// Counts every user and lets the triggers count again, in the caller's transaction:
    /// no change can fall between the count and the triggers.
    static func resume(in db: Connection) throws {
        try rebuild(in: db)
        try db.execute("UPDATE counters SET value = 0 WHERE name = 'search_grams_paused'")
    }

    static func isPaused(in db: Connection) throws -> Bool {
        try db.scalarInt("SELECT value FROM counters WHERE name = 'search_grams_paused'") == 1
    }

    /// Counts `search_grams` and `search_blocks` from scratch.
    static func rebuild(in db: Connection) throws {
        try rebuildGrams(in: db)
        try rebuildBlocks(in: db)
    }

    /// `search_grams`: one pass over the users (the counts are few: one per list, bucket and text).
    static func rebuildGrams(in db: Connection) throws {
        var counts: [Key: Int64] = [:]
        var grams = Set<UInt64>()
        try forEachUser(orderedBy: "id", in: db) { user in
            for (list, fields) in user.lists {
                user.grams(of: fields, into: &grams)
                for gram in grams { counts[Key(list: list, bucket: user.bucket, gram: gram), default: 0] += 1 }
            }
        }
        try db.execute("DELETE FROM search_grams")
        for (key, count) in counts {
            try db.execute(
                "INSERT INTO search_grams (list, gram, bucket, count) VALUES (?, ?, ?, ?)", key.list.rawValue, text(of: key.gram), key.bucket, count
            )
        }
    }

    /// `search_blocks`: one pass per list in its blocks' order, each block written when
    /// the pass leaves it, so only one block's counts are held at a time.
    static func rebuildBlocks(in db: Connection) throws {
        try db.execute("DELETE FROM search_blocks")
        let shiftOfUsers = try db.scalarInt("SELECT value FROM counters WHERE name = 'search_block_shift_u'") ?? 16
        let shiftOfCustomers = try db.scalarInt("SELECT value FROM counters WHERE name = 'search_block_shift_c'") ?? 11
        for (list, order, shift) in [(ShortSearch.List.users, "created_at, id", shiftOfUsers), (.customers, "id", shiftOfCustomers)] {
            var block: Int64?
            var counts: [Key: Int64] = [:]
            var grams = Set<UInt64>()
            func flush() throws {
                guard let block else { return }
                for (key, count) in counts {
                    try db.execute(
                        "INSERT INTO search_blocks (list, gram, block, bucket, count) VALUES (?, ?, ?, ?, ?)",
                        key.list.rawValue, text(of: key.gram), block, key.bucket, count
                    )
                }
                counts.removeAll(keepingCapacity: true)
            }
            try forEachUser(orderedBy: order, in: db) { user in
                guard let fields = user.lists.first(where: { $0.list == list })?.fields else { return }
                let userBlock = (list == .users ? user.createdAt : user.id) >> shift
                if userBlock != block {
                    try flush()
                    block = userBlock
                }
                user.grams(of: fields, into: &grams)
                for gram in grams { counts[Key(list: list, bucket: user.bucket, gram: gram), default: 0] += 1 }
            }
            try flush()
        }
    }

    /// A user's row as the counts read it.
    private struct UserTexts {
        let id, createdAt, bucket: Int64
        /// Each list the user is in, with the searched columns' texts.
        let lists: [(list: ShortSearch.List, fields: [String?])]

        func grams(of fields: [String?], into grams: inout Set<UInt64>) {
            grams.removeAll(keepingCapacity: true)
            for case let text? in fields { SearchGramCounts.add(text, to: &grams) }
        }
    }

    private static func forEachUser(orderedBy order: String, in db: Connection, _ body: (UserTexts) throws -> Void) throws {
        _ = try db.query(
            """
            SELECT id, created_at, role, deleted_at IS NOT NULL, is_active, username, email, full_name, phone_number, id_number
            FROM users ORDER BY \(order)
            """
        ) { row -> Void in
            let role = Role(rawValue: row.string(2)) ?? .customer
            let users: [String?] = [row.optionalString(5), row.optionalString(6)]
            var lists: [(list: ShortSearch.List, fields: [String?])] = [(.users, users)]
            if role == .customer {
                lists.append((.customers, [row.optionalString(7), row.optionalString(6), row.optionalString(8), row.optionalString(9)]))
            }
            try body(UserTexts(
                id: row.int64(0), createdAt: row.int64(1),
                bucket: ShortSearch.bucket(role: role, deleted: row.int64(3) != 0, active: row.int64(4) != 0), lists: lists
            ))
        }
    }

    /// The texts of 0 to 3 scalars of `field`, ASCII lower-cased.
    fileprivate static func add(_ field: String, to grams: inout Set<UInt64>) {
        let scalars = field.unicodeScalars.map { scalar -> UInt64 in
            let value = UInt64(scalar.value)
            return ((0x41...0x5A).contains(value) ? value + 0x20 : value) + 1
        }
        guard !scalars.isEmpty else { return }
        grams.insert(0)
        for start in scalars.indices {
            var gram: UInt64 = 0
            for offset in 0..<min(3, scalars.count - start) {
                gram |= scalars[start + offset] << (21 * UInt64(offset))
                grams.insert(gram)
            }
        }
    }

    private static func text(of gram: UInt64) -> String {
        var scalars = String.UnicodeScalarView()
        var rest = gram
        while rest != 0 {
            scalars.append(Unicode.Scalar(UInt32(rest & 0x1F_FFFF) - 1)!)
            rest >>= 21
        }
        return String(scalars)
    }
}
