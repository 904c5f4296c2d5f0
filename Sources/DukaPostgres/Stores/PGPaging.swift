import DukaCore

/// AND-ed SQL conditions with their bound values. A condition marks each parameter `$?`;
/// they are numbered `$1`, `$2`, ... in order when the statement is put together. Only
/// fixed SQL text written in the stores is spliced; every value is bound.
struct PGFilter {
    private(set) var conditions: [String] = []
    private(set) var arguments: [any PGArgument] = []

    mutating func add(_ condition: String, _ values: any PGArgument...) {
        conditions.append(condition)
        arguments.append(contentsOf: values)
    }

    mutating func add(_ condition: (sql: String, arguments: [any PGArgument])) {
        conditions.append(condition.sql)
        arguments.append(contentsOf: condition.arguments)
    }

    /// `WHERE a AND b` (or nothing), its `$?` numbered from 1.
    var whereClause: String {
        conditions.isEmpty ? "" : PGFilter.numbered("WHERE " + conditions.joined(separator: " AND "))
    }

    /// `$?` → `$1`, `$2`, ... from `first`.
    static func numbered(_ sql: String, from first: Int = 1) -> String {
        // Over UTF-8 bytes: this runs on every request, and Character-wise search was a
        // measurable share of a page's CPU time.
        var number = first
        var result: [UInt8] = []
        result.reserveCapacity(sql.utf8.count + 16)
        var previous: UInt8 = 0
        for byte in sql.utf8 {
            if previous == UInt8(ascii: "$"), byte == UInt8(ascii: "?") {
                result.append(contentsOf: String(number).utf8)
                number += 1
            } else {
                result.append(byte)
            }
            previous = byte
        }
        return String(decoding: result, as: UTF8.self)
    }
}

extension PGSession {
    /// One page of `table` matching `filter`, ordered by `orderBy`, each row given to `row`;
    /// counted first unless the total is known. A page past the end costs no second query.
    func page(
        from table: String, filter: PGFilter, knownTotal: Int64? = nil, page: PageRequest, columns: String, orderBy: String,
        row: (PGRow) throws -> Void
    ) async throws -> (total: Int64, request: PageRequest) {
        let total: Int64
        if let knownTotal { total = knownTotal } else { total = try await count(of: table, filter: filter) }
        guard let offset = page.offset, offset < total else { return (total, page) }
        let next = filter.arguments.count + 1
        // The first page's size is written into the text (see `PGAdmittedReads.userPage`).
        let limit = offset == 0 ? "LIMIT \(page.size)" : "LIMIT $\(next) OFFSET $\(next + 1)"
        for found in try await rows(
            "SELECT \(columns) FROM \(table) \(filter.whereClause) ORDER BY \(orderBy) \(limit)",
            offset == 0 ? filter.arguments : filter.arguments + [page.size, offset]
        ) {
            try row(found)
        }
        return (total, page)
    }

    /// The same page, decoded.
    func page<T: Sendable>(
        from table: String, filter: PGFilter, knownTotal: Int64? = nil, page request: PageRequest, columns: String, orderBy: String,
        decode: (PGRow) -> T
    ) async throws -> Page<T> {
        var items: [T] = []
        let result = try await page(
            from: table, filter: filter, knownTotal: knownTotal, page: request, columns: columns, orderBy: orderBy
        ) { items.append(decode($0)) }
        return Page(items: items, total: result.total, request: request)
    }

    func count(of table: String, filter: PGFilter) async throws -> Int64 {
        try await scalarInt("SELECT COUNT(*) FROM \(table) \(filter.whereClause)", filter.arguments) ?? 0
    }

    func scalarInt(_ sql: String, _ arguments: [any PGArgument]) async throws -> Int64? {
        let row = try await rows(sql, arguments).first
        return row.flatMap { $0.isNull(0) ? nil : $0.int64(0) }
    }
}

