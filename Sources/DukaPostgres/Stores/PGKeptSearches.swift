import DukaCore

/// The kept totals of long searches that many users match (`search_texts`,
/// `search_text_counts` and their trigger in schema.postgres.sql), and their adoption.
/// The trigger tests each user as a search does (LIKE over Unicode lower case), so a
/// kept total is exactly a count.
enum PGKeptSearches {
    /// Whether the search's text is kept and counted (its kept total, how many users the
    /// filter's buckets hold, to choose between a walk and the trigram indexes, and
    /// whether its matches are listed in `search_text_members`), or else, for a text not
    /// kept, the four of it the trigram indexes should look up (`PGSearch.narrowing`), or
    /// whether all its trigrams are common (`TrigramWeights.allCommon`: its rows are then
    /// counted by a scan and its page walked): one round trip for both, where a text not
    /// kept took two.
    static func stateOrNarrowing(
        _ search: KeptSearch, text: String, in db: PGSession
    ) async throws -> (state: State?, narrowed: Substring?, common: Bool) {
        let trigrams = TrigramWeights.trigrams(of: text) ?? []
        let marks = trigrams.indices.map { "$\($0 + 3)" }.joined(separator: ", ")
        let weights = trigrams.isEmpty ? "" : """
            UNION ALL
            SELECT gram, NULL, SUM(count)::bigint, 0 FROM search_grams
            WHERE list = $1 AND gram IN ('', \(marks)) AND NOT EXISTS (SELECT 1 FROM search_texts WHERE list = $1 AND text = $2 AND ready)
            GROUP BY gram
            """
        let rows = try await db.rows(
            """
            SELECT NULL, (SELECT listed FROM search_texts WHERE list = $1 AND text = $2 AND ready),
                COALESCE((SELECT SUM(count) FROM search_text_counts WHERE list = $1 AND text = $2 AND bucket IN (\(search.bucketList))), 0)::bigint,
                COALESCE((SELECT SUM(count) FROM search_grams WHERE list = $1 AND gram = '' AND bucket IN (\(search.bucketList))), 0)::bigint
            \(weights)
            """,
            [search.list.rawValue, search.text] + trigrams
        )
        let first = rows.first { $0.isNull(0) }
        if let first, !first.isNull(1) {
            return (State(total: first.int64(2), listSize: first.int64(3), listed: first.bool(1)), nil, false)
        }
        let counts = Dictionary(rows.filter { !$0.isNull(0) }.map { ($0.string(0), $0.int64(2)) }, uniquingKeysWith: +)
        // Common in the whole list (the trigrams are counted in every bucket, and the scan
        // reads every user): a filter of few users (a role, the deleted) is no reason to scan.
        let trigramWeights = TrigramWeights(text, counts: counts)
        let common = trigramWeights.map { $0.allCommon(listSize: $0.listSize ?? 0) } ?? false
        return (nil, common ? nil : PGSearch.narrowing(text, counts: counts), common)
    }

    struct State {
        let total: Int64
        let listSize: Int64
        let listed: Bool
    }

    /// A listed text's page read from its members (see `PGAdmittedReads.userPage`), when
    /// the list's order is the members' (`sort_key`: created_at on the users API, id on
    /// the portal, then id).
    struct Members {
        let search: KeptSearch
        let descending: Bool
    }

    /// Whether the page is found by walking the list (few rows read before it) rather
    /// than through the trigram indexes.
    static func walks(_ state: State, page: PageRequest) -> Bool {
        guard let offset = page.offset, offset < state.total else { return true }
        return KeptSearch.walks(total: state.total, listSize: state.listSize, offset: offset, size: page.size, rowsPerMatch: KeptSearch.postgresRowsPerMatch)
    }

    /// A dense kept text's walk (see `PGAdmittedReads.userPage`): `base` the list's filter
    /// without the search, `condition` the search as no trigram index answers it.
    struct Walk {
        let base: PGFilter
        let condition: (sql: String, arguments: [any PGArgument])
        let budget: Int64
        /// Matches the walk must find to hold the page: up to its end, or all of them.
        let needed: Int64

        init(base: PGFilter, condition: (sql: String, arguments: [any PGArgument]), state: State, page: PageRequest) {
            let offset = page.offset ?? state.total
            self.base = base
            self.condition = condition
            budget = KeptSearch.walkBudget(
                expected: KeptSearch.expectedWalk(total: state.total, listSize: state.listSize, offset: offset, size: page.size)
            )
            needed = min(offset + page.size, state.total)
        }
    }

