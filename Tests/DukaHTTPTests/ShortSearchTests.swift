import DukaCore
import Foundation
import HTTPTypes
import Logging
import SQLite
import Testing

@testable import DukaHTTP
@testable import DukaPostgres
@testable import DukaSQLite

/// Searches of 1 to 3 characters on both lists: their totals come from `search_grams`
/// (kept by triggers), their pages from a walk or the trigram index. Every total and
/// every order is checked against the users read back from the database and matched
/// here, after inserts, renames, soft deletes, deactivations, role changes and deletes.
@Suite struct ShortSearchTests {
    struct Person {
        let id: Int64
        let username, email: String
        let fullName, phone, idNumber: String?
        let role: String
        let deleted, active: Bool
        let createdAt: Int64

        /// LIKE's rule: ASCII letters in any case, other characters as they are.
        static func folded(_ text: String) -> String {
            String(String.UnicodeScalarView(text.unicodeScalars.map { (0x41...0x5A).contains($0.value) ? Unicode.Scalar($0.value + 0x20)! : $0 }))
        }

        func contains(_ text: String, in fields: [String?]) -> Bool {
            let needle = Self.folded(text)
            return fields.contains { $0.map { Self.folded($0).unicodeScalars.contains(needle.unicodeScalars) } ?? false }
        }
    }

    static func people(_ duka: TestDuka) async throws -> [Person] {
        try await duka.rows(
            """
            SELECT id, username, email, full_name, phone_number, id_number, role,
                   CASE WHEN deleted_at IS NULL THEN 0 ELSE 1 END, CASE WHEN is_active THEN 1 ELSE 0 END, created_at
            FROM users ORDER BY id
            """, []
        ).map { row in
            Person(
                id: row[0].int!, username: row[1].text!, email: row[2].text!, fullName: row[3].text, phone: row[4].text,
                idNumber: row[5].text, role: row[6].text!, deleted: row[7].int == 1, active: row[8].int == 1, createdAt: row[9].int!
            )
        }
    }

    /// Names with ASCII and other letters in both cases, LIKE's own characters, and
    /// fields of 1 to 3 characters.
    static let names = [
        "Wanjiru Kamau", "Otieno Ochieng", "Élodie Wanjirū", "ZOË ÖZİL", "100% Kamau_Stores", "Back\\slash O'Neil",
        "mIxEd CaSe", "İstanbul ßtraße", "Amina Hassan", "Kip", "Jo", "Q", "Njeri Mwangi", "ANA", "ana banana",
    ]

    static func addPeople(_ duka: TestDuka, count: Int) async throws {
        let roles = ["customer", "customer", "customer", "customer", "employee", "cashier", "manager"]
        for index in 0..<count {
            let name = names[index % names.count]
            let role = roles[index % roles.count]
            let username = ["gen\(index)", "Ka\(index)x", "zq_\(index)", "a.\(index)"][index % 4]
            try await duka.execute(
                """
                INSERT INTO users (uuid, username, email, password_hash, role, full_name, id_number, phone_number, created_at, updated_at)
                VALUES (?, ?, ?, 'x', ?, ?, ?, ?, ?, 1)
                """,
                .text(UUID().uuidString), .text(username), .text("\(username)@Example\(index % 3).co.ke"), .text(role), .text(name),
                index % 5 == 0 ? .null : .text(String(20_000_000 + index * 7)), .text("+2547\(10_000_000 + index * 13)"), .int(Int64(1_000 + index % 17))
            )
        }
    }

