/// `duka check`: what a healthy Duka database holds, asked in SQL both engines read. An
/// engine answers the queries (`DatabaseCheck.Queries`) and adds its own file-level
/// checks (SQLite's integrity and foreign keys); the report says what was checked and
/// what is wrong.
public enum DatabaseCheck {
    public struct Finding: Sendable, Equatable {
        public let check: String
        /// Nil when the check passed; else what is wrong, in words.
        public let problem: String?

        public init(_ check: String, problem: String? = nil) {
            self.check = check
            self.problem = problem
        }

        public var passed: Bool { problem == nil }
    }

    /// What the checks ask of an engine.
    public struct Queries: Sendable {
        /// The integer of a one-row, one-column query.
        public let scalar: @Sendable (String) async throws -> Int64
        /// Rows of (text, integer, integer).
        public let triples: @Sendable (String) async throws -> [(String, Int64, Int64)]
        /// The engine's count from scratch of the kept texts in `checkedTexts`, as rows of
        /// ("list:text", bucket, count): its triggers' own test, in SQL. Nil before
        /// migration 5.
        public let keptSearchRecount: String?
        /// Whether listed texts' members are kept (`search_text_members`, PostgreSQL's
        /// migration 11) and checked against the recount.
        public let keptSearchMembers: Bool
        /// Whether each list's blocks are kept at several sizes (`list_blocks`, PostgreSQL's
        /// migration 12) and checked against their count from scratch.
        public let listBlocks: Bool
        /// The database's migration: checks of later tables are skipped on older ones.
        public let schemaVersion: Int64

        public init(
            scalar: @escaping @Sendable (String) async throws -> Int64,
            triples: @escaping @Sendable (String) async throws -> [(String, Int64, Int64)],
            keptSearchRecount: String? = nil,
            keptSearchMembers: Bool = false,
            listBlocks: Bool = false,
            schemaVersion: Int64 = 0
        ) {
            self.scalar = scalar
            self.triples = triples
            self.keptSearchRecount = keptSearchRecount
            self.keptSearchMembers = keptSearchMembers
            self.listBlocks = listBlocks
            self.schemaVersion = schemaVersion
        }
    }

    /// The trigger-kept counters and the counts they stand for.
    static let counters: [(name: String, sql: String)] = [
        ("customers_all", "SELECT COUNT(*) FROM users WHERE role = 'customer'"),
        ("customers_live", "SELECT COUNT(*) FROM users WHERE role = 'customer' AND deleted_at IS NULL"),
        ("products", "SELECT COUNT(*) FROM products"),
        ("carts", "SELECT COUNT(*) FROM carts"),
    ]

    /// Rows that point at nothing, and broken rules; each query counts offenders.
    static let orphans: [(check: String, sql: String)] = [
        ("cart lines whose cart is gone", "SELECT COUNT(*) FROM cart_items AS i LEFT JOIN carts AS c ON c.id = i.cart_id WHERE c.id IS NULL"),
        ("cart lines whose product is gone", "SELECT COUNT(*) FROM cart_items AS i LEFT JOIN products AS p ON p.id = i.product_id WHERE p.id IS NULL"),
        ("carts whose customer is gone", "SELECT COUNT(*) FROM carts AS c LEFT JOIN users AS u ON u.id = c.user_id WHERE u.id IS NULL"),
        ("customers with more than one active cart",
         "SELECT COUNT(*) FROM (SELECT user_id FROM carts WHERE status = 'active' GROUP BY user_id HAVING COUNT(*) > 1) AS extra"),
    ]

    /// Selling and stock (migrations 6 and 7): numbers issued equal the documents that carry
    /// them, and every level is the sum of its movements. Each query counts offenders.
    static let ledgers: [(check: String, sql: String, since: Int64)] = [
        ("branches whose receipt count differs from their last receipt number", """
            SELECT COUNT(*) FROM branches AS b
            WHERE b.last_receipt <> (SELECT COUNT(*) FROM carts AS c WHERE c.branch_id = b.id AND c.receipt_number IS NOT NULL)
            """, 6),
        ("branches whose credit-note count differs from their last credit note number", """
            SELECT COUNT(*) FROM branches AS b WHERE b.last_credit_note <> (SELECT COUNT(*) FROM refunds AS r WHERE r.branch_id = b.id)
            """, 6),
        ("stock levels that differ from the sum of their movements", """
            SELECT COUNT(*) FROM stock_levels AS l
            WHERE l.quantity_milli <> (SELECT COALESCE(SUM(m.quantity_milli), 0) FROM stock_movements AS m
                                       WHERE m.product_id = l.product_id AND m.branch_id = l.branch_id)
            """, 7),
        ("stock movements without a level", """
            SELECT COUNT(*) FROM stock_movements AS m
            WHERE NOT EXISTS (SELECT 1 FROM stock_levels AS l WHERE l.product_id = m.product_id AND l.branch_id = m.branch_id)
            """, 7),
    ]