    /// The statement answering the search's total inside a page's statement: the kept
    /// total, or a count of `filter` should the text have stopped being kept meanwhile.
    static func totalSQL(_ search: KeptSearch, filter: PGFilter) -> (sql: String, arguments: [any PGArgument]) {
        (
            """
            SELECT CASE WHEN EXISTS (SELECT 1 FROM search_texts WHERE list = $? AND text = $? AND ready)
                THEN (\(countedSQL(search)))
                ELSE (SELECT COUNT(*) FROM users \(filter.unnumberedWhereClause)) END
            """,
            [search.list.rawValue, search.text, search.list.rawValue, search.text] + filter.arguments
        )
    }

    /// The kept text's total from its counts (arguments: list, text), for a text known ready.
    static func countedSQL(_ search: KeptSearch) -> String {
        "SELECT COALESCE(SUM(count), 0)::bigint FROM search_text_counts WHERE list = $? AND text = $? AND bucket IN (\(search.bucketList))"
    }

    /// Starts keeping `key`'s text, found in `total` users. Added first (the trigger
    /// counts changes from then on); then every transaction that began before is waited
    /// out, since one may have changed a user without seeing the text; then one statement
    /// counts the users in its snapshot and adds that count less the changes its snapshot
    /// already saw counted. ON CONFLICT adds to the newest count, which holds the changes
    /// committed since. When the list keeps `capacity` texts, the least common makes room
    /// if it is less common than this one.
    static func adopt(_ key: KeptSearch.Key, total: Int64, now: Int64 = Timestamp.now(), storage: PostgresStorage) async throws {
        let list = key.list.rawValue, text = key.text
        // Its matches listed in page order too (the triggers add changed users from now on).
        let listed = total <= KeptSearch.listedUpTo
        let added: Bool = try await storage.write { db in
            // An adoption that stopped half-way (a crash) is dropped after ten minutes.
            for table in ["search_text_counts", "search_text_members"] {
                try await db.execute(
                    "DELETE FROM \(table) WHERE (list, text) IN (SELECT list, text FROM search_texts WHERE NOT ready AND since < $1)", now - 600
                )
            }
            try await db.execute("DELETE FROM search_texts WHERE NOT ready AND since < $1", now - 600)
            // One adopter at a time per list, across instances.
            try await db.execute("SELECT pg_advisory_xact_lock($1)", key.list == .users ? usersLockKey : customersLockKey)
            if try await db.scalarInt("SELECT 1 FROM search_texts WHERE list = $1 AND text = $2", list, text) != nil { return false }
            let held = try await db.scalarInt("SELECT COUNT(*) FROM search_texts WHERE list = $1", list) ?? 0
            if held >= KeptSearch.capacity {
                let least = try await db.first(
                    """
                    SELECT t.text, COALESCE(SUM(c.count), 0)::bigint AS kept FROM search_texts AS t
                    LEFT JOIN search_text_counts AS c ON c.list = t.list AND c.text = t.text
                    WHERE t.list = $1 AND t.ready GROUP BY t.text ORDER BY kept, t.text LIMIT 1
                    """,
                    list
                )
                guard let least, least.int64(1) < total else { return false }
                for table in ["search_text_counts", "search_text_members", "search_texts"] {
                    try await db.execute("DELETE FROM \(table) WHERE list = $1 AND text = $2", list, least.string(0))
                }
            }
            try await db.execute(
                "INSERT INTO search_texts (list, text, ready, since, listed) VALUES ($1, $2, FALSE, $3, $4)", list, text, now, listed
            )
            return true
        }
        guard added else { return }
        let addedAt = try await storage.single { db in
            try await db.scalarInt("SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint")
        } ?? 0
        // Transactions that began before the text was added (bounded: the server ends an
        // idle one after a minute, and Duka's statements after 15 seconds).
        let deadline = ContinuousClock.now + .seconds(120)
        while try await storage.single({ db in
            try await db.scalarInt(
                """
                SELECT COUNT(*) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start < to_timestamp($1::double precision / 1000000)
                """,
                addedAt
            )
        }) ?? 0 > 0 {
            guard ContinuousClock.now < deadline else { throw StorageError(.busy, message: "kept search: older transactions did not end") }
            try await Task.sleep(for: .milliseconds(20))
        }
        let columns = key.list.searchedColumns.map { #"folded_\#($0) LIKE duka_like_substring($2) ESCAPE '\'"# }
        let listCondition = key.list == .customers ? "role = 'customer' AND " : ""
        try await storage.write { db in
            // Members a writer may have left while the text was being dropped (an
            // eviction does not lock users): a text that will not be listed holds none.
            if !listed { try await db.execute("DELETE FROM search_text_members WHERE list = $1 AND text = $2", list, text) }
            if listed {
                // The members listed afresh in a snapshot no change can follow: writers of
                // users wait until this transaction ends, so no change commits after the
                // snapshot whose trigger would miss a member not yet inserted (a deleted
                // user's would stay). What the triggers listed meanwhile is listed again,
                // and so is anything a writer left for this text while it was not kept.
                try await db.execute("LOCK TABLE users IN SHARE MODE")
                try await db.execute("DELETE FROM search_text_members WHERE list = $1 AND text = $2", list, text)
                try await db.execute(
                    """
                    INSERT INTO search_text_members (list, text, sort_key, id, bucket)
                    SELECT $1, $2, \(key.list == .users ? "created_at" : "id"), id, \(DatabaseCheck.bucket)
                    FROM users WHERE \(listCondition)(\(columns.joined(separator: " OR ")))
                    """,
                    list, text
                )
            }
            try await db.execute(
                """
                WITH found AS (
                    SELECT \(DatabaseCheck.bucket) AS bucket, COUNT(*) AS n
                    FROM users WHERE \(listCondition)(\(columns.joined(separator: " OR ")))
                    GROUP BY 1
                ), counted AS (
                    SELECT bucket, count AS n FROM search_text_counts WHERE list = $1 AND text = $2
                ), missing AS (
                    SELECT bucket, COALESCE(f.n, 0) - COALESCE(c.n, 0) AS n FROM found AS f FULL JOIN counted AS c USING (bucket)
                ), added AS (
                    INSERT INTO search_text_counts (list, text, bucket, count)
                    SELECT $1, $2, bucket, n FROM missing WHERE n <> 0 ORDER BY bucket
                    ON CONFLICT (list, text, bucket) DO UPDATE SET count = search_text_counts.count + excluded.count
                )
                UPDATE search_texts SET ready = TRUE WHERE list = $1 AND text = $2
                """,
                list, text
            )
        }
    }

    /// A sample of `list`'s users to seed its kept texts from (`KeptSearchSeeds`), or
    /// nil when it keeps texts already or holds fewer than `from` users.
    static func sample(_ list: ShortSearch.List, size: Int, from: Int64, in db: PGSession) async throws -> KeptSearchSeeds.Sample? {
        guard try await db.scalarInt("SELECT 1 FROM search_texts WHERE list = $1 LIMIT 1", list.rawValue) == nil else { return nil }
        let listSize = try await db.scalarInt(
            "SELECT COALESCE(SUM(count), 0)::bigint FROM search_grams WHERE list = $1 AND gram = ''", list.rawValue
        ) ?? 0
        guard listSize >= from, listSize > 0 else { return nil }
        let columns = list.searchedColumns
        let rows = try await db.rows(
            """
            SELECT \(columns.joined(separator: ", ")) FROM users
            WHERE id IN (SELECT (floor(random() * (SELECT MAX(id) FROM users)) + 1)::bigint FROM generate_series(1, $1))
                \(list == .customers ? "AND role = 'customer'" : "")
            """,
            Int64(size)
        )
        return KeptSearchSeeds.Sample(rows: rows.map { row in columns.indices.map { row.optionalString($0) } }, listSize: listSize)
    }

    /// The trigger's test, done again for `duka check` (see `DatabaseCheck.checkedTexts`).
    static let recount = """
        WITH \(DatabaseCheck.checkedTexts)
        SELECT g.list || ':' || g.text, g.bucket, SUM(g.sign)::bigint FROM users AS u CROSS JOIN LATERAL duka_search_text_rows(u, 1) AS g
        JOIN checked AS t ON t.list = g.list AND t.text = g.text
        GROUP BY 1, 2
        """

    /// "duka.kept.u" and "duka.kept.c" as advisory lock keys.
    static let usersLockKey: Int64 = 0x6475_6B61_0101
    static let customersLockKey: Int64 = 0x6475_6B61_0102
}
