import Foundation
import SQLite
import Synchronization
import Testing

@testable import DukaCore
@testable import DukaSQLite
import DukaAssets

/// The repository root, found from this file's path (Tests/DukaCoreTests/...).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func temporaryPath(_ name: String = "duka.sqlite") throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("duka-core-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory.appendingPathComponent(name).path
}

/// Every schema object as (type, name, normalised SQL), sorted.
func schemaObjects(_ connection: Connection) throws -> [String] {
    try connection.query("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name") { row in
        let sql = row.optionalString(3) ?? ""
        let normalised = sql.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return "\(row.string(0)) \(row.string(1)) on \(row.string(2)): \(normalised)"
    }
}

@Suite struct MigrationTests {
    @Test func aFreshDatabaseHasExactlyTheSchemaOfSchemaSQL() async throws {
        let path = try temporaryPath()
        let database = try DukaDatabase.open(path: path, configuration: .init(readers: 1))
        let migrated = try await database.read { try schemaObjects($0) }
        let version = try await database.read { try Migrations.version(of: $0) }
        await database.close()

        let reference = try Connection(path: ":memory:")
        try reference.exec(String(contentsOf: repositoryRoot.appendingPathComponent("schema.sql"), encoding: .utf8))
        let expected = try schemaObjects(reference)

        #expect(!expected.isEmpty)
        #expect(migrated == expected)
        #expect(version == Migrations.latestVersion)
    }

    @Test func migratingTwiceIsANoOp() async throws {
        let path = try temporaryPath()
        let first = try DukaDatabase.open(path: path, configuration: .init(readers: 1))
        let before = try await first.read { try schemaObjects($0) }
        let again = try await first.withWriter { try Migrations.migrate($0) }
        #expect(again.isEmpty)
        await first.close()
        let second = try DukaDatabase.open(path: path, configuration: .init(readers: 1))
        let after = try await second.read { try schemaObjects($0) }
        await second.close()
        #expect(before == after)
    }

    @Test func aDatabaseFromANewerDukaIsRefusedAndLeftUntouched() async throws {
        let path = try temporaryPath()
        let connection = try Connection(path: path)
        try connection.exec("CREATE TABLE future (x); PRAGMA user_version = \(Migrations.latestVersion + 1);")
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect {
            _ = try DukaDatabase.open(path: path, configuration: .init(readers: 1))
        } throws: { error in
            guard case DukaDatabaseError.tooNew(_, let found, let known) = error else { return false }
            return found == Migrations.latestVersion + 1 && known == Migrations.latestVersion
                && "\(error)".contains("newer duka")
        }
        let after = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(before == after)
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
    }

    @Test func aFileThatIsNotADatabaseIsRefusedAndLeftUntouched() async throws {
        let path = try temporaryPath("notes.txt")
        let text = String(repeating: "These are a shopkeeper's notes, not a database.\n", count: 100)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            _ = try DukaDatabase.open(path: path, configuration: .init(readers: 1))
        } throws: { error in
            guard case DukaDatabaseError.notADatabase = error else { return false }
            return "\(error)".contains("not a SQLite database")
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == text)
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
    }

    @Test func theDatabaseRunsInWALWithForeignKeys() async throws {
        let path = try temporaryPath()
        let database = try DukaDatabase.open(path: path, configuration: .init(readers: 1))
        let (mode, foreignKeys, synchronous) = try await database.withWriter { db in
            (
                try db.queryFirst("PRAGMA journal_mode") { $0.string(0) },
                try db.scalarInt("PRAGMA foreign_keys"),
                try db.scalarInt("PRAGMA synchronous")
            )
        }
        await database.close()
        #expect(mode == "wal")
        #expect(foreignKeys == 1)
        #expect(synchronous == 2)  // FULL
    }
}