    /// Renames, soft deletes, deactivations, role changes, deletes and moved sign-up times, as SQL (the triggers
    /// see every change, whoever makes it).
    static func change(_ duka: TestDuka) async throws {
        try await duka.execute("UPDATE users SET full_name = 'Renamed Zq Person', email = 'RENAMED' || id || '@x.org' WHERE id % 11 = 3 AND role <> 'admin'")
        try await duka.execute("UPDATE users SET deleted_at = 5 WHERE id % 7 = 2 AND role <> 'admin'")
        try await duka.execute("UPDATE users SET is_active = ? WHERE id % 5 = 1 AND role <> 'admin'", .bool(false))
        try await duka.execute("UPDATE users SET role = 'customer' WHERE role = 'cashier' AND id % 2 = 0")
        try await duka.execute("UPDATE users SET role = 'employee' WHERE role = 'customer' AND id % 13 = 4")
        try await duka.execute("UPDATE users SET username = username || 'Q' WHERE id % 9 = 0 AND role <> 'admin'")
        try await duka.execute("DELETE FROM users WHERE id % 17 = 6 AND role <> 'admin'")
        // Sign-up times do not change through the API, but the blocks follow them anyway.
        try await duka.execute("UPDATE users SET created_at = created_at + 5 WHERE id % 8 = 5")
    }

    /// Every text of 1 to 3 characters in some of the rows, a few misses, and LIKE's own characters.
    static func texts(_ people: [Person]) -> [String] {
        var texts: Set<String> = ["%", "_", "\\", "'", "zz", "q", "Q", "xyz", "É", "é", "ß", "İ", "ZQ", "zq_", "ANA", "@", ".co", "+25", " "]
        for person in people.prefix(40) {
            for field in [person.username, person.email, person.fullName ?? ""] {
                let scalars = Array(field.unicodeScalars)
                for length in 1...3 where scalars.count >= length {
                    for start in stride(from: 0, through: scalars.count - length, by: 5) {
                        texts.insert(String(String.UnicodeScalarView(scalars[start..<start + length])))
                    }
                }
            }
        }
        // Texts the counts answer; a 3-character text with another letter goes through
        // the trigram index (Unicode case folding: `keepsUnicodeCaseFoldingForThreeLetters`).
        return texts.filter(ShortSearch.counts).sorted()
    }

