import DukaCore
import SQLite
import Synchronization

/// The four-character indexes of long searches (`users_fours_c`, `users_fours_u`,
/// migration 9): every run of four ASCII letters or digits in a user's searched columns,
/// as the view `search_four_rows` writes them for the triggers. A bulk load's end, and
/// the migration, write them here instead: the view takes about 65 µs a user.
enum SearchFours {
    /// The index of `list`'s columns.
    static func table(_ list: ShortSearch.List) -> String {
        "users_fours_\(list.rawValue)"
    }

    /// The word every row with a character outside printable ASCII holds, and every
    /// lookup takes as a candidate.
    static let notPlain = "notplain"

    /// Whether a lookup of `four` can go through the indexes: four ASCII letters or digits.
    static func indexes(_ four: some StringProtocol) -> Bool {
        four.utf8.count == 4 && four.utf8.allSatisfy(isWordByte)
    }

    /// The fours a search of `weights`' text looks up here (its rarest, then the next
    /// rarest letters or digits when it reads every match), or nil when it reads the
    /// trigram index. Taken when the rarest four is letters or digits and either a page
    /// stops the lookup, or narrowing pays anyway (`narrowingRatio`), or its rarer
    /// trigram is in at most 1/`boundedShare` of the list: the four then finds at most
    /// that many candidates, where the whole phrase reads every trigram's list. Measured
    /// at 1,000,000 customers on the benchmark's rotating texts of 5 and 8 characters not
    /// kept, counting each with its confirmation: 183 ms in all through the whole phrase,
    /// 19 ms as narrowed before this index, 13 ms through it (`10398` in the users API:
    /// 0.77 ms whole, 0.08 ms here; the worst loss, 0.08 → 0.21 ms).
    static func lookups(_ weights: TrigramWeights, stopsAtPage: Bool) -> [Substring]? {
        guard let rarest = weights.rarestFour(ratio: 0), indexes(rarest) else { return nil }
        let bounded = weights.listSize.map { weights.rarestFourBound * boundedShare <= $0 } ?? false
        guard stopsAtPage || bounded || weights.rarestFour(ratio: narrowingRatio.load(ordering: .relaxed)) != nil else { return nil }
        return weights.rarestFours(ratio: 0, most: stopsAtPage ? 1 : 2, where: indexes)
    }

    static let boundedShare: Int64 = 64

    /// The FTS5 query for the rows holding every one of `fours` (each `indexes`), or
    /// any character outside printable ASCII.
    static func query(allOf fours: [Substring]) -> String {
        let words = fours.map { "\"" + String(decoding: $0.utf8.map(asciiLowercased), as: UTF8.self) + "\"" }
        return "(" + words.joined(separator: " AND ") + ") OR \(notPlain)"
    }

    /// Indexes every user again (the caller's transaction).
    static func rebuild(in db: Connection) throws {
        for list in [ShortSearch.List.customers, .users] {
            try db.execute("INSERT INTO \(table(list)) (\(table(list))) VALUES ('delete-all')")
            try FullTextBulkLoad.begin(table(list), in: db)
        }
        var customers: [any SQLBindable] = [], users: [any SQLBindable] = []
        func flush() throws {
            try db.insertRows("INSERT INTO \(table(.customers)) (rowid, fours) VALUES", columns: 2, values: customers)
            try db.insertRows("INSERT INTO \(table(.users)) (rowid, fours) VALUES", columns: 2, values: users)
            customers.removeAll(keepingCapacity: true)
            users.removeAll(keepingCapacity: true)
        }
        // Columns 1...5: username, email, full_name, phone_number, id_number.
        try db.forEach("SELECT id, username, email, full_name, phone_number, id_number FROM users", arguments: []) { row in
            let id = row.int64(0)
            customers += [id, words(of: [3, 2, 4, 5], in: row)]
            users += [id, words(of: [1, 2], in: row)]
            if customers.count >= 4_000 { try flush() }
            return true
        }
        try flush()
        for list in [ShortSearch.List.customers, .users] {
            try FullTextBulkLoad.end(table(list), in: db)
        }
    }