@Suite struct EmbeddedResourcesTests {
    /// The generated Swift file must match migrations/, seed/ and console/: run scripts/embed-resources after editing them.
    @Test func generatedFileMatchesTheSources() throws {
        let migrationFiles = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent("migrations").path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        #expect(EmbeddedResources.migrations.map(\.name) == migrationFiles)
        for migration in EmbeddedResources.migrations {
            let source = try String(contentsOf: repositoryRoot.appendingPathComponent("migrations/\(migration.name)"), encoding: .utf8)
            #expect(migration.sql == source, "\(migration.name) differs: run scripts/embed-resources")
        }
        let seedFiles = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent("seed").path).sorted()
        #expect(EmbeddedResources.seed.keys.sorted() == seedFiles)
        for (name, contents) in EmbeddedResources.seed {
            let source = try String(contentsOf: repositoryRoot.appendingPathComponent("seed/\(name)"), encoding: .utf8)
            #expect(contents == source, "seed/\(name) differs: run scripts/embed-resources")
        }
        let consoleFiles = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent("console").path).sorted()
        #expect(EmbeddedResources.console.keys.sorted() == consoleFiles)
        for (name, contents) in EmbeddedResources.console {
            let source = try String(contentsOf: repositoryRoot.appendingPathComponent("console/\(name)"), encoding: .utf8)
            #expect(contents == source, "console/\(name) differs: run scripts/embed-resources")
        }
    }
}

extension EmbeddedResourcesTests {
    @Test func openAPIMatchesTheFile() throws {
        let source = try String(contentsOf: repositoryRoot.appendingPathComponent("openapi.json"), encoding: .utf8)
        #expect(APIDescription.json == source, "openapi.json differs: run scripts/embed-resources")
    }
}

@Suite struct CounterTests {
    /// The trigger-kept counters equal COUNT(*) through inserts, soft deletes, restores,
    /// role changes and hard deletes.
    @Test func countersFollowEveryChange() async throws {
        let database = try DukaDatabase.open(path: try temporaryPath(), configuration: .init(readers: 1))
        func check(_ step: String) async throws {
            for name in Counters.Name.allCases {
                let (kept, counted) = try await database.read { (try Counters.value(name, in: $0), try Counters.recount(name, in: $0)) }
                #expect(kept == counted, "\(name) after \(step)")
            }
        }
        try await check("start")
        try await database.write { db in
            for index in 0..<10 {
                try UserStore.insert(NewUser(username: "c\(index)", email: "c\(index)@x.co", passwordHash: "h", role: .customer,
                                             deletedAt: index == 0 ? 5 : nil), in: db)
            }
            try UserStore.insert(NewUser(username: "staff", email: "s@x.co", passwordHash: "h", role: .cashier), in: db)
            try db.execute("INSERT INTO products (sku, name, unit_price_cents, created_at, updated_at) VALUES ('A', 'A', 1, 1, 1), ('B', 'B', 1, 1, 1)")
            try db.execute("INSERT INTO carts (user_id, created_at, updated_at) SELECT id, 1, 1 FROM users WHERE role = 'customer' LIMIT 3")
        }
        try await check("inserts")
        #expect(try await database.read { try Counters.value(.customersLive, in: $0) } == 9)
        try await database.write { db in
            try db.execute("UPDATE users SET deleted_at = 7 WHERE username IN ('c1', 'c2')")
            try db.execute("UPDATE users SET deleted_at = NULL WHERE username = 'c0'")
            try db.execute("UPDATE users SET role = 'customer' WHERE username = 'staff'")
            try db.execute("UPDATE users SET role = 'manager' WHERE username = 'c9'")
            try db.execute("UPDATE users SET full_name = 'x'")
        }
        try await check("updates")
        try await database.write { db in
            try db.execute("DELETE FROM carts WHERE id = (SELECT MIN(id) FROM carts)")
            try db.execute("DELETE FROM users WHERE username IN ('c8', 'c5')")
            try db.execute("DELETE FROM products WHERE sku = 'A'")
        }
        try await check("deletes")
        // A rolled-back change leaves the counters as they were.
        struct Undo: Error {}
        _ = try? await database.write { db in
            try db.execute("DELETE FROM users WHERE username = 'c7'")
            throw Undo()
        }
        try await check("rollback")
        await database.close()
    }
}