    static func query(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    static func check(_ api: TestAPI, token: String, people: [Person]) async throws {
        let customers = people.filter { $0.role == "customer" }
        for text in texts(people) {
            // The employee portal: every filter, first page and a later one, by id.
            for (includeDeleted, isActive) in [(false, nil), (true, nil), (false, true), (true, false)] as [(Bool, Bool?)] {
                let expected = customers.filter { person in
                    (includeDeleted || !person.deleted) && (isActive.map { person.active == $0 } ?? true)
                        && person.contains(text, in: [person.fullName, person.email, person.phone, person.idNumber])
                }.map(\.email)
                for page in [1, 2, 5] {
                    var path = "/employee/customers?search=\(query(text))&per_page=7&page=\(page)&include_deleted=\(includeDeleted)"
                    if let isActive { path += "&is_active=\(isActive)" }
                    let response = try await api.request(.get, path, token: token)
                    #expect(response.status == .ok, "\(path): \(response.body)")
                    #expect(response.json["pagination"]?["total"]?.intValue == Int64(expected.count), "\(path): total")
                    let got = response.json["customers"]?.arrayValue?.compactMap { $0["email"]?.stringValue } ?? []
                    #expect(got == Array(expected.dropFirst((page - 1) * 7).prefix(7)), "\(path)")
                }
            }
            // The users API: roles, statuses and both sorts.
            for (role, status, sortBy, order) in [
                (nil, "active", "created_at", "desc"), ("customer", "all", "username", "asc"), ("employee", "deleted", "created_at", "asc"),
                (nil, "all", "username", "desc"),
            ] as [(String?, String, String, String)] {
                var matching = people.filter { person in
                    (role.map { person.role == $0 } ?? true) && (status == "all" || person.deleted == (status == "deleted"))
                        && person.contains(text, in: [person.username, person.email])
                }
                matching.sort { a, b in
                    let (x, y) = sortBy == "username"
                        ? (Person.folded(a.username) as Any, Person.folded(b.username) as Any) : (a.createdAt as Any, b.createdAt as Any)
                    let ascending: Bool
                    if let x = x as? String, let y = y as? String {
                        ascending = x != y ? Array(x.utf8).lexicographicallyPrecedes(Array(y.utf8)) : a.id < b.id
                    } else {
                        let (x, y) = (x as! Int64, y as! Int64)
                        ascending = x != y ? x < y : a.id < b.id
                    }
                    return order == "asc" ? ascending : !ascending
                }
                for page in [1, 3, 6] {
                    var path = "/api/v1/users?search=\(query(text))&limit=5&page=\(page)&status=\(status)&sort_by=\(sortBy)&sort_order=\(order)"
                    if let role { path += "&role=\(role)" }
                    let response = try await api.request(.get, path, token: token)
                    #expect(response.status == .ok, "\(path): \(response.body)")
                    #expect(response.data?["pagination"]?["total_data"]?.intValue == Int64(matching.count), "\(path): total")
                    let got = response.data?["users"]?.arrayValue?.compactMap { $0["username"]?.stringValue } ?? []
                    #expect(got == Array(matching.map { $0.username }.dropFirst((page - 1) * 5).prefix(5)), "\(path)")
                }
            }
        }
    }

    /// `élo`, `ÉLO` and `Élo` find `Élodie` alike, as before the counts: a 3-character
    /// text that is not all ASCII folds Unicode case; `é` and `É` (1 character) still
    /// match as LIKE does, each its own case.
    @Test(arguments: TestEngine.available) func keepsUnicodeCaseFoldingForThreeLetters(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.run { api in
            try await Self.addPeople(duka, count: 30)
            let token = try await api.token("admin", TestDuka.adminPassword)
            let elodies = try await Self.people(duka).filter { $0.role == "customer" && $0.fullName == "Élodie Wanjirū" }.count
            #expect(elodies > 0)
            for (text, expected) in [("élo", elodies), ("ÉLO", elodies), ("Élo", elodies), ("É", elodies), ("é", 0), ("ZOË", 0)] {
                let response = try await api.request(.get, "/employee/customers?search=\(Self.query(text))&per_page=100", token: token)
                #expect(response.status == .ok)
                let zoes = try await Self.people(duka).filter { $0.role == "customer" && $0.fullName == "ZOË ÖZİL" }.count
                let want = text == "ZOË" ? zoes : expected
                #expect(response.json["pagination"]?["total"]?.intValue == Int64(want), "\(text)")
            }
        }
    }

    /// Totals and orders against the rows, walking the lists from the block holding each
    /// page's first row (small blocks: 4 customer ids, one second of sign-ups) and, for
    /// texts of 3 characters, through the trigram index (a scan budget of 0) and, in the
    /// portal, from the index in id order or from the blocks, before and after a run of
    /// changes.
    @Test(arguments: TestEngine.available) func totalsAndOrdersMatchTheRows(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.run { api in
            try await duka.useSmallSearchBlocks()
            try await Self.addPeople(duka, count: 160)
            let token = try await api.token("admin", TestDuka.adminPassword)
            for budget: Int64 in [ShortSearch.scanBudget, 0] {
                try await ShortSearch.$scanBudgetOverride.withValue(budget) {
                    try await Self.check(api, token: token, people: try await Self.people(duka))
                }
            }
            // The portal's 3-character pages from their blocks, not from the index in id order.
            try await ShortSearch.$indexOrderedOffsetsOverride.withValue(0) {
                try await Self.check(api, token: token, people: try await Self.people(duka))
            }
            try await Self.change(duka)
            try await Self.check(api, token: token, people: try await Self.people(duka))
            // The kept counts equal a count from scratch: nothing drifted.
            let recount = engine == .sqlite
                ? "SELECT list, gram, bucket, COUNT(*) FROM search_gram_rows GROUP BY list, gram, bucket"
                : "SELECT g.list, g.gram, g.bucket, SUM(g.sign) FROM users AS u CROSS JOIN LATERAL duka_search_gram_rows(u, 1) AS g GROUP BY 1, 2, 3"
            let kept = "SELECT list, gram, bucket, count FROM search_grams WHERE count <> 0"
            #expect(try await duka.scalarInt("SELECT COUNT(*) FROM (\(kept) EXCEPT \(recount)) AS d") == 0)
            #expect(try await duka.scalarInt("SELECT COUNT(*) FROM (\(recount) EXCEPT \(kept)) AS d") == 0)
            #expect(try await duka.scalarInt("SELECT COUNT(*) FROM search_grams WHERE count < 0") == 0)
            let keptBlocks = "SELECT list, gram, block, bucket, count FROM search_blocks WHERE count <> 0"
            #expect(try await duka.scalarInt("SELECT COUNT(*) FROM (\(keptBlocks) EXCEPT \(duka.searchBlocksRecount)) AS d") == 0)
            #expect(try await duka.scalarInt("SELECT COUNT(*) FROM (\(duka.searchBlocksRecount) EXCEPT \(keptBlocks)) AS d") == 0)
            #expect(try await duka.scalarInt("SELECT COUNT(DISTINCT block) FROM search_blocks WHERE list = 'c'") ?? 0 > 20)
            #expect(try await duka.scalarInt("SELECT COUNT(DISTINCT block) FROM search_blocks WHERE list = 'u'") ?? 0 > 10)
        }
    }
}

/// Migration 3 counts the users already in a SQLite file in Swift (`SearchGramCounts`):
/// its counts equal the triggers' (made one row at a time) and the view's.
@Suite struct SearchGramCountsTests {
    @Test func theRebuildCountsWhatTheTriggersKept() async throws {
        let duka = try await TestDuka.make(.sqlite)
        try await duka.run { _ in
            try await ShortSearchTests.addPeople(duka, count: 120)
            try await ShortSearchTests.change(duka)
            let kept = try await duka.rows("SELECT list, gram, bucket, count FROM search_grams WHERE count <> 0 ORDER BY 1, 2, 3", [])
            try await duka.database.write { db in try SearchGramCounts.rebuild(in: db) }
            let rebuilt = try await duka.rows("SELECT list, gram, bucket, count FROM search_grams ORDER BY 1, 2, 3", [])
            #expect(kept.count > 1_000)
            let rows = { (rows: [[TestCell]]) in rows.map { $0.map { "\($0.int ?? -1)|\($0.text ?? "")" } } }
            #expect(rows(rebuilt) == rows(kept))
            let recount = "SELECT list, gram, bucket, COUNT(*) FROM search_gram_rows GROUP BY list, gram, bucket"
            #expect(try await duka.scalarInt("SELECT COUNT(*) FROM (SELECT list, gram, bucket, count FROM search_grams EXCEPT \(recount))") == 0)
            let blocks = "SELECT list, gram, block, bucket, count FROM search_blocks WHERE count <> 0"
            #expect(try await duka.scalarInt("SELECT COUNT(*) FROM (\(blocks) EXCEPT \(duka.searchBlocksRecount))") == 0)
            #expect(try await duka.scalarInt("SELECT COUNT(*) FROM (\(duka.searchBlocksRecount) EXCEPT \(blocks))") == 0)
        }
    }