/// "`text` is a case-insensitive substring of one of `columns`", as the SQLite engine
/// answers it: texts `ShortSearch` counts (1 or 2 characters, or 3 ASCII ones), a LIKE
/// with ASCII folding (SQLite's LIKE, and `search_grams`' counts); others, a LIKE over
/// Unicode lower case (SQLite's trigram index folds Unicode) that the `users_search_*`
/// trigram indexes (pg_trgm) answer. `%`, `_` and `\` match themselves. `throughIndex` (a sparse text of 3 characters): the
/// Unicode-folded LIKE finds candidates through the indexes and the ASCII one keeps the
/// exact rows (what the ASCII LIKE matches, the Unicode one does).
enum PGSearch {
    /// `walked` (a dense kept text, whose page a walk in page order finds soon): the test
    /// is written so that no trigram index answers it (`|| ''`), else a generic plan,
    /// which cannot see the pattern, may read every match through the index and sort them.
    ///
    /// `narrowedTo` (a long text, not walked): four of its characters the trigram indexes
    /// look up, each candidate then tested for the whole text with no index (`narrowing`).
    ///
    /// `oncePlanned` (a test whose every match is read, through the indexes or by a scan,
    /// never a walk in page order): each pattern is folded in a subquery, which PostgreSQL
    /// evaluates once and cannot see while planning, so that its custom plans cost what
    /// its generic plan does and it keeps one plan instead of planning at every execution
    /// (0.3–0.7 ms of planning against about as much of execution). Only where the plan
    /// cannot turn into a walk, or where a walk is meant (`walked`, a common text): blind
    /// to the pattern, a plan with `ORDER BY … LIMIT` would walk a sparse text's whole list.
    static func condition(
        _ text: String, columns: [String], throughIndex: Bool = false, walked: Bool = false, narrowedTo: Substring? = nil,
        oncePlanned: Bool = false
    ) -> (sql: String, arguments: [any PGArgument]) {
        if let narrowedTo, !walked, !ShortSearch.counts(text) {
            let candidates = folded(String(narrowedTo), columns: columns, oncePlanned: oncePlanned)
            let whole = folded(text, columns: columns, indexed: false, oncePlanned: oncePlanned)
            return ("\(candidates.sql) AND \(whole.sql)", candidates.arguments + whole.arguments)
        }
        guard ShortSearch.counts(text) else { return folded(text, columns: columns, indexed: !walked, oncePlanned: oncePlanned) }
        let ascii = asciiFolded(text, columns: columns)
        guard throughIndex else { return ascii }
        let unicode = folded(text, columns: columns, oncePlanned: oncePlanned)
        return ("\(unicode.sql) AND \(ascii.sql)", unicode.arguments + ascii.arguments)
    }

    /// The four characters of a long ASCII text the trigram indexes should look up
    /// instead of the whole text, when the text holds a trigram at least eight times as
    /// common as those four's two (`TrigramWeights`, from `search_grams`): GIN reads the
    /// posting list of every trigram of a LIKE pattern, and `gen` is in every generated
    /// username (`gen4242` in the users API at 100,000 customers: 2.2 ms whole, 0.6 ms
    /// as `4242` with each candidate tested again). Nil otherwise.
    static func narrowing(_ text: String, list: ShortSearch.List, in db: PGSession) async throws -> Substring? {
        guard !ShortSearch.counts(text), let trigrams = TrigramWeights.trigrams(of: text) else { return nil }
        let marks = trigrams.indices.map { "$\($0 + 2)" }.joined(separator: ", ")
        let rows = try await db.rows(
            "SELECT gram, SUM(count)::bigint FROM search_grams WHERE list = $1 AND gram IN (\(marks)) GROUP BY gram",
            [list.rawValue] + trigrams
        )
        return narrowing(text, counts: Dictionary(rows.map { ($0.string(0), $0.int64(1)) }, uniquingKeysWith: +))
    }

    /// The same, from the text's trigrams' counts.
    static func narrowing(_ text: String, counts: [String: Int64]) -> Substring? {
        guard !ShortSearch.counts(text) else { return nil }
        return TrigramWeights(text, counts: counts)?.rarestFour(ratio: TrigramWeights.narrowingRatio)
    }

