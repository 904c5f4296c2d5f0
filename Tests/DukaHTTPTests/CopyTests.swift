import DukaCore
@testable import DukaPostgres
@testable import DukaSQLite
import Foundation
import HTTPTypes
import Logging
import SQLite
import Testing

@testable import DukaHTTP

/// `duka copy`: a shop moves from its SQLite file into PostgreSQL and back, and keeps
/// everything, down to the tokens its staff already hold.
@Suite(.enabled(if: TestEngine.postgresURL != nil, "needs DUKA_TEST_PG")) struct CopyTests {
    @Test func aShopMovesToPostgreSQLAndBackWithEverythingKept() async throws {
        let file = try await TestDuka.make(.sqlite, demo: true)
        // Some history first: a change in the audit log, a logout that moved a session version.
        let searches = ["/api/v1/users?search=a&limit=5", "/api/v1/users?search=ke&role=customer&limit=5", "/api/v1/users?search=w&limit=5&page=2"]
        let (token, emptyURL, searchTotals) = try await file.run { api in
            let admin = try await api.token("admin", "duka-admin-demo")
            var searchTotals: [(String, JSON?)] = []
            for path in searches {
                let total = try await api.request(.get, path, token: admin).data?["pagination"]?["total_data"]
                #expect(total?.intValue ?? 0 > 0, "\(path)")
                searchTotals.append((path, total))
            }
            let created = try await api.request(.post, "/api/v1/products", json: .object([
                "sku": .string("COPY-1"), "name": .string("Copied"), "unit_price": .string("12.50"),
            ]), token: admin)
            #expect(created.status == .created)
            let employee = try await api.token("employee", "duka-employee-demo")
            _ = try await api.request(.post, "/api/v1/auth/logout", token: employee)

            // While the file's server is open: copy it into a new PostgreSQL database.
            let source = SQLiteCopyEndpoint(database: file.database, displayName: "source")
            let emptyURL = try await TestPostgres.shared.makeDatabase()
            let target = try await PostgresStorage.open(url: emptyURL, connections: 4, logger: Logger(label: "copy-test"))
            let reports = try await TableCopy.copy(from: source, to: PostgresCopyEndpoint(storage: target))
            #expect(reports.map(\.table) == CopyTable.all.map(\.name))
            #expect(reports.first { $0.table == "users" }?.rows == 154)
            #expect(reports.first { $0.table == "audit_log" }?.rows ?? 0 > 0)

            // A second copy into the same database is refused, and changes nothing.
            await #expect(throws: TableCopy.Refusal.self) {
                try await TableCopy.copy(from: source, to: PostgresCopyEndpoint(storage: target))
            }
            await target.close()
            return (admin, emptyURL, searchTotals)
        }

        // A server on the copy accepts the token issued by the file's server, and knows
        // the logged-out session is over.
        let moved = try await TestDuka.make(.postgres) { $0.databasePath = emptyURL }
        try await moved.run { api in
            #expect(try await api.request(.get, "/api/v1/auth/me", token: token).status == .ok)
            let products = try await api.request(.get, "/api/v1/products?limit=100", token: token)
            #expect(products.data?["products"]?.arrayValue?.contains { $0["sku"]?.stringValue == "COPY-1" } == true)
            let dashboard = try await api.request(.get, "/employee/dashboard", token: try await api.token("employee", "duka-employee-demo"))
            #expect(dashboard.json["total_customers"] == .int(146))
            // The search texts' triggers were paused for the load; its end counted every user.
            try await SearchGramCountsTests.expectCountsOfTheRows(moved)
            for (path, total) in searchTotals {
                let found = try await api.request(.get, path, token: token)
                #expect(found.data?["pagination"]?["total_data"] == total, "\(path)")
            }
            // New rows get ids after the copied ones.
            let next = try await api.request(.post, "/api/v1/products", json: .object([
                "sku": .string("AFTER-COPY"), "name": .string("After"), "unit_price": .string("1.00"),
            ]), token: token)
            #expect(next.data?["id"]?.intValue == 47)
        }
    }

    @Test func aCopyBackIntoAFileHasTheSameDigests() async throws {
        let postgres = try await TestDuka.make(.postgres, demo: true)
        let storage = postgres.server.storage as! PostgresStorage
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("duka-copy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = try SQLiteStorage.open(path: directory.appendingPathComponent("copy.sqlite").path, readers: 2)
        let target = SQLiteCopyEndpoint(database: file.database, displayName: "copy")
        let reports = try await TableCopy.copy(from: PostgresCopyEndpoint(storage: storage), to: target)
        for table in CopyTable.all {
            let (rows, digest) = try await TableCopy.digestOf(table, in: PostgresCopyEndpoint(storage: storage))
            #expect(reports.first { $0.table == table.name }.map { ($0.rows, $0.digest) } ?? (0, "") == (rows, digest))
        }
        let counters = try await file.database.read { db in
            try db.query("SELECT name, value FROM counters WHERE name IN ('customers_live', 'customers_all', 'products', 'carts') ORDER BY name") {
                "\($0.string(0))=\($0.int64(1))"
            }
        }
        #expect(counters == ["carts=23", "customers_all=150", "customers_live=146", "products=45"])
        // The file's search texts were counted at the copy's end, as its triggers would have.
        let differences = try await file.database.read { db in
            let kept = "SELECT list, gram, bucket, count FROM search_grams WHERE count <> 0"
            let recount = "SELECT list, gram, bucket, COUNT(*) FROM search_gram_rows GROUP BY list, gram, bucket"
            let blocks = "SELECT list, gram, block, bucket, count FROM search_blocks WHERE count <> 0"
            let blocksRecount = "SELECT list, gram, block, bucket, COUNT(*) FROM search_gram_rows GROUP BY list, gram, block, bucket"
            return try [
                db.scalarInt("SELECT value FROM counters WHERE name = 'search_grams_paused'"),
                db.scalarInt("SELECT COUNT(*) FROM (\(kept) EXCEPT \(recount))"), db.scalarInt("SELECT COUNT(*) FROM (\(recount) EXCEPT \(kept))"),
                db.scalarInt("SELECT COUNT(*) FROM (\(blocks) EXCEPT \(blocksRecount))"),
                db.scalarInt("SELECT COUNT(*) FROM (\(blocksRecount) EXCEPT \(blocks))"),
            ]
        }
        #expect(differences == [0, 0, 0, 0, 0])
        #expect(try await file.database.read { try $0.scalarInt("SELECT COUNT(*) FROM search_grams WHERE gram = '' AND count > 0") } ?? 0 > 0)
        await file.close()
        try await postgres.run { _ in }
    }
}