    /// A user's bucket in `search_grams` (see schema.sql), in SQL both engines read.
    public static let bucket = """
        (CASE role WHEN 'admin' THEN 0 WHEN 'manager' THEN 1 WHEN 'cashier' THEN 2 WHEN 'employee' THEN 3 ELSE 4 END) * 4
            + (CASE WHEN deleted_at IS NULL THEN 0 ELSE 2 END) + (CASE WHEN is_active THEN 1 ELSE 0 END)
        """

    /// The schema version's finding, and whether the contents can be checked: a database
    /// older than migration 4 (the short-search counts and blocks) is migrated by the next start,
    /// not by a check.
    public static func version(_ version: Int64, latest: Int64) -> (findings: [Finding], checkContents: Bool) {
        var findings = [Finding(
            "schema version \(version) of \(latest)", problem: version == 0 ? "not a Duka database (no migrations applied)" : nil
        )]
        if version > 0 && version < 4 { findings.append(Finding("contents", problem: "not checked: run duka migrate first")) }
        return (findings, version >= 4)
    }

    /// The checks of `queries` in order: counters, orphans, the short-search totals.
    public static func run(_ queries: Queries) async throws -> [Finding] {
        var findings: [Finding] = []
        for counter in counters {
            let kept = try await queries.scalar("SELECT value FROM counters WHERE name = '\(counter.name)'")
            let real = try await queries.scalar(counter.sql)
            findings.append(Finding(
                "counter \(counter.name)", problem: kept == real ? nil : "holds \(kept), but there are \(real)"
            ))
        }
        for orphan in orphans {
            let found = try await queries.scalar(orphan.sql)
            findings.append(Finding(orphan.check, problem: found == 0 ? nil : "\(found) found"))
        }
        for ledger in ledgers where queries.schemaVersion >= ledger.since {
            let found = try await queries.scalar(ledger.sql)
            findings.append(Finding(ledger.check, problem: found == 0 ? nil : "\(found) found"))
        }
        let paused = try await queries.scalar("SELECT value FROM counters WHERE name = 'search_grams_paused'")
        if paused != 0 {
            findings.append(Finding(
                "short-search counts", problem: "paused by a bulk load that did not finish: the next duka serve recounts them"
            ))
            return findings
        }
        let kept = try await queries.triples("SELECT list, bucket, count FROM search_grams WHERE gram = '' AND count <> 0")
        let real = try await queries.triples("""
            SELECT 'u', \(bucket), COUNT(*) FROM users GROUP BY 2
            UNION ALL
            SELECT 'c', \(bucket), COUNT(*) FROM users WHERE role = 'customer' GROUP BY 2
            """)
        func keyed(_ rows: [(String, Int64, Int64)]) -> [String: Int64] {
            Dictionary(rows.map { ("\($0.0) bucket \($0.1)", $0.2) }, uniquingKeysWith: +)
        }
        let (keptByKey, realByKey) = (keyed(kept), keyed(real))
        let wrong = Set(keptByKey.keys).union(realByKey.keys).sorted().filter { keptByKey[$0] != realByKey[$0] }
        findings.append(Finding(
            "short-search totals",
            problem: wrong.isEmpty ? nil : wrong.prefix(5).map { "\($0): holds \(keptByKey[$0] ?? 0), but there are \(realByKey[$0] ?? 0)" }
                .joined(separator: "; ")
        ))
        // The blocks that place pages hold every user of each list once.
        let placed = keyed(try await queries.triples("SELECT list, bucket, CAST(SUM(count) AS BIGINT) FROM search_blocks WHERE gram = '' GROUP BY list, bucket"))
        let misplaced = Set(placed.keys).union(realByKey.keys).sorted().filter { (placed[$0] ?? 0) != (realByKey[$0] ?? 0) }
        findings.append(Finding(
            "short-search blocks",
            problem: misplaced.isEmpty ? nil : misplaced.prefix(5).map { "\($0): holds \(placed[$0] ?? 0), but there are \(realByKey[$0] ?? 0)" }
                .joined(separator: "; ")
        ))
        if queries.listBlocks {
            // Every level's blocks hold each user of their list once (deep pages go down them).
            let levels = "SELECT list || ' level ' || level || ' block ' || block || ' under ' || parent, bucket, count FROM"
            let kept = keyed(try await queries.triples("\(levels) list_blocks WHERE count <> 0"))
            let recounted = keyed(try await queries.triples("\(levels) duka_list_block_counts()"))
            let wrong = Set(kept.keys).union(recounted.keys).sorted().filter { kept[$0] != recounted[$0] }
            findings.append(Finding(
                "list blocks",
                problem: wrong.isEmpty ? nil : wrong.prefix(5).map { "\($0): holds \(kept[$0] ?? 0), but there are \(recounted[$0] ?? 0)" }
                    .joined(separator: "; ")
            ))
        }
        if let recount = queries.keptSearchRecount {
            // The kept totals of long searches equal their triggers' test done again.
            let keptTexts = keyed(try await queries.triples("""
                WITH \(checkedTexts)
                SELECT c.list || ':' || c.text, c.bucket, c.count FROM search_text_counts AS c
                JOIN checked AS t ON t.list = c.list AND t.text = c.text WHERE c.count <> 0
                """))
            let recountedRows = try await queries.triples(recount)
            let recounted = keyed(recountedRows)
            let drifted = Set(keptTexts.keys).union(recounted.keys).sorted().filter { keptTexts[$0] != recounted[$0] }
            findings.append(Finding(
                "kept search totals",
                problem: drifted.isEmpty ? nil : drifted.prefix(5).map { "\($0): holds \(keptTexts[$0] ?? 0), but there are \(recounted[$0] ?? 0)" }
                    .joined(separator: "; ")
            ))
            if queries.keptSearchMembers {
                // A listed text's members are its matches: as many in each bucket as the
                // count from scratch finds, each with its own user's place in the list.
                let listed = Set(try await queries.triples("""
                    WITH \(checkedTexts)
                    SELECT t.list || ':' || t.text, 0, 0 FROM search_texts AS t JOIN checked AS c ON c.list = t.list AND c.text = t.text
                    WHERE t.listed
                    """).map(\.0))
                let members = keyed(try await queries.triples("""
                    WITH \(checkedTexts)
                    SELECT m.list || ':' || m.text, m.bucket, COUNT(*) FROM search_text_members AS m
                    JOIN checked AS c ON c.list = m.list AND c.text = m.text
                    JOIN users AS u ON u.id = m.id AND m.sort_key = CASE m.list WHEN 'u' THEN u.created_at ELSE u.id END
                    GROUP BY 1, 2
                    """))
                let expected = keyed(recountedRows.filter { listed.contains($0.0) })
                let astray = try await queries.scalar("SELECT COUNT(*) FROM search_text_members AS m WHERE NOT EXISTS (SELECT 1 FROM users AS u WHERE u.id = m.id)")
                let wrong = Set(members.keys).union(expected.keys).sorted().filter { members[$0] != expected[$0] }
                var problems = wrong.prefix(5).map { "\($0): lists \(members[$0] ?? 0), but there are \(expected[$0] ?? 0)" }
                if astray > 0 { problems.append("\(astray) members of users that no longer exist") }
                findings.append(Finding("kept search members", problem: problems.isEmpty ? nil : problems.joined(separator: "; ")))
            }
        }
        return findings
    }

    /// The kept texts of long searches a check counts again (a CTE named `checked`): the
    /// first 16 in order, since each costs a test of every user (256 of them would take
    /// minutes at 1,000,000 customers).
    public static let checkedTexts = "checked AS (SELECT list, text FROM search_texts WHERE ready ORDER BY list, text LIMIT 16)"

    /// The report `duka check` prints: one line per check.
    public static func report(_ findings: [Finding]) -> String {
        findings.map { finding in
            finding.problem.map { "FAIL  \(finding.check): \($0)" } ?? "ok    \(finding.check)"
        }.joined(separator: "\n")
    }
}
