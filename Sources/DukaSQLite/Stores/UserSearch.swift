import DukaCore
import SQLite
import Synchronization

/// How a search over users finds its rows.
enum UserSearchMode {
    /// A LIKE test of every row the rest of the query walks (texts `ShortSearch` counts,
    /// where the walk reaches the page soon).
    case like
    /// The same LIKE, on the rows the trigram index finds (a sparse text of 3 characters).
    case likeThroughIndex
    /// The trigram index (texts of 4 characters or more, and of 3 that are not all ASCII).
    case index

    /// Whether the rows come from the trigram index.
    var usesIndex: Bool { self == .likeThroughIndex || self == .index }

    /// The mode for `text`, given its short search's plan when it has one.
    static func of(_ text: String?, throughIndex: Bool) -> UserSearchMode? {
        guard let text, !text.isEmpty else { return nil }
        guard ShortSearch.counts(text) else { return .index }
        return throughIndex ? .likeThroughIndex : .like
    }
}

/// The condition for "`text` is a case-insensitive substring of one of `columns`" of
/// `users`. Texts of 1 or 2 characters, or 3 ASCII ones, match as LIKE does (ASCII
/// folding), the way `search_grams` counts them; `%`, `_` and `\` match themselves.
/// Others go through the trigram index `users_search` (`IndexedText`).
func userSearchCondition(_ text: String, list: ShortSearch.List, mode: UserSearchMode, in db: Connection) throws -> (sql: String, arguments: [any SQLBindable]) {
    let columns = list.searchedColumns
    switch mode {
    case .like:
        return likeCondition(text, columns: columns)
    case .likeThroughIndex:
        return IndexedText(likeOf: text, list: list).condition
    case .index:
        return try IndexedText(text, list: list, in: db).condition
    }
}

/// A search of `.index` mode: the query for its candidates, the index it reads, and the
/// test that confirms each candidate (nil when the query is the whole text, exact by itself).
///
/// The trigram index answers a phrase by walking the list of every trigram in it, and a
/// list as common as `gen` (in every generated username) costs more than the rest of the
/// request. So when four characters of an ASCII text are rare, only they are looked up,
/// and each row found is confirmed (`containsCondition`). Four letters or digits are
/// looked up in the list's four-character index (`SearchFours`), whose list for them is
/// their users alone, where the trigram index reads both trigrams' lists. The rows are
/// exactly those of the whole phrase; only the work differs.
struct IndexedText {
    let query: String
    let confirmation: (sql: String, arguments: [any SQLBindable])?
    /// The FTS5 table `query` reads: `users_search` (trigrams) or a `SearchFours.table`.
    let table: String

    /// "`id` is a candidate", for a WHERE clause (the index's rows are read once, up front).
    var candidates: String { "id IN (SELECT rowid FROM \(table) WHERE \(table) MATCH ?)" }

    /// The candidates joined to their users, as a FROM clause that yields them in the
    /// index's own order (by id), one at a time: `ORDER BY matched.found` costs no sort, and
    /// a LIMIT stops the index as soon as the page is full.
    var joined: String { "(SELECT rowid AS found FROM \(table) WHERE \(table) MATCH ?) AS matched CROSS JOIN users ON users.id = matched.found" }

    /// `stopsAtPage`: for a statement that stops at its page (`IndexOrderedPage.ids`),
    /// which confirms few candidates however many there are, so the four characters are
    /// always looked up: a phrase of common trigrams costs the index milliseconds to
    /// start (`25471006` in the portal: 2.6 ms whole, 0.7 ms as `1006`).
    init(_ text: String, list: ShortSearch.List, stopsAtPage: Bool = false, in db: Connection) throws {
        self.init(text, list: list, weights: try TrigramWeights(of: text, list: list, in: db), stopsAtPage: stopsAtPage)
    }

    /// The same from counts already read (a count and a page of one request share them).
    init(_ text: String, list: ShortSearch.List, weights: TrigramWeights?, stopsAtPage: Bool) {
        let columns = list.searchedColumns
        if let weights, let fours = SearchFours.lookups(weights, stopsAtPage: stopsAtPage) {
            query = SearchFours.query(allOf: fours)
            table = SearchFours.table(list)
            confirmation = containsCondition(text, columns: columns)
            return
        }
        // A statement that reads every match looks up two fours when both are rare; one
        // that stops at its page confirms few candidates however many there are.
        let rare = weights?.rarestFours(ratio: stopsAtPage ? 0 : narrowingRatio.load(ordering: .relaxed), most: stopsAtPage ? 1 : 2) ?? []
        table = "users_search"
        guard !rare.isEmpty else {
            query = ftsQuery(text, columns: columns)
            confirmation = nil
            return
        }
        query = ftsQuery(allOf: rare, columns: columns)
        confirmation = containsCondition(text, columns: columns)
    }