    /// `duka generate` pauses the triggers and counts once at its end: the counts are
    /// those of the rows, and the pause is over.
    @Test func aGeneratedShopIsCounted() async throws {
        let duka = try await TestDuka.make(.sqlite)
        try await duka.run { _ in
            _ = try await DataGenerator.run(customers: 300, seed: 7, passwordHash: "x", database: duka.database, batch: 70)
            try await Self.expectCountsOfTheRows(duka)
        }
    }

    /// A load stopped before its end leaves the pause on; the next start counts.
    @Test func aStartEndsAPauseLeftBehind() async throws {
        let duka = try await TestDuka.make(.sqlite)
        try await duka.run { _ in
            try await duka.database.write { db in
                try SearchGramCounts.pause(in: db)
                try FullTextBulkLoad.begin("users_search", in: db)
            }
            try await ShortSearchTests.addPeople(duka, count: 40)
            #expect(try await duka.scalarInt("SELECT COALESCE(SUM(count), 0) FROM search_grams WHERE list = 'u' AND gram = ''") == 1)
            #expect(try await duka.scalarInt("SELECT v FROM users_search_config WHERE k = 'automerge'") == 0)
            // What a start does: the migrations, on a connection of its own.
            let start = try Connection(path: duka.directory.appendingPathComponent("duka.sqlite").path)
            try start.configure(busyTimeoutMilliseconds: 5000, synchronous: .full, walMode: true)
            _ = try Migrations.migrate(start)
            try await Self.expectCountsOfTheRows(duka)
            // The trigram index merges again, and the four-character indexes hold everyone.
            #expect(try await duka.scalarInt("SELECT v FROM users_search_config WHERE k = 'automerge'") == 4)
            #expect(try await duka.database.withWriter { try SearchFours.differences(in: $0) } == [])
            let found = try await duka.scalarInt("SELECT COUNT(*) FROM users_fours_u WHERE users_fours_u MATCH 'exam'")
            #expect(try await duka.scalarInt("SELECT COUNT(*) FROM users WHERE email LIKE '%exam%'") == found)
        }
    }