    /// The text in Unicode's lower case, as a substring of a column's folded copy
    /// (`folded_*`, generated by PostgreSQL: see migration 10), which the `users_search_*`
    /// trigram indexes hold. `indexed: false` hides the test from them (`|| ''`).
    private static func folded(
        _ text: String, columns: [String], indexed: Bool = true, oncePlanned: Bool
    ) -> (sql: String, arguments: [any PGArgument]) {
        let unindexed = indexed ? "" : " || ''"
        let pattern = once(#"lower($? COLLATE "und-x-icu") COLLATE "C""#, oncePlanned)
        return tests(text, columns.map { "folded_\($0)\(unindexed) LIKE \(pattern)" }, oncePlanned: oncePlanned)
    }

    /// The text with ASCII folding on both sides (SQLite's LIKE), the pattern always folded
    /// once: no index answers these tests, so the pattern cannot change the plan, and a
    /// generic plan (which these statements get) folded it again for every row tested
    /// (a walk of 8,191 rows in `psql`: 8.2 ms, against 6.6 ms with the pattern folded once).
    private static func asciiFolded(_ text: String, columns: [String]) -> (sql: String, arguments: [any PGArgument]) {
        let pattern = once(#"lower($? COLLATE "C")"#, true)
        return tests(text, columns.map { #"lower(\#($0) COLLATE "C") LIKE \#(pattern)"# }, oncePlanned: true)
    }

    /// `pattern`, in a subquery when `oncePlanned`.
    private static func once(_ pattern: String, _ oncePlanned: Bool) -> String {
        oncePlanned ? "(SELECT \(pattern))" : pattern
    }

    /// `tests` OR-ed, each with the text as its substring pattern (`%`, `_` and `\` escaped;
    /// `\` is LIKE's escape character unless told otherwise, which a pattern in a subquery
    /// is not, so that nothing is left to compute for each row).
    private static func tests(_ text: String, _ tests: [String], oncePlanned: Bool) -> (sql: String, arguments: [any PGArgument]) {
        let pattern = likeSubstringPattern(text)
        let escape = oncePlanned ? "" : #" ESCAPE '\'"#
        return ("(" + tests.map { "\($0)\(escape)" }.joined(separator: " OR ") + ")", tests.map { _ in pattern })
    }
}

/// The totals of short searches, kept by a trigger in `search_grams` (as on SQLite).
enum PGSearchGrams {
    /// The statement that answers the short search's total.
    static func totalSQL(_ search: ShortSearch) -> (sql: String, arguments: [any PGArgument]) {
        ("SELECT COALESCE(SUM(count), 0)::bigint FROM search_grams WHERE list = $? AND gram = $? AND bucket IN (\(search.bucketList))",
         [search.list.rawValue, search.gram])
    }

    /// Whether the short search's page is better found through the trigram indexes than
    /// by walking the list (only a sparse text of 3 characters can be). A statement of
    /// its own, before the page's: it decides the plan; the page's statement reads the
    /// total again in its own snapshot. A page `placed` by its blocks walks the rows of the
    /// blocks holding its matches (counted by the '' gram), the last until the page is
    /// full: matches that cluster leave whole blocks without one (`071` on the portal at 100,000 customers:
    /// 1,260 matches, but its first page walked 7,084 rows of 4 blocks, 9.5 ms, where
    /// reading every match through the indexes took 1.7 ms). The walk is kept while it
    /// reads at most two rows per match, as on SQLite: with one, the users API's `38@`
    /// (980 matches) went through the indexes and took twice as long.
    static func throughIndex(_ search: ShortSearch, page: PageRequest, placed: PGPageStart?, in db: PGSession) async throws -> Bool {
        guard search.length == 3, let offset = page.offset else { return false }
        let buckets = "bucket IN (\(search.bucketList))"
        var walkedSQL = "NULL::bigint"
        var arguments: [any PGArgument] = [search.list.rawValue, search.gram]
        if let placed {
            let order = placed.descending ? "DESC" : "ASC"
            // Each needed block's rows, the last one's in the share of its matches the
            // page needs (the walk stops there).
            walkedSQL = """
                (SELECT COALESCE(SUM(e.rows * LEAST(c.n, $3 + $4 - c.before) / c.n), 0)::bigint FROM (
                    SELECT block, n, (SUM(n) OVER (ORDER BY block \(order)) - n)::bigint AS before FROM (
                        SELECT block, SUM(count)::bigint AS n FROM search_blocks
                        WHERE list = $1 AND gram = $2 AND \(buckets) AND count > 0
                        GROUP BY block ORDER BY block \(order) \(offset == 0 ? "LIMIT \(page.size)" : "")
                    ) AS g
                ) AS c CROSS JOIN LATERAL (
                    SELECT SUM(count)::bigint AS rows FROM search_blocks WHERE list = $1 AND gram = '' AND block = c.block
                ) AS e
                WHERE c.before + c.n > $3 AND c.before < $3 + $4)
                """
            arguments += [offset, page.size]
        }
        let row = try await db.rows(
            """
            SELECT COALESCE(SUM(count) FILTER (WHERE gram = $2), 0)::bigint, COALESCE(SUM(count) FILTER (WHERE gram = ''), 0)::bigint,
                   \(walkedSQL)
            FROM search_grams WHERE list = $1 AND gram IN ($2, '') AND \(buckets)
            """,
            arguments
        ).first
        let total = row?.int64(0) ?? 0, size = row?.int64(1) ?? 0
        guard offset < total else { return false }
        if let row, !row.isNull(2) { return !ShortSearch.scanIsCheap(walked: row.int64(2), total: total) }
        return !ShortSearch.scanIsCheap(total: total, listSize: size, offset: offset, size: page.size)
    }
}
