import DukaCore
@testable import DukaPostgres
@testable import DukaSQLite
import Foundation
import Logging
import SQLite
import Testing

@testable import DukaHTTP

/// The two schemas: PostgreSQL's migrations produce exactly schema.postgres.sql, and both
/// engines have the tables, columns, keys and indexes that Duka's answers depend on.
@Suite(.enabled(if: TestEngine.postgresURL != nil, "needs DUKA_TEST_PG")) struct SchemaParityTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// What both engines must have: every table's columns, and the indexes by name (each
    /// one backs an ordering, a filter, a guard or a page).
    static let tables: [String: [String]] = {
        var tables = Dictionary(uniqueKeysWithValues: CopyTable.all.map { ($0.name, $0.columns.map(\.name)) })
        tables["counters"] = ["name", "value"]
        return tables
    }()

    static let indexes = [
        "users_role_deleted", "users_role", "users_created", "users_role_created", "users_role_username",
        "carts_user", "carts_status", "carts_checked_out", "carts_one_active", "cart_items_cart", "cart_items_product",
        "audit_log_actor", "audit_log_action", "stock_movements_product", "stock_movements_branch", "product_barcodes_product",
    ]

    /// Case-insensitive uniqueness: (table, column) pairs whose values may not repeat in
    /// another case.
    static let uniqueIgnoringCase = [("users", "username"), ("users", "email"), ("products", "sku")]

    @Test func theMigrationsProduceSchemaPostgresSQL() async throws {
        let migrated = try await TestDuka.make(.postgres)
        let migratedStorage = migrated.server.storage as! PostgresStorage
        // A database made from the schema file alone.
        let url = try await TestPostgres.shared.makeEmptyDatabase()
        var quiet = Logger(label: "schema-test")
        quiet.logLevel = .error
        let fromFile = try await PostgresStorage.connect(url: url, connections: 1, logger: quiet)
        let schema = try String(contentsOf: Self.repositoryRoot.appendingPathComponent("schema.postgres.sql"), encoding: .utf8)
        try await fromFile.unmanaged { db in
            for statement in PGMigrations.statements(of: schema) { try await db.execute(statement) }
        }
        let expected = try await Self.catalogue(fromFile)
        let found = try await Self.catalogue(migratedStorage).filter { !$0.contains("duka_migrations") }
        #expect(found == expected, "only in the migrated database: \(Set(found).subtracting(expected).sorted()); only from the file: \(Set(expected).subtracting(found).sorted())")
        #expect(expected.count > 80)
        await fromFile.close()
        await TestPostgres.shared.dropDatabase(url: url)
        try await migrated.run { _ in }
    }

    @Test(arguments: TestEngine.available) func bothEnginesHaveWhatTheAnswersNeed(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        for (table, columns) in Self.tables {
            let found: [String]
            let sql = engine == .sqlite
                ? "SELECT name FROM pragma_table_info('\(table)') ORDER BY cid"
                // PostgreSQL's folded copies of the searched columns are generated (derived
                // from these, never written nor copied): the columns that hold data agree.
                : """
                    SELECT column_name FROM information_schema.columns
                    WHERE table_schema = current_schema() AND table_name = '\(table)' AND is_generated = 'NEVER' ORDER BY ordinal_position
                    """
            found = try await duka.rows(sql, []).compactMap { $0[0].text }
            #expect(found == columns, "\(engine) \(table)")
        }
        for index in Self.indexes {
            let sql = engine == .sqlite
                ? "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = ?"
                : "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = ?"
            #expect(try await duka.scalarInt(sql, .text(index)) == 1, "\(engine) has no index \(index)")
        }
        // Uniqueness that ignores ASCII case, proved by trying: the second row is refused.
        for (table, column) in Self.uniqueIgnoringCase {
            let otherColumns = table == "users"
                ? "uuid, \(column == "username" ? "email" : "username"), password_hash, role, created_at, updated_at"
                : "name, unit_price_cents, created_at, updated_at"
            let values: (String) -> [TestValue] = { suffix in
                table == "users" ? [.text("u-\(suffix)-\(column)"), .text("other-\(suffix)-\(column)"), "h", "customer", 1, 1] : [.text("n-\(suffix)"), 1, 1, 1]
            }
            let placeholders = Array(repeating: "?", count: 1 + values("a").count).joined(separator: ", ")
            let insert = "INSERT INTO \(table) (\(column), \(otherColumns)) VALUES (\(placeholders))"
            try await duka.execute(insert, [.text("Mixed.Case")] + values("a"))
            await #expect(throws: (any Error).self, "\(engine) \(table).\(column)") {
                try await duka.execute(insert, [.text("mIXED.cASE")] + values("b"))
            }
        }
        try await duka.run { _ in }
    }

    /// Columns, constraints, indexes, triggers and functions, one line each.
    static func catalogue(_ storage: PostgresStorage) async throws -> [String] {
        try await storage.read { db in
            var lines: [String] = []
            for row in try await db.rows(
                """
                SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' ||
                       COALESCE(column_default, '-') || ' ' || COALESCE(collation_name, '-') || ' ' || is_identity || ' ' ||
                       COALESCE(generation_expression, '-')
                FROM information_schema.columns WHERE table_schema = current_schema()
                """
            ) { lines.append(row.string(0)) }
            for row in try await db.rows(
                """
                SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
                FROM pg_constraint WHERE connamespace = current_schema()::regnamespace
                """
            ) { lines.append(row.string(0)) }
            for row in try await db.rows("SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()") {
                lines.append(row.string(0))
            }
            for row in try await db.rows(
                "SELECT tgrelid::regclass::text || ' ' || pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal"
            ) { lines.append(row.string(0)) }
            for row in try await db.rows(
                "SELECT proname || ' ' || md5(prosrc) FROM pg_proc WHERE pronamespace = current_schema()::regnamespace AND prokind = 'f' AND proname LIKE 'duka_%'"
            ) { lines.append(row.string(0)) }
            for row in try await db.rows("SELECT 'counter ' || name || ' ' || value FROM counters") { lines.append(row.string(0)) }
            return lines.sorted()
        }
    }
}