    /// A text of 3 ASCII characters, which `search_grams` counts as LIKE matches: the
    /// index folds Unicode case, LIKE only ASCII, so what LIKE matches the index finds (an
    /// ASCII letter lowers alike in both), and LIKE keeps the exact rows.
    init(likeOf text: String, list: ShortSearch.List) {
        query = ftsQuery(text, columns: list.searchedColumns)
        confirmation = likeCondition(text, columns: list.searchedColumns)
        table = "users_search"
    }

    /// The search as one condition on `users`.
    var condition: (sql: String, arguments: [any SQLBindable]) {
        guard let confirmation else { return (candidates, [query]) }
        return ("\(candidates) AND \(confirmation.sql)", [query] + confirmation.arguments)
    }
}

/// `text` as a substring of one of `columns`, as LIKE folds case (ASCII only);
/// `%`, `_` and `\` match themselves.
private func likeCondition(_ text: String, columns: [String]) -> (sql: String, arguments: [any SQLBindable]) {
    let pattern = likeSubstringPattern(text)
    let like = "(" + columns.map { #"\#($0) LIKE ? ESCAPE '\'"# }.joined(separator: " OR ") + ")"
    return (like, columns.map { _ in pattern })
}

/// "`text` is in one of `columns`" tested on one row at a time: `instr(lower(column))`
/// when the row's columns are ASCII (where `lower` folds case as the index does), else
/// the index's own match of the whole text for that row (Unicode case folding: a Kelvin
/// sign `K` matches `k` there but not in `lower`). instr, not LIKE: chosen when a LIKE
/// with a bound pattern made SQLite prepare the statement again on every new pattern.
/// Stable plans (`Connection`) have ended that since, and LIKE was measured again on the
/// request path (session 21, 100,000 customers): no cheaper, rather dearer (`gen4242`
/// 292–304 µs of CPU a request with instr, 320–351 with LIKE).
///
/// A column is ASCII when its characters are as many as its bytes (`length` stops at a
/// NUL, so a NUL also takes the index's way, which is always right). A `GLOB` for a
/// character outside ASCII cost about 1.5 µs a candidate row over four columns, most of
/// a narrowed search's confirmations (`47101208` at 1,000,000 customers: 3.6 → 2.2 ms).
func containsCondition(_ text: String, columns: [String]) -> (sql: String, arguments: [any SQLBindable]) {
    let lowered = String(decoding: text.utf8.map(asciiLowercased), as: UTF8.self)
    let contains = columns.map { "instr(lower(\($0)), ?) > 0" }
    let notASCII = columns.map { "length(\($0)) <> length(CAST(\($0) AS BLOB))" }
    let matched = "EXISTS (SELECT 1 FROM users_search WHERE users_search MATCH ? AND rowid = users.id)"
    // CASE, not `contains OR (notPlain AND matched)`: SQLite ran the index's subquery for
    // every row of that form (2.8 ms for a walk of 100 rows, 0.2 ms as CASE).
    let sql = "(CASE WHEN \(contains.joined(separator: " OR ")) THEN 1 WHEN \(notASCII.joined(separator: " OR ")) THEN \(matched) ELSE 0 END)"
    return (sql, columns.map { _ in lowered } + [ftsQuery(text, columns: columns)])
}

/// The totals of short searches, kept by triggers in `search_grams`, and where their
/// pages start, from `search_blocks`.
enum SearchGramStore {
    enum BlockOrder { case ascending, descending }

    /// How a short search's (or a whole list's) page is read.
    struct Plan {
        let total: Int64
        /// Through the trigram index (a sparse text of 3 characters), not by a walk.
        let throughIndex: Bool
        /// The blocks holding the page's rows, read one after another, `skip` matches into
        /// the first; nil: one walk from the list's start, `offset` matches in.
        let placed: (blocks: [Int64], skip: Int64, condition: String)?

        /// The page's rows: `query(filter, limit, offset)` runs the page's statement for a
        /// filter (the page's, plus one block's rows when placed).
        func rows<T>(
            _ filter: SQLFilter, page: PageRequest, query: (SQLFilter, Int64, Int64) throws -> [T]
        ) throws -> [T] {
            guard let offset = page.offset, offset < total else { return [] }
            guard let placed else { return try query(filter, page.size, offset) }
            var rows: [T] = []
            for (index, block) in placed.blocks.enumerated() where rows.count < page.size {
                var inBlock = filter
                inBlock.add(placed.condition, block, block)
                rows += try query(inBlock, page.size - Int64(rows.count), index == 0 ? placed.skip : 0)
            }
            return rows
        }
    }

    /// How many users of the search's list and buckets contain its text.
    static func total(_ search: ShortSearch, in db: Connection) throws -> Int64 {
        try count(search.gram, search, in: db)
    }

    /// How many users the search's list and buckets hold.
    static func listSize(_ search: ShortSearch, in db: Connection) throws -> Int64 {
        try count("", search, in: db)
    }

    private static func count(_ gram: String, _ search: ShortSearch, in db: Connection) throws -> Int64 {
        try db.scalarInt(
            "SELECT COALESCE(SUM(count), 0) FROM search_grams WHERE list = ? AND gram = ? AND bucket IN (\(search.bucketList))",
            search.list.rawValue, gram
        ) ?? 0
    }

    /// The page's plan. `blocks`: the list's page order as its blocks run (the users API
    /// newest first: descending), or nil when the page is in another order (by username),
    /// which the blocks do not place. A sparse text of 3 characters whose walk would pass
    /// too many other rows goes through the trigram index instead.
    static func plan(_ search: ShortSearch, page: PageRequest, blocks: BlockOrder?, in db: Connection) throws -> Plan {
        let total = try total(search, in: db)
        guard let offset = page.offset, offset < total else { return Plan(total: total, throughIndex: false, placed: nil) }
        let found = try blocks.map { order in
            // A page past the middle reads the blocks from the list's other end.
            if offset > total / 2 {
                return try PageBlocks.fromTheEnd(offset: offset, size: page.size, total: total) { finder in
                    try read(search, descending: order == .ascending, into: &finder, in: db)
                }
            }
            var finder = PageBlocks(offset: offset, size: page.size)
            try read(search, descending: order == .descending, into: &finder, in: db)
            return finder
        }
        if search.length == 3 {
            let skip = found?.skip ?? offset
            if !ShortSearch.scanIsCheap(total: total, listSize: try listSize(search, in: db), offset: skip, size: page.size) {
                return Plan(total: total, throughIndex: true, placed: nil)
            }
        }
        guard let found, !found.blocks.isEmpty else { return Plan(total: total, throughIndex: false, placed: nil) }
        // Blocks are numbers made from the list's own key: `created_at` for the users API,
        // `id` for the portal (see search_gram_rows in schema.sql).
        let key = search.list == .users ? "created_at" : "id"
        let shift = "(SELECT value FROM counters WHERE name = 'search_block_shift_\(search.list.rawValue)')"
        return Plan(
            total: total, throughIndex: false,
            placed: (found.blocks, found.skip, "\(key) >= (? << \(shift)) AND \(key) < ((? + 1) << \(shift))")
        )
    }

    /// Gives the search's blocks to `finder` in the order asked, until it has the page's.
    private static func read(_ search: ShortSearch, descending: Bool, into finder: inout PageBlocks, in db: Connection) throws {
        try db.forEach(
            """
            SELECT block, count FROM search_blocks
            WHERE list = ? AND gram = ? AND bucket IN (\(search.bucketList)) AND count > 0
            ORDER BY block \(descending ? "DESC" : "ASC")
            """,
            arguments: [search.list.rawValue, search.gram]
        ) { row in
            finder.add(block: row.int64(0), count: row.int64(1))
        }
        finder.finish()
    }
}

/// An FTS5 query for `text` as one phrase in any of `columns`.
func ftsQuery(_ text: String, columns: [String]) -> String {
    "{\(columns.joined(separator: " "))}: " + ftsPhrase(text)
}

/// An FTS5 query for rows holding every one of `pieces`, each as a phrase in any of
/// `columns` (not necessarily the same one: the confirmation tests the whole text).
func ftsQuery(allOf pieces: [Substring], columns: [String]) -> String {
    guard pieces.count > 1 else { return ftsQuery(String(pieces[0]), columns: columns) }
    return "{\(columns.joined(separator: " "))}: (" + pieces.map(ftsPhrase).joined(separator: " AND ") + ")"
}

/// `text` as one FTS5 phrase: in double quotes, its own quotes doubled, so operators
/// and column names in it match themselves.
private func ftsPhrase(_ text: some StringProtocol) -> String {
    "\"" + text.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
}

extension TrigramWeights {
    /// The weights of `text` in `list`, read from `search_grams`.
    init?(of text: String, list: ShortSearch.List, in db: Connection) throws {
        // The empty gram: the list's size (`listSize`).
        guard let trigrams = Self.trigrams(of: text).map({ $0 + [""] }) else { return nil }
        var found: [String: Int64] = [:]
        try db.forEach(
            "SELECT gram, SUM(count) FROM search_grams WHERE list = ? AND gram IN (\(Array(repeating: "?", count: trigrams.count).joined(separator: ", "))) GROUP BY gram",
            arguments: [list.rawValue] + trigrams
        ) { row in
            found[row.string(0)] = row.int64(1)
            return true
        }
        self.init(text, counts: found)
    }
}

/// How many times as common as the two trigrams the commonest must be to narrow. Tests
/// set 0 to narrow every ASCII text of five characters or more; the rows found are the
/// same either way, so other tests running meanwhile only change speed.
let narrowingRatio = Atomic<Int64>(defaultNarrowingRatio)
let defaultNarrowingRatio = TrigramWeights.narrowingRatio