    /// PostgreSQL's pause (migration 9): a start counts what a stopped load left.
    @Test(.enabled(if: TestEngine.postgresURL != nil, "needs DUKA_TEST_PG")) func aStartOnPostgreSQLEndsAPauseLeftBehind() async throws {
        let duka = try await TestDuka.make(.postgres)
        try await duka.run { _ in
            try await duka.execute("UPDATE counters SET value = 1 WHERE name = 'search_grams_paused'")
            try await duka.execute("INSERT INTO search_texts (list, text, ready, since) VALUES ('u', 'example', TRUE, 1)")
            try await ShortSearchTests.addPeople(duka, count: 40)
            try await ShortSearchTests.change(duka)
            let emptyText = try await duka.rows("SELECT list, bucket, count FROM search_grams WHERE gram = '' ORDER BY 1, 2", [])
            #expect(emptyText.map { "\($0[0].text ?? "") \($0[1].int ?? -1) \($0[2].int ?? -1)" } == ["u 1 1"])
            // Customers are still counted while paused (once per statement since migration 9).
            let all = "SELECT COUNT(*) FROM users WHERE role = 'customer'"
            #expect(try await duka.scalarInt("SELECT value FROM counters WHERE name = 'customers_all'") == duka.scalarInt(all))
            let live = "SELECT COUNT(*) FROM users WHERE role = 'customer' AND deleted_at IS NULL"
            #expect(try await duka.scalarInt("SELECT value FROM counters WHERE name = 'customers_live'") == duka.scalarInt(live))
            // What a start does: the migrations, on a storage of its own.
            var quiet = Logger(label: "pause-test")
            quiet.logLevel = .error
            let start = try await PostgresStorage.open(url: duka.server.configuration.databasePath, connections: 1, logger: quiet)
            await start.close()
            try await Self.expectCountsOfTheRows(duka)
            #expect(try await duka.scalarInt("SELECT COUNT(*) FROM search_texts") == 0)
        }
    }