@Suite struct DataGeneratorTests {
    static func generate(seed: UInt64) async throws -> (DataGenerator.Summary, [String]) {
        let database = try DukaDatabase.open(path: try temporaryPath(), configuration: .init(readers: 1))
        let summary = try await DataGenerator.run(customers: 400, seed: seed, passwordHash: "h", database: database, batch: 150)
        let rows = try await database.read { db in
            try db.query("SELECT uuid || username || COALESCE(deleted_at, '') || is_active FROM users ORDER BY id") { $0.string(0) }
        }
        let counters = try await database.read { db in try Counters.Name.allCases.map { (try Counters.value($0, in: db), try Counters.recount($0, in: db)) } }
        #expect(counters.allSatisfy { $0.0 == $0.1 })
        // The admin is dated back to the shop's opening: sign-ups follow ids.
        #expect(try await database.read { try UserStore.signUpsFollowIDs(in: $0) })
        // The rows the till would leave: one line per product and price, at the product's
        // price, carts only for live active customers, at most one active cart each.
        let broken = try await database.read { db in
            [
                try db.scalarInt("SELECT COUNT(*) FROM (SELECT 1 FROM cart_items GROUP BY cart_id, product_id HAVING COUNT(*) > 1)"),
                try db.scalarInt("SELECT COUNT(*) FROM cart_items AS i JOIN products AS p ON p.id = i.product_id WHERE i.unit_price_cents <> p.unit_price_cents"),
                try db.scalarInt("SELECT COUNT(*) FROM carts AS c JOIN users AS u ON u.id = c.user_id WHERE u.deleted_at IS NOT NULL OR NOT u.is_active"),
                try db.scalarInt("SELECT COUNT(*) FROM (SELECT 1 FROM carts WHERE status = 'active' GROUP BY user_id HAVING COUNT(*) > 1)"),
                try db.scalarInt("SELECT COUNT(*) FROM carts AS c WHERE NOT EXISTS (SELECT 1 FROM cart_items WHERE cart_id = c.id)"),
            ]
        }
        #expect(broken == [0, 0, 0, 0, 0])
        await database.close()
        return (summary, rows)
    }

    @Test func theSameSeedGivesTheSameShop() async throws {
        let (first, firstRows) = try await Self.generate(seed: 7)
        let (second, secondRows) = try await Self.generate(seed: 7)
        let (_, otherRows) = try await Self.generate(seed: 8)
        #expect(first == second)
        #expect(firstRows == secondRows)
        #expect(firstRows != otherRows)
        #expect(first.customers == 400)
        #expect((120...280).contains(first.carts))  // about 0.5 per customer
        #expect(first.lines >= first.carts && first.lines <= first.carts * 5)
    }
}

