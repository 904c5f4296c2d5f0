import DukaCore
import SQLite

/// `search_grams` and `search_blocks` counted from scratch, for the users already there
/// (migrations 3 and 4, and the end of a bulk load): what the triggers keep one row at a
/// time, computed here in two passes. SQL's own count (a GROUP BY over
/// `search_gram_rows`) sorts every (user, text) pair and took 93 s for 100,000 users;
/// this takes a few seconds. It follows the view exactly: `lower` folds ASCII only, `substr` and `length` count Unicode scalars, each text once per user and
/// list, '' once per user with a non-empty searched field.
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

    /// Two passes over the users: by id (the totals, and the portal's blocks, which are
    /// by id), then by `created_at` (the users API's blocks). Each user's texts are
    /// worked out once per pass; a block's counts are written when the pass leaves it,
    /// so only one block's are held at a time.
    private static func rebuild(grams: Bool, blocks: Bool, in db: Connection) throws {
        if grams { try db.execute("DELETE FROM search_grams") }
        if blocks { try db.execute("DELETE FROM search_blocks") }
        let shiftOfUsers = try db.scalarInt("SELECT value FROM counters WHERE name = 'search_block_shift_u'") ?? 16
        let shiftOfCustomers = try db.scalarInt("SELECT value FROM counters WHERE name = 'search_block_shift_c'") ?? 11
        var totals = [ShortSearch.List.users: Counts(), .customers: Counts()]
        var customerBlocks = BlockCounts(list: .customers)
        var texts = Set<UInt64>()
        try forEachUser(orderedBy: "id", in: db) { user in
            for (list, fields) in user.lists {
                user.grams(of: fields, into: &texts)
                if grams { totals[list]!.add(texts, bucket: user.bucket) }
                if blocks, list == .customers { try customerBlocks.add(texts, bucket: user.bucket, block: user.id >> shiftOfCustomers, in: db) }
            }
        }
        try customerBlocks.flush(in: db)
        if grams {
            for (list, counts) in totals {
                for (bucket, byGram) in counts.byBucket {
                    for (gram, count) in byGram {
                        try db.execute(
                            "INSERT INTO search_grams (list, gram, bucket, count) VALUES (?, ?, ?, ?)", list.rawValue, text(of: gram), bucket, count
                        )
                    }
                }
            }
        }
        guard blocks else { return }
        var userBlocks = BlockCounts(list: .users)
        try forEachUser(orderedBy: "created_at, id", in: db) { user in
            user.grams(of: user.lists[0].fields, into: &texts)
            try userBlocks.add(texts, bucket: user.bucket, block: user.createdAt >> shiftOfUsers, in: db)
        }
        try userBlocks.flush(in: db)
    }

    /// Users per text, per bucket (a dictionary per bucket: hashing the text alone).
    private struct Counts {
        var byBucket: [Int64: [UInt64: Int64]] = [:]

        mutating func add(_ texts: Set<UInt64>, bucket: Int64) {
            var counts = byBucket.removeValue(forKey: bucket) ?? [:]
            for text in texts { counts[text, default: 0] += 1 }
            byBucket[bucket] = counts
        }
    }

    /// One block's counts at a time, written to `search_blocks` when the next begins.
    private struct BlockCounts {
        let list: ShortSearch.List
        var block: Int64?
        var counts = Counts()

        mutating func add(_ texts: Set<UInt64>, bucket: Int64, block: Int64, in db: Connection) throws {
            if block != self.block {
                try flush(in: db)
                self.block = block
            }
            counts.add(texts, bucket: bucket)
        }

        mutating func flush(in db: Connection) throws {
            defer { counts = Counts() }
            guard let block else { return }
            for (bucket, byGram) in counts.byBucket {
                for (gram, count) in byGram {
                    try db.execute(
                        "INSERT INTO search_blocks (list, gram, block, bucket, count) VALUES (?, ?, ?, ?, ?)",
                        list.rawValue, SearchGramCounts.text(of: gram), block, bucket, count
                    )
                }
            }
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