    /// PostgreSQL chooses between walking a 3-character search's blocks and reading its
    /// matches through the trigram indexes from the rows of the blocks the walk would read,
    /// not from the list's length over the matches: matches spread thin before a cluster
    /// make the walk long, and matches all in one block make it short.
    @Test(.enabled(if: TestEngine.postgresURL != nil, "needs DUKA_TEST_PG")) func postgresCountsTheRowsOfTheBlocksItWouldWalk() async throws {
        let duka = try await TestDuka.make(.postgres)
        try await duka.run { api in
            try await ShortSearchTests.addPeople(duka, count: 120)
            try await duka.useSmallSearchBlocks(customersShift: 4)
            let customers = try await duka.rows("SELECT id FROM users WHERE role = 'customer' AND deleted_at IS NULL ORDER BY id", []).map { $0[0].int! }
            let blocks = Dictionary(grouping: customers) { $0 >> 4 }
            let byBlock = blocks.keys.sorted()
            let full = byBlock.filter { blocks[$0]!.count >= 6 }
            // `vvq`: the first customer of each of four early blocks (of 16 ids), then every
            // one of the last two.
            let spread = byBlock.prefix(4).map { blocks[$0]![0] } + full.suffix(2).flatMap { blocks[$0]! }
            // `wwq`: every customer of one block in the middle of the list.
            let together = blocks[full[full.count / 2]]!
            for (text, ids) in [("Vvq", spread), ("Wwq", together)] {
                let list = ids.map(String.init).joined(separator: ", ")
                try await duka.execute("UPDATE users SET full_name = '\(text) ' || full_name WHERE id IN (\(list))")
            }
            let page = PageRequest(page: 1, size: 5)
            /// The rows a walk reads in the blocks holding the page's matches, the last one's
            /// in the share of its matches the page needs.
            func walked(_ ids: [Int64]) -> Int64 {
                var before: Int64 = 0, rows: Int64 = 0
                for block in byBlock where before < page.size {
                    let n = Int64(blocks[block]!.filter(ids.contains).count)
                    guard n > 0 else { continue }
                    rows += Int64(blocks[block]!.count) * min(n, page.size - before) / n
                    before += n
                }
                return rows
            }
            let storage = duka.server.storage as! PostgresStorage
            for (text, ids, index) in [("vvq", spread, true), ("wwq", together, false)] {
                let uniform = page.size * Int64(customers.count) / Int64(ids.count)
                let blocksWalked = walked(ids)
                // The budget between the two estimates: the list's length says the opposite.
                #expect(index ? blocksWalked > uniform : blocksWalked < uniform, "\(text): \(blocksWalked) \(uniform)")
                let search = try #require(ShortSearch(CustomerFilter(search: text)))
                let chosen = try await ShortSearch.$scanBudgetOverride.withValue(min(uniform, blocksWalked)) {
                    try await storage.read { db in
                        try await PGSearchGrams.throughIndex(search, page: page, placed: PGPageStart(search: search, descending: false), in: db)
                    }
                }
                #expect(chosen == index, "\(text)")
                let token = try await api.token("admin", TestDuka.adminPassword)
                let response = try await api.request(.get, "/employee/customers?search=\(text)&per_page=5", token: token)
                #expect(response.json["pagination"]?["total"]?.intValue == Int64(ids.count))
                let got = response.json["customers"]?.arrayValue?.compactMap { $0["id"]?.intValue } ?? []
                #expect(got == Array(ids.sorted().prefix(5)))
            }
        }
    }

    static func expectCountsOfTheRows(_ duka: TestDuka) async throws {
        #expect(try await duka.scalarInt("SELECT value FROM counters WHERE name = 'search_grams_paused'") == 0)
        let recount = duka.searchGramsRecount
        let kept = "SELECT list, gram, bucket, count FROM search_grams WHERE count <> 0"
        #expect(try await duka.scalarInt("SELECT COUNT(*) FROM (\(kept) EXCEPT \(recount)) AS d") == 0)
        #expect(try await duka.scalarInt("SELECT COUNT(*) FROM (\(recount) EXCEPT \(kept)) AS d") == 0)
        #expect(try await duka.scalarInt("SELECT COUNT(*) FROM search_grams WHERE gram = ''") ?? 0 > 0)
        let blocks = "SELECT list, gram, block, bucket, count FROM search_blocks WHERE count <> 0"
        #expect(try await duka.scalarInt("SELECT COUNT(*) FROM (\(blocks) EXCEPT \(duka.searchBlocksRecount)) AS d") == 0)
        #expect(try await duka.scalarInt("SELECT COUNT(*) FROM (\(duka.searchBlocksRecount) EXCEPT \(blocks)) AS d") == 0)
    }
}