@Suite struct DeepPageTests {
    /// Deep pages placed by their blocks (search_blocks) equal plain OFFSET pages, before
    /// and after the set of customers changes.
    @Test func boundaryPagesMatchOffsetPages() async throws {
        let database = try DukaDatabase.open(path: try temporaryPath(), configuration: .init(readers: 1))
        try await database.write { db in
            for index in 0..<2_600 {
                try UserStore.insert(NewUser(username: "c\(index)", email: "c\(index)@x.co", passwordHash: "h", role: .customer,
                                             deletedAt: index % 7 == 0 ? 1 : nil), in: db)
                if index % 500 == 0 {
                    try UserStore.insert(NewUser(username: "s\(index)", email: "s\(index)@x.co", passwordHash: "h", role: .cashier), in: db)
                }
            }
        }
        func check(_ step: String) async throws {
            for includeDeleted in [false, true] {
                for (pageNumber, size) in [(26, 20), (27, 20), (30, 100), (111, 20), (200, 20), (9, 100), (52, 50)] as [(Int64, Int64)] {
                    let request = PageRequest(page: pageNumber, size: size)
                    let (fast, slow) = try await database.read { db in
                        let fast = try CustomerStore.list(.init(includeDeleted: includeDeleted), page: request, in: db).items.map(\.id)
                        let slow = try db.query(
                            "SELECT id FROM users WHERE role = 'customer' \(includeDeleted ? "" : "AND deleted_at IS NULL") ORDER BY id LIMIT ? OFFSET ?",
                            size, (pageNumber - 1) * size
                        ) { $0.int64(0) }
                        return (fast, slow)
                    }
                    #expect(fast == slow, "\(step): page \(pageNumber) × \(size), include_deleted \(includeDeleted)")
                }
            }
        }
        try await check("start")
        try await database.write { db in
            try db.execute("UPDATE users SET deleted_at = 5 WHERE username IN ('c600', 'c601', 'c1500')")
            try db.execute("UPDATE users SET deleted_at = NULL WHERE username = 'c700'")
        }
        try await check("after soft deletes and a restore")
        try await database.write { db in
            try db.execute("DELETE FROM users WHERE username IN ('c3', 'c4')")
            try UserStore.insert(NewUser(username: "late", email: "late@x.co", passwordHash: "h", role: .customer), in: db)
            try db.execute("UPDATE users SET role = 'customer' WHERE username = 's1000'")
        }
        try await check("after deletes, an insert and a role change")
        await database.close()
    }
}

@Suite struct SearchIndexTests {
    /// The trigram index follows inserts, updates and deletes, and matches substrings
    /// case-insensitively, with quotes and FTS syntax taken literally.
    @Test func searchFollowsChanges() async throws {
        let database = try DukaDatabase.open(path: try temporaryPath(), configuration: .init(readers: 1))
        try await database.write { db in
            try UserStore.insert(NewUser(username: "wanjiku", email: "w@x.co", passwordHash: "h", role: .customer,
                                         profile: .init(fullName: "Wanjiku \"Shiro\" Kamau", phoneNumber: "+254711000111")), in: db)
            try UserStore.insert(NewUser(username: "otieno", email: "o@x.co", passwordHash: "h", role: .customer,
                                         profile: .init(fullName: "Otieno OR Ochieng*")), in: db)
        }
        func found(_ text: String) async throws -> [String] {
            try await database.read { db in
                try CustomerStore.list(.init(search: text), page: .init(page: 1, size: 100), in: db).items.map(\.username)
            }
        }
        #expect(try await found("KAMAU") == ["wanjiku"])
        #expect(try await found("\"Shiro\"") == ["wanjiku"])
        #expect(try await found("OR Och") == ["otieno"])
        #expect(try await found("ieng*") == ["otieno"])
        #expect(try await found("NEAR(") == [])
        #expect(try await found("0111") == ["wanjiku"])
        #expect(try await found("am") == ["wanjiku"])  // short: LIKE
        try await database.write { db in
            try db.execute("UPDATE users SET full_name = 'Wanjiku Njeri' WHERE username = 'wanjiku'")
        }
        #expect(try await found("kamau") == [])
        #expect(try await found("njeri") == ["wanjiku"])
        try await database.write { try $0.execute("DELETE FROM users WHERE username = 'wanjiku'") }
        #expect(try await found("njeri") == [])
        let integrity = try await database.withWriter { db in
            try db.execute("INSERT INTO users_search (users_search) VALUES ('integrity-check')")
        }
        #expect(integrity >= 0)
        await database.close()
    }
}

@Suite struct DemoSeedDatesTests {
    /// The demo's cart history ends a day or two before the database is made, so the
    /// console's 30-day sales chart shows it.
    @Test func cartsAreDatedUpToTheDayTheDemoIsLoaded() async throws {
        let database = try DukaDatabase.open(path: try temporaryPath(), configuration: .init(readers: 1))
        let hasher = PasswordHasher(cost: 4, threads: 1)
        let now = Timestamp.now()
        #expect(try await DemoSeed.load(into: database, hasher: hasher, now: now))
        let (latest, recentSales) = try await database.read { db in
            (try db.scalarInt("SELECT MAX(created_at) FROM carts") ?? 0,
             try db.scalarInt("SELECT COUNT(*) FROM carts WHERE status = 'checked_out' AND updated_at >= ?", now - 30 * SalesReport.secondsPerDay) ?? 0)
        }
        #expect(latest <= now && latest > now - 2 * SalesReport.secondsPerDay)
        #expect(recentSales >= 5)
        await hasher.shutdown()
        await database.close()
    }
}

