import DukaCore
import SQLite

/// The kept totals of long searches that many users match (`search_texts`,
/// `search_text_counts`, their triggers in schema.sql), and their adoption.
///
/// The triggers count plain users only (every searched column printable ASCII, where
/// `lower` folds case as the trigram index does); the few others are counted at request
/// time through the index (`users_not_plain`), so a total is exactly the index's.
enum KeptSearchStore {
    /// The rows of `list` (before their buckets).
    static func listCondition(_ list: ShortSearch.List) -> String {
        list == .customers ? "role = 'customer'" : "1"
    }

    /// A user with a character outside printable ASCII in a searched column (the
    /// condition of the partial index `users_not_plain`, word for word).
    static let notPlain = """
        (username GLOB '*[^ -~]*' OR email GLOB '*[^ -~]*' OR full_name GLOB '*[^ -~]*'
            OR phone_number GLOB '*[^ -~]*' OR id_number GLOB '*[^ -~]*')
        """

    /// The search's total when its text is kept (and counted), else nil.
    static func total(_ search: KeptSearch, in db: Connection) throws -> Int64? {
        guard try db.scalarInt("SELECT ready FROM search_texts WHERE list = ? AND text = ?", search.list.rawValue, search.text) == 1 else {
            return nil
        }
        let kept = try db.scalarInt(
            "SELECT COALESCE(SUM(count), 0) FROM search_text_counts WHERE list = ? AND text = ? AND bucket IN (\(search.bucketList))",
            search.list.rawValue, search.text
        ) ?? 0
        let others = try db.scalarInt(
            """
            SELECT COUNT(*) FROM users INDEXED BY users_not_plain
            WHERE \(notPlain) AND \(listCondition(search.list)) AND (\(DatabaseCheck.bucket)) IN (\(search.bucketList))
                AND EXISTS (SELECT 1 FROM users_search WHERE users_search MATCH ? AND rowid = users.id)
            """,
            ftsQuery(search.text, columns: search.list.searchedColumns)
        ) ?? 0
        return kept + others
    }

    /// A kept search's page. `base` is the list's filter without the search, `order` the
    /// page's order; `indexBase`, the same filter written for rows found through the index
    /// (`+` on each column, so that SQLite reads the found rows by id rather than walk an
    /// index past every other row).
    ///
    /// A list in id order, either way (the portal; the users API by sign-up time while
    /// sign-ups follow ids), reads the trigram index in that order and stops at the page
    /// (`IndexOrderedPage`), whatever the text's density. Other orders: a dense
    /// text (`KeptSearch.walks`) walks the list testing each row, within a budget of rows:
    /// matches that cluster far from the list's start (`gen24…`, whose users signed up
    /// together) would make the walk read most of the list, so past the budget the index
    /// finds the page instead.
    static func page<T>(
        _ search: KeptSearch, total: Int64, base: SQLFilter, indexBase: SQLFilter? = nil, order: UserOrder, page: PageRequest,
        in db: Connection, row: (Row) throws -> T
    ) throws -> Page<T> {
        guard let offset = page.offset, offset < total else { return Page(items: [], total: total, request: page) }
        let ids: [Int64]
        switch order {
        case .id, .idDescending:
            let indexed = try IndexedText(search.text, list: search.list, stopsAtPage: true, in: db)
            ids = try IndexOrderedPage.ids(indexed, filter: indexBase ?? base, descending: order.isDescending, limit: page.size, offset: offset, in: db)
        case .keys(let keys):
            let listSize = try SearchGramStore.listSize(ShortSearch.everyone(search.list, buckets: search.buckets), in: db)
            let walked = KeptSearch.walks(total: total, listSize: listSize, offset: offset, size: page.size, rowsPerMatch: KeptSearch.sqliteRowsPerMatch)
                ? try walk(search, total: total, listSize: listSize, base: base, order: keys, page: page, in: db) : nil
            if let walked {
                ids = walked
            } else {
                var filter = indexBase ?? base
                filter.add(try IndexedText(search.text, list: search.list, in: db).condition)
                ids = try db.query(
                    "SELECT id FROM users \(filter.whereClause) ORDER BY \(keys) LIMIT ? OFFSET ?",
                    arguments: filter.arguments + [page.size, offset]
                ) { $0.int64(0) }
            }
        }
        return Page(items: try UserStore.rows(ids: ids, order: order, in: db, row: row), total: total, request: page)
    }

