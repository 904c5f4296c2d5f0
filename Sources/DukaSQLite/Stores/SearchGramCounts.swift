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

    static func rebuild(in db: Connection) throws {
        var counts: [Key: Int64] = [:]
        var grams = Set<UInt64>()
        try db.query(
            "SELECT role, deleted_at IS NOT NULL, is_active, username, email, full_name, phone_number, id_number FROM users"
        ) { row in
            let role = Role(rawValue: row.string(0)) ?? .customer
            let bucket = ShortSearch.bucket(role: role, deleted: row.int64(1) != 0, active: row.int64(2) != 0)
            let lists: [(ShortSearch.List, [Int32])] = role == .customer ? [(.users, [3, 4]), (.customers, [5, 4, 6, 7])] : [(.users, [3, 4])]
            for (list, columns) in lists {
                grams.removeAll(keepingCapacity: true)
                for column in columns {
                    guard let text = row.optionalString(column) else { continue }
                    add(text, to: &grams)
                }
                for gram in grams { counts[Key(list: list, bucket: bucket, gram: gram), default: 0] += 1 }
            }
        }
        try db.execute("DELETE FROM search_grams")
        for (key, count) in counts {
            try db.execute(
                "INSERT INTO search_grams (list, gram, bucket, count) VALUES (?, ?, ?, ?)", key.list.rawValue, text(of: key.gram), key.bucket, count
            )
        }
    }

    /// The texts of 0 to 3 scalars of `field`, ASCII lower-cased.
    private static func add(_ field: String, to grams: inout Set<UInt64>) {
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