extension SearchIndexTests {
    /// A search narrowed to its rarest four characters finds exactly the rows the index
    /// finds for the whole text, in both lists, whatever the case, quotes or LIKE
    /// wildcards in it; rows with other than printable ASCII are confirmed by the index
    /// itself (the Kelvin sign folds to `k` there, not in `lower`).
    @Test func narrowedSearchFindsWhatTheWholeTextFinds() async throws {
        let database = try DukaDatabase.open(path: try temporaryPath(), configuration: .init(readers: 1))
        let names = ["Wanjiku Kamau", "\u{212A}amau Njoroge", "Otieno \"Odhis\" Ochieng", "Achieng 100%_sure", "Élodie Wanjiru", "Kamau Kamau",
                     "Wambui wa Kariuki Njoroge Kamau Otieno Achieng Mwangi", "Ba\u{212A}ari Otieno"]
        try await database.write { db in
            for n in 0..<40 {
                try UserStore.insert(NewUser(
                    username: "user\(n)_\(n % 3 == 0 ? "kamau" : "shop")", email: "u\(n)@kamau\(n % 5).co.ke", passwordHash: "h",
                    role: n % 4 == 0 ? .cashier : .customer,
                    profile: .init(fullName: names[n % names.count], phoneNumber: "+2547110\(String(format: "%05d", n * 37))")
                ), in: db)
            }
        }
        let texts = ["kamau", "KAMAU", "amau n", "user1", "ser12_", "Odhis\"", "\"Odhis\" O", "100%_s", "0%_su", "u3@kamau", "kamau3.co",
                     "71100", "00037", "nobody", "élodie", "lodie W", "Kamau Kamau", "bakari", "BAKARI O",
                     "WA KARIUKI njoroge Kamau Otieno Achieng Mwan", "wa Kariuki Njoroge Kamau Otieno Achieng Mwangi!"]
        narrowingRatio.store(0, ordering: .relaxed)
        defer { narrowingRatio.store(defaultNarrowingRatio, ordering: .relaxed) }
        try await expectNarrowedSearchesFindWhatTheWholeTextFinds(texts, in: database)
        narrowingRatio.store(defaultNarrowingRatio, ordering: .relaxed)
        try await expectNarrowedSearchesFindWhatTheWholeTextFinds(texts, in: database)
        narrowingRatio.store(0, ordering: .relaxed)
        // Four letters or digits are looked up in the four-character indexes.
        let tables = try await database.read { db in
            try ["kamau", "00037"].flatMap { text in try [ShortSearch.List.customers, .users].map { try IndexedText(text, list: $0, in: db).table } }
        }
        #expect(tables == ["users_fours_c", "users_fours_u", "users_fours_c", "users_fours_u"])
        let kelvin = try await database.read { db in
            try CustomerStore.list(.init(search: "kamau nj"), page: .init(page: 1, size: 100), in: db).items.map(\.profile.fullName)
        }
        #expect(!kelvin.isEmpty && kelvin.allSatisfy { $0 == "\u{212A}amau Njoroge" })
        // The four-character indexes follow changes: renamed rows (plain ones made not
        // plain, and back) and deleted rows, half of them written by a rebuild (a bulk
        // load's end) and half by the triggers.
        try await database.write { try SearchFours.rebuild(in: $0) }
        try await database.write { db in
            for n in 40..<50 {
                try UserStore.insert(NewUser(
                    username: "later\(n)", email: "l\(n)@kamau\(n % 5).co.ke", passwordHash: "h", role: .customer,
                    profile: .init(fullName: names[n % names.count], phoneNumber: "+2547110\(String(format: "%05d", n * 37))")
                ), in: db)
            }
        }
        try await database.write { db in
            try db.execute("UPDATE users SET full_name = 'Kamau Wanjiku' WHERE id % 7 = 1")
            try db.execute("UPDATE users SET full_name = 'K\u{212A}amau Odhis', email = 'x' || id || '@kamau9.co.ke' WHERE id % 7 = 2")
            try db.execute("UPDATE users SET full_name = 'Plain Name', phone_number = NULL WHERE full_name LIKE '\u{00C9}%'")
            try db.execute("DELETE FROM users WHERE id % 7 = 3")
        }
        try await expectNarrowedSearchesFindWhatTheWholeTextFinds(texts + ["wanjiku", "amau Od", "kamau9.co"], in: database)
        #expect(try await fourIndexWords(in: database) == (try await database.write { db in
            try SearchFours.rebuild(in: db)
            return try fourIndexWordsNow(in: db)
        }), "the triggers kept what a rebuild writes")
        await database.close()
    }

    /// Which texts go through the four-character indexes, from their trigrams' counts:
    /// letters or digits whose rarer trigram is in at most 1/64 of the list, or that
    /// narrowing would take anyway.
    @Test func fourCharacterLookupsAreChosenFromTheCounts() {
        func lookups(_ text: String, _ counts: [String: Int64], stopsAtPage: Bool = false) -> [String]? {
            TrigramWeights(text, counts: counts).flatMap { SearchFours.lookups($0, stopsAtPage: stopsAtPage) }?.map(String.init)
        }
        let digits: [String: Int64] = ["103": 3_999, "039": 2_889, "398": 3_999]
        #expect(lookups("10398", digits.merging(["": 1_000_000]) { a, _ in a }) == ["1039", "0398"])
        #expect(lookups("10398", digits.merging(["": 100_000]) { a, _ in a }) == nil, "2,889 of 100,000: more than 1/64")
        #expect(lookups("10398", digits) == nil, "no list size: the ratio alone")
        #expect(lookups("10398", digits, stopsAtPage: true) == ["1039"])
        let phone: [String: Int64] = ["+25": 1_000_000, "254": 1_000_000, "547": 1_000_000, "471": 1_000_000, "": 1_000_000]
        #expect(lookups("+25471", phone) == nil)
        #expect(lookups("+25471", phone, stopsAtPage: true) == nil, "the rarest four holds a +")
        let mixed: [String: Int64] = ["4@e": 100, "@ex": 1_000_000, "exa": 1_000_000, "104": 2_000, "04@": 150, "": 1_000_000]
        #expect(lookups("104@exa", mixed) == nil, "the rarest four, 04@e, holds an @")
        #expect(lookups("gen4242", ["gen": 1_000_000, "en4": 111_111, "n42": 11_111, "424": 3_979, "242": 3_979, "": 1_000_000]) == ["4242", "n424"])
    }

    /// Each text's pages in both lists, narrowed, against the whole text's rows in the index.
    private func expectNarrowedSearchesFindWhatTheWholeTextFinds(_ texts: [String], in database: Database) async throws {
        for text in texts {
            let narrowed = try await database.read { db in
                (try TrigramWeights(of: text, list: .customers, in: db)?.rarestFour(ratio: 0), try TrigramWeights(of: text, list: .users, in: db)?.rarestFour(ratio: 0))
            }
            let ascii = text.utf8.allSatisfy { $0 < 0x80 } && text.utf8.count >= 5
            #expect((narrowed.0 != nil) == ascii, "\(text): narrowed only when ASCII and 5 characters or more")
            #expect((narrowed.1 != nil) == ascii, "\(text): narrowed only when ASCII and 5 characters or more")
            let (portal, staff, portalIndex, staffIndex) = try await database.read { db in
                let portal = try CustomerStore.list(.init(includeDeleted: true, search: text), page: .init(page: 1, size: 100), in: db).items.map(\.id)
                let staff = try UserStore.list(.init(search: text, status: .all, sortBy: .createdAt, sortOrder: .asc), page: .init(page: 1, size: 100), in: db).items.map(\.id)
                func whole(_ columns: String, _ role: String) throws -> [Int64] {
                    let phrase = "{\(columns)}: \"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                    return try db.query(
                        "SELECT id FROM users WHERE \(role) id IN (SELECT rowid FROM users_search WHERE users_search MATCH ?) ORDER BY id", phrase
                    ) { $0.int64(0) }
                }
                return (portal, staff, try whole("full_name email phone_number id_number", "role = 'customer' AND"), try whole("username email", ""))
            }
            #expect(portal == portalIndex, "portal search \(text)")
            #expect(staff == staffIndex, "users search \(text)")
            if text.hasPrefix("WA KARIUKI") || text == "kamau" || text == "bakari" { #expect(!portal.isEmpty, "\(text) finds customers") }
        }
    }

    /// Every word of both four-character indexes with how many rows hold it (fts5vocab).
    private func fourIndexWords(in database: Database) async throws -> [String] {
        try await database.write { try fourIndexWordsNow(in: $0) }
    }
}