    /// The page's ids found by walking the list in page order, testing each row, or nil
    /// when the walk used up its budget first. The statement yields every walked row with
    /// its test, in the list's order (an index's, no sort), and is stopped once the page
    /// is full: a WHERE on the test with the budget's LIMIT inside a subquery would sort
    /// the whole budget again.
    private static func walk(
        _ search: KeptSearch, total: Int64, listSize: Int64, base: SQLFilter, order: String, page: PageRequest, in db: Connection
    ) throws -> [Int64]? {
        let offset = page.offset ?? 0
        let expected = KeptSearch.expectedWalk(total: total, listSize: listSize, offset: offset, size: page.size)
        let budget = KeptSearch.walkBudget(expected: expected)
        let test = containsCondition(search.text, columns: search.list.searchedColumns)
        var found: [Int64] = [], matched: Int64 = 0, walked: Int64 = 0
        try db.forEach(
            "SELECT id, \(test.sql) FROM users \(base.whereClause) ORDER BY \(order) LIMIT ?",
            arguments: test.arguments + base.arguments + [budget]
        ) { row in
            walked += 1
            guard row.bool(1) else { return true }
            matched += 1
            if matched > offset { found.append(row.int64(0)) }
            return found.count < page.size
        }
        // Enough for the page (or for what is left of the list), or the whole list walked.
        return found.count >= min(page.size, total - offset) || walked < budget ? found : nil
    }

    /// Starts keeping `texts`, each found in about `total` users: added (the triggers
    /// count changes from then on), the users already there counted in one read snapshot,
    /// and that count less the changes the snapshot already saw added. SQLite has one
    /// writer, so every change either comes before a text was added (in the snapshot, not
    /// counted by a trigger) or after (counted by one). When a list keeps `capacity`
    /// texts, the least common makes room if it is less common than the new one.
    ///
    /// One read of each list counts every text of the batch (`TextMatcher`): at
    /// 1,000,000 customers, one text's `instr` over the list took 3.7 s.
    static func adopt(_ texts: [(key: KeptSearch.Key, total: Int64)], now: Int64 = Timestamp.now(), in database: Database) async throws {
        let added: [KeptSearch.Key] = try await database.write { db in
            // An adoption that stopped half-way (a crash) is dropped after ten minutes.
            try db.execute(
                "DELETE FROM search_text_counts WHERE (list, text) IN (SELECT list, text FROM search_texts WHERE ready = 0 AND since < ?)", now - 600
            )
            try db.execute("DELETE FROM search_texts WHERE ready = 0 AND since < ?", now - 600)
            var added: [KeptSearch.Key] = []
            for (key, total) in texts.sorted(by: { $0.total > $1.total }) where try add(key, total: total, now: now, in: db) {
                added.append(key)
            }
            return added
        }
        guard !added.isEmpty else { return }
        let missing: [(key: KeptSearch.Key, bucket: Int64, count: Int64)] = try await database.read { db in
            var missing: [(KeptSearch.Key, Int64, Int64)] = []
            for list in [ShortSearch.List.users, .customers] {
                let keys = added.filter { $0.list == list }
                guard !keys.isEmpty else { continue }
                var counts = try count(keys.map(\.text), in: list, db: db)
                for (index, key) in keys.enumerated() {
                    try db.forEach("SELECT bucket, count FROM search_text_counts WHERE list = ? AND text = ?", arguments: [list.rawValue, key.text]) { row in
                        counts[index][row.int64(0), default: 0] -= row.int64(1)
                        return true
                    }
                    missing += counts[index].filter { $0.value != 0 }.map { (key, $0.key, $0.value) }
                }
            }
            return missing
        }
        try await database.write { db in
            for key in added {
                // Dropped meanwhile (by another process's clean-up): nothing to finish.
                guard try db.scalarInt("SELECT ready FROM search_texts WHERE list = ? AND text = ?", key.list.rawValue, key.text) == 0 else { continue }
                for entry in missing where entry.key == key {
                    try db.execute(
                        """
                        INSERT INTO search_text_counts (list, text, bucket, count) VALUES (?, ?, ?, ?)
                        ON CONFLICT (list, text, bucket) DO UPDATE SET count = count + excluded.count
                        """,
                        key.list.rawValue, key.text, entry.bucket, entry.count
                    )
                }
                try db.execute("UPDATE search_texts SET ready = 1 WHERE list = ? AND text = ?", key.list.rawValue, key.text)
            }
        }
    }

    /// Adds `key`'s text unready, making room when its list is full; false when it is
    /// kept already, or less common than every text kept.
    private static func add(_ key: KeptSearch.Key, total: Int64, now: Int64, in db: Connection) throws -> Bool {
        let list = key.list.rawValue
        if try db.scalarInt("SELECT 1 FROM search_texts WHERE list = ? AND text = ?", list, key.text) != nil { return false }
        let held = try db.scalarInt("SELECT COUNT(*) FROM search_texts WHERE list = ?", list) ?? 0
        if held >= KeptSearch.capacity {
            let least = try db.queryFirst(
                """
                SELECT t.text, COALESCE(SUM(c.count), 0) AS kept FROM search_texts AS t
                LEFT JOIN search_text_counts AS c ON c.list = t.list AND c.text = t.text
                WHERE t.list = ? AND t.ready = 1 GROUP BY t.text ORDER BY kept, t.text LIMIT 1
                """,
                list
            ) { ($0.string(0), $0.int64(1)) }
            guard let least, least.1 < total else { return false }
            try forget(list: list, text: least.0, in: db)
        }
        try db.execute("INSERT INTO search_texts (list, text, ready, since) VALUES (?, ?, 0, ?)", list, key.text, now)
        return true
    }