    /// The indexes' words against a count from scratch (`duka check`): each word whose
    /// number of rows differs, at most `most` of them. A contentless table cannot be read
    /// back, but its vocabulary (fts5vocab) can.
    static func differences(in db: Connection, most: Int = 5) throws -> [String] {
        var found: [String] = []
        for list in [ShortSearch.List.customers, .users] {
            var expected: [String: Int64] = [:]
            try db.forEach("SELECT id, username, email, full_name, phone_number, id_number FROM users", arguments: []) { row in
                for word in Set(words(of: list == .customers ? [3, 2, 4, 5] : [1, 2], in: row).split(separator: " ")) {
                    expected[String(word), default: 0] += 1
                }
                return true
            }
            let vocabulary = "\(table(list))_words"
            try db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.\(vocabulary) USING fts5vocab(main, \(table(list)), row)")
            try db.forEach("SELECT term, doc FROM temp.\(vocabulary)", arguments: []) { row in
                let word = row.string(0), rows = row.int64(1)
                let counted = expected.removeValue(forKey: word) ?? 0
                if rows != counted { found.append("\(list.rawValue) \(word): \(rows) rows, \(counted) counted") }
                return true
            }
            found += expected.sorted { $0.key < $1.key }.map { "\(list.rawValue) \($0.key): 0 rows, \($0.value) counted" }
        }
        return Array(found.prefix(most))
    }

    /// The words of `columns` of `row`, as the view writes them: each column's fours in
    /// order, then `notplain` when a column holds a character outside printable ASCII.
    static func words(of columns: [Int32], in row: Row) -> String {
        var out: [UInt8] = []
        var plain = true
        for column in columns {
            row.withUTF8(column) { bytes in
                guard let bytes else { return }
                appendWords(of: bytes, to: &out)
                if !bytes.allSatisfy({ (0x20...0x7E).contains($0) }) { plain = false }
            }
        }
        if !plain {
            if !out.isEmpty { out.append(0x20) }
            out += notPlain.utf8
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Every window of four ASCII letters or digits in `bytes`, lower case, spaced. A
    /// window of four bytes that are all ASCII is four characters, as the view counts them.
    /// (Writing each word once a row, through a set, made the rebuild slower: 9.4 → 11.4 s
    /// at 1,000,000 users.)
    static func appendWords(of bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        var run = 0
        for (index, byte) in bytes.enumerated() {
            run = isWordByte(byte) ? run + 1 : 0
            guard run >= 4 else { continue }
            if !out.isEmpty { out.append(0x20) }
            for offset in (index - 3)...index { out.append(asciiLowercased(bytes[offset])) }
        }
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }
}

/// An FTS5 table loaded with many rows at once (a bulk load, a copy, a rebuild): no merges
/// while they come, and 32 MiB of words held before each segment is written (FTS5's
/// defaults: merges as segments pile up, 1 MiB), then one merge of every segment at the
/// end, and the defaults again for the triggers' single rows. Unmerged, a search reads
/// each trigram's list in pieces (100,000 generated customers left 1,953 segments; merged,
/// a search read 3x less). At 1,000,000 generated customers: the rows' step 75–80 →
/// 70 s (the trigram index), the four-character indexes' rebuild 10.2 → 8.1 s. A load
/// that stops half-way leaves the counts of short searches paused, and the next start
/// ends both (`Migrations.migrate`).
enum FullTextBulkLoad {
    static func begin(_ table: String, in db: Connection) throws {
        try setting(table, "automerge", 0, in: db)
        try setting(table, "hashsize", 32 << 20, in: db)
    }

    static func end(_ table: String, in db: Connection) throws {
        try db.execute("INSERT INTO \(table) (\(table)) VALUES ('optimize')")
        try setting(table, "automerge", 4, in: db)
        try setting(table, "hashsize", 1 << 20, in: db)
    }

    private static func setting(_ table: String, _ name: String, _ value: Int64, in db: Connection) throws {
        try db.execute("INSERT INTO \(table) (\(table), rank) VALUES (?, ?)", name, value)
    }
}