private func fourIndexWordsNow(in db: Connection) throws -> [String] {
    var words: [String] = []
    for list in ["c", "u"] {
        try db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.fours_\(list)_words USING fts5vocab(main, users_fours_\(list), row)")
        words += try db.query("SELECT term, doc FROM temp.fours_\(list)_words ORDER BY term") { "\(list) \($0.string(0)) \($0.int64(1))" }
    }
    return words
}

@Suite struct StorageSeamTests {
    /// Each table's column definition names real columns of the schema, so the SELECT
    /// lists made from them and the positions read back cannot drift from it.
    @Test func namedColumnsAreTheSchemasColumns() async throws {
        let database = try DukaDatabase.open(path: try temporaryPath())
        func columns(of table: String) async throws -> Set<String> {
            try await database.read { db in Set(try db.query("SELECT name FROM pragma_table_info(?)", table) { $0.string(0) }) }
        }
        #expect(Set(UserColumn.allCases.map(\.name)).subtracting(try await columns(of: "users")).isEmpty)
        #expect(Set(ProductColumn.allCases.map(\.name)).subtracting(try await columns(of: "products")).isEmpty)
        #expect(Set(CartColumn.allCases.map(\.name)).subtracting(try await columns(of: "carts")).isEmpty)
        #expect(Set(CartItemColumn.allCases.map(\.name)).subtracting(try await columns(of: "cart_items")).isEmpty)
        #expect(Set(AuditLogColumn.allCases.map(\.name)).subtracting(try await columns(of: "audit_log")).isEmpty)
        #expect(UserColumn.selectList().hasPrefix("id, uuid, username, email, password_hash, role, full_name"))
        #expect(CartItemColumn.selectList(table: "i").hasPrefix("i.id, i.cart_id, i.product_id"))
        await database.close()
    }

    /// The HTTP layer and the domain never see the engine: only DukaSQLite imports SQLite.
    @Test func onlyTheEnginesImportTheirDatabases() throws {
        // Each engine's library is imported by that engine alone (and by the executable
        // that picks one); the API and the domain see only `Storage`.
        let engines = ["SQLite", "CSQLite", "DukaSQLite", "PostgresNIO", "DukaPostgres"]
        let allowed: [String: Set<String>] = [
            "DukaHTTP": [], "DukaCore": [],
            "DukaSQLite": ["SQLite", "CSQLite"], "DukaPostgres": ["PostgresNIO"],
        ]
        for (module, may) in allowed {
            let folder = repositoryRoot.appendingPathComponent("Sources/\(module)")
            let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)!
                .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
            #expect(!files.isEmpty)
            for file in files {
                let imports = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
                    .filter { $0.hasPrefix("import ") }.map { String($0.dropFirst("import ".count)) }
                let forbidden = imports.filter { engines.contains($0) && !may.contains($0) }
                #expect(forbidden.isEmpty, "\(module)/\(file.lastPathComponent) imports \(forbidden)")
            }
        }
    }
}