    /// The plain users of `list` that contain each of `texts`, per bucket: what the
    /// triggers count (`search_text_rows`: every searched column printable ASCII, matched
    /// in ASCII lower case), in one read of the list.
    private static func count(_ texts: [String], in list: ShortSearch.List, db: Connection) throws -> [[Int64: Int64]] {
        let matcher = TextMatcher(texts)
        let searched = list == .users ? [3, 4] : [4, 5, 6, 7] as [Int32]
        var counts = [[Int64]](repeating: [Int64](repeating: 0, count: 20), count: texts.count)
        // The last user each text was found in: a text found twice in one user counts once.
        var lastFound = [Int](repeating: -1, count: texts.count)
        var user = 0
        try db.forEach(
            """
            SELECT role, deleted_at IS NOT NULL, is_active, username, email, full_name, phone_number, id_number
            FROM users \(list == .customers ? "WHERE role = 'customer'" : "")
            """,
            arguments: []
        ) { row in
            user += 1
            var plain = true
            for column: Int32 in 3...7 where plain {
                row.withUTF8(column) { bytes in
                    if let bytes, !bytes.allSatisfy({ (0x20...0x7E).contains($0) }) { plain = false }
                }
            }
            guard plain else { return true }
            let bucket = Int(ShortSearch.bucket(role: Role(rawValue: row.string(0)) ?? .customer, deleted: row.bool(1), active: row.bool(2)))
            for column in searched {
                row.withUTF8(column) { bytes in
                    guard let bytes else { return }
                    matcher.forEachMatch(in: bytes) { text in
                        guard lastFound[text] != user else { return }
                        lastFound[text] = user
                        counts[text][bucket] += 1
                    }
                }
            }
            return true
        }
        return counts.map { byBucket in
            Dictionary(uniqueKeysWithValues: byBucket.enumerated().filter { $0.element != 0 }.map { (Int64($0.offset), $0.element) })
        }
    }

    /// A sample of `list`'s users to seed its kept texts from (`KeptSearchSeeds`), or
    /// nil when it keeps texts already or holds fewer than `from` users.
    static func sample(_ list: ShortSearch.List, size: Int, from: Int64, in db: Connection) throws -> KeptSearchSeeds.Sample? {
        guard try db.scalarInt("SELECT 1 FROM search_texts WHERE list = ? LIMIT 1", list.rawValue) == nil else { return nil }
        let listSize = try db.scalarInt("SELECT COALESCE(SUM(count), 0) FROM search_grams WHERE list = ? AND gram = ''", list.rawValue) ?? 0
        guard listSize >= from, listSize > 0 else { return nil }
        let columns = list.searchedColumns
        let rows = try db.query(
            """
            WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
            SELECT \(columns.joined(separator: ", ")) FROM users
            WHERE id IN (SELECT abs(random()) % (SELECT MAX(id) FROM users) + 1 FROM n) AND \(listCondition(list))
            """,
            size
        ) { row in (0..<Int32(columns.count)).map { row.optionalString($0) } }
        return KeptSearchSeeds.Sample(rows: rows, listSize: listSize)
    }

    /// Seeds both lists' kept texts at once (the end of a bulk load; a server start offers
    /// them to its adopter instead, in the background).
    static func seed(from: Int64 = KeptSearchSeeds.seedFrom, in database: Database) async throws {
        let texts: [(key: KeptSearch.Key, total: Int64)] = try await database.read { db in
            try [ShortSearch.List.users, .customers].flatMap { list in
                guard let sample = try sample(list, size: KeptSearchSeeds.sampleSize, from: from, in: db) else { return [(key: KeptSearch.Key, total: Int64)]() }
                return KeptSearchSeeds.choose(sample).map { (KeptSearch.Key(list: list, text: $0.text), $0.total) }
            }
        }
        try await adopt(texts, in: database)
    }

    /// The triggers' test, done again for `duka check` (see `DatabaseCheck.checkedTexts`).
    static let recount = """
        WITH \(DatabaseCheck.checkedTexts)
        SELECT t.list || ':' || t.text, r.bucket, COUNT(*) FROM search_text_rows AS r JOIN checked AS t ON t.list = r.list
        WHERE instr(r.a, t.text) > 0 OR instr(r.b, t.text) > 0 OR instr(r.c, t.text) > 0 OR instr(r.d, t.text) > 0
        GROUP BY 1, 2
        """

    /// Stops keeping a text.
    static func forget(list: String, text: String, in db: Connection) throws {
        try db.execute("DELETE FROM search_text_counts WHERE list = ? AND text = ?", list, text)
        try db.execute("DELETE FROM search_texts WHERE list = ? AND text = ?", list, text)
    }

    /// Stops keeping every text (a bulk load's end: the triggers were paused).
    static func forgetAll(in db: Connection) throws {
        try db.execute("DELETE FROM search_text_counts")
        try db.execute("DELETE FROM search_texts")
    }
}
