import DukaCore
import DukaHTTP
import DukaPostgres
import DukaSQLite
import Logging
import SQLite
import Testing

/// `duka check`: a healthy database passes every check; a wrong counter, a wrong
/// short-search total, a wrong kept total of a long search and (on SQLite, where foreign keys can be switched off) an orphan
/// line are each reported.
@Suite struct DatabaseCheckTests {
    static func check(_ duka: TestDuka) async throws -> [DatabaseCheck.Finding] {
        if let url = duka.postgresURL {
            return try await PGCheck.run(url: url, logger: Logger(label: "check-test"))
        }
        return try await SQLiteCheck.run(path: duka.server.configuration.databasePath)
    }

    @Test(arguments: TestEngine.available) func aHealthyShopPassesAndBreakagesAreNamed(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine, demo: true)
        try await duka.run { _ in
            // A long search's text kept (on demand, as a search of many users would ask).
            let kept = try #require(KeptSearch(CustomerFilter(search: "example.co")))
            duka.server.storage.keptSearches.found(kept, total: KeptSearch.keptFrom)
            await duka.server.storage.keptSearches.settle()
            #expect(try await duka.scalarInt("SELECT COUNT(*) FROM search_text_counts WHERE text = 'example.co' AND count > 100") == 1)
            let healthy = try await Self.check(duka)
            #expect(healthy.allSatisfy { $0.passed }, "\(DatabaseCheck.report(healthy))")
            #expect(healthy.contains { $0.check.hasPrefix("counter carts") })
            #expect(healthy.contains { $0.check == "short-search totals" })
            #expect(healthy.contains { $0.check == "short-search blocks" })
            #expect(healthy.contains { $0.check == "kept search totals" })
            #expect(healthy.contains { $0.check == "kept search members" } == (engine == .postgres))
            #expect(healthy.contains { $0.check == "list blocks" } == (engine == .postgres))
            #expect(healthy.contains { $0.check == "stock levels that differ from the sum of their movements" })
            #expect(healthy.contains { $0.check.hasPrefix("branches whose receipt count") })
            if engine == .sqlite {
                #expect(healthy.contains { $0.check == "search fours" })
                #expect(healthy.contains { $0.check == "integrity" })
                #expect(healthy.contains { $0.check == "foreign keys" })
            }

            try await duka.execute("UPDATE counters SET value = value + 2 WHERE name = 'products'")
            try await duka.execute("UPDATE search_grams SET count = count + 1 WHERE list = 'c' AND gram = '' AND bucket = 17")
            try await duka.execute(
                "UPDATE search_blocks SET count = count - 1 WHERE list = 'u' AND gram = '' AND bucket = 17 AND block = (SELECT MIN(block) FROM search_blocks WHERE list = 'u' AND gram = '' AND bucket = 17)"
            )
            try await duka.execute("UPDATE search_text_counts SET count = count - 3 WHERE text = 'example.co' AND bucket = 17")
            if engine == .postgres {
                // A listed match lost, and one of a user that is gone.
                try await duka.execute("DELETE FROM search_text_members WHERE text = 'example.co' AND id = (SELECT MAX(id) FROM search_text_members)")
                try await duka.execute("INSERT INTO search_text_members VALUES ('c', 'example.co', 999999, 999999, 17)")
                // A customer missing from the coarsest block of the portal's list.
                try await duka.execute("UPDATE list_blocks SET count = count - 1 WHERE list = 'c' AND level = 3 AND bucket = 17")
            }
            if engine == .sqlite {
                // Words of a user who is not there.
                try await duka.execute("INSERT INTO users_fours_c (rowid, fours) VALUES (999999, 'zzzz kama')")
            }
            // A level no movement explains, and a receipt number skipped.
            try await duka.execute("UPDATE stock_levels SET quantity_milli = quantity_milli + 5000 WHERE product_id = 1 AND branch_id = 1")
            try await duka.execute("UPDATE branches SET last_receipt = last_receipt + 1 WHERE id = 2")
            let broken = try await Self.check(duka)
            let products = try #require(try await duka.scalarInt("SELECT COUNT(*) FROM products"))
            #expect(broken.first { $0.check == "counter products" }?.problem == "holds \(products + 2), but there are \(products)")
            #expect(broken.first { $0.check == "short-search totals" }?.problem?.contains("c bucket 17") == true)
            #expect(broken.first { $0.check == "short-search blocks" }?.problem?.contains("u bucket 17") == true)
            #expect(broken.first { $0.check == "kept search totals" }?.problem?.contains("c:example.co bucket 17") == true)
            #expect(broken.first { $0.check == "stock levels that differ from the sum of their movements" }?.problem == "1 found")
            #expect(broken.first { $0.check.hasPrefix("branches whose receipt count") }?.problem == "1 found")
            if engine == .postgres {
                let members = broken.first { $0.check == "kept search members" }?.problem ?? ""
                #expect(members.contains("c:example.co bucket 17") && members.contains("1 members of users that no longer exist"), "\(members)")
                #expect(broken.first { $0.check == "list blocks" }?.problem?.contains("c level 3 block 0 under 0 bucket 17") == true)
            }
            if engine == .sqlite {
                let fours = broken.first { $0.check == "search fours" }?.problem ?? ""
                #expect(fours.contains("c zzzz: 1 rows, 0 counted") && fours.contains("c kama:"), "\(fours)")
            }
            #expect(broken.filter { !$0.passed }.count == (engine == .postgres ? 8 : 7), "\(DatabaseCheck.report(broken))")
        }
    }

    @Test func anOrphanLineIsFoundOnSQLite() async throws {
        let duka = try await TestDuka.make(.sqlite, demo: true)
        try await duka.run { _ in
            try await duka.database.withWriter { db in
                try db.exec("PRAGMA foreign_keys = OFF")
                try db.exec("DELETE FROM carts WHERE id = (SELECT MIN(cart_id) FROM cart_items)")
                try db.exec("PRAGMA foreign_keys = ON")
            }
            let findings = try await Self.check(duka)
            #expect(findings.first { $0.check == "foreign keys" }?.passed == false)
            #expect(findings.first { $0.check == "cart lines whose cart is gone" }?.problem?.hasSuffix("found") == true)
        }
    }
}
