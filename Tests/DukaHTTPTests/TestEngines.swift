import DukaAssets
import DukaCore
@testable import DukaHTTP
@testable import DukaPostgres
@testable import DukaSQLite
import Foundation
import Logging
import PostgresNIO
import SQLite
import Testing

/// The engines a test runs on: SQLite always; PostgreSQL when `DUKA_TEST_PG` names a
/// server (`.ci/run` starts a throwaway one). Each PostgreSQL test gets its own database,
/// copied from a migrated template, and drops it at the end.
enum TestEngine: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case sqlite
    case postgres

    static let postgresURL: String? = {
        guard let url = ProcessInfo.processInfo.environment["DUKA_TEST_PG"], !url.isEmpty else { return nil }
        return url
    }()

    static var available: [TestEngine] {
        postgresURL == nil ? [.sqlite] : [.sqlite, .postgres]
    }

    var testDescription: String { rawValue }
}

/// Creates and drops the per-test PostgreSQL databases.
actor TestPostgres {
    static let shared = TestPostgres()

    private var admin: PostgresStorage?

    private var serverLocation: PostgresLocation {
        get throws { try PostgresLocation(url: TestEngine.postgresURL!) }
    }

    /// The connection to the server's own database that creates and drops the others.
    private func adminStorage() async throws -> PostgresStorage {
        if let admin { return admin }
        var quiet = Logger(label: "duka-test-pg")
        quiet.logLevel = .error
        let storage = try await PostgresStorage.connect(url: TestEngine.postgresURL!, connections: 8, logger: quiet)
        admin = storage
        return storage
    }

    /// `sql` on the admin connection. Many tests create their databases at once, and on a
    /// loaded machine CREATE DATABASE can keep every admin connection for seconds: a busy
    /// pool is waited for again rather than failing the test that happened to wait.
    private func administer(_ sql: String) async throws {
        var attempt = 0
        while true {
            do {
                return try await adminStorage().unmanaged { try await $0.execute(sql) }
            } catch let error as StorageError where error.kind == .busy && attempt < 30 {
                // Under the whole suite on 2 cores the admin connections stayed busy past
                // five waits of 10 s (CI failed so once): wait longer rather than fail.
                attempt += 1
            } catch where PGErrors.server(error)?.state == "55006" && attempt < 20 {
                // CREATE DATABASE ... TEMPLATE is refused while anyone (autovacuum too)
                // is connected to the template: such a visit is short.
                attempt += 1
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// A new, empty, migrated database; answers its URL.
    func makeDatabase() async throws -> String {
        try await create(template: try await templateName(try await adminStorage()))
    }

    /// A new database with no schema at all; answers its URL.
    func makeEmptyDatabase() async throws -> String {
        try await create(template: nil)
    }

    private func create(template: String?) async throws -> String {
        let name = "duka_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased())"
        let create = "CREATE DATABASE \(name)" + (template.map { " TEMPLATE \($0)" } ?? "")
        try await administer(create)
        var location = try serverLocation
        location.database = name
        return location.url
    }

    private var templateTask: Task<String, any Error>?

    /// A migrated database that the tests' databases are copied from. Its name carries a
    /// digest of the migrations, so it is made once per schema and kept between runs.
    private func templateName(_ admin: PostgresStorage) async throws -> String {
        if let templateTask { return try await templateTask.value }
        let location = try serverLocation
        let task = Task<String, any Error> {
            var digest: UInt64 = 5381
            for byte in EmbeddedResources.postgresMigrations.map(\.sql).joined().utf8 { digest = digest &* 33 &+ UInt64(byte) }
            let name = "duka_test_template_\(String(digest, radix: 16))"
            let exists = try await admin.read { try await $0.scalarInt("SELECT 1 FROM pg_database WHERE datname = $1", name) } != nil
            if !exists {
                let building = name + "_\(UInt32.random(in: 0...UInt32.max))"
                let create = "CREATE DATABASE \(building)"
                try await self.administer(create)
                var target = location
                target.database = building
                var quiet = Logger(label: "duka-test-pg")
                quiet.logLevel = .error
                let migrated = try await PostgresStorage.open(url: target.url, connections: 1, logger: quiet)
                await migrated.close()
                // Another test process may have finished first: then its template stays.
                let rename = "ALTER DATABASE \(building) RENAME TO \(name)"
                do {
                    try await self.administer(rename)
                } catch {
                    let drop = "DROP DATABASE IF EXISTS \(building) WITH (FORCE)"
                    try? await admin.unmanaged { try await $0.execute(drop) }
                }
            }
            return name
        }
        templateTask = task
        return try await task.value
    }

    func dropDatabase(url: String) async {
        guard let name = try? PostgresLocation(url: url).database else { return }
        let drop = "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"
        do {
            try await administer(drop)
        } catch {
            print("could not drop \(name): \(String(reflecting: error))")
        }
    }
}

/// A value for the engine-neutral test fixtures below.
enum TestValue: Sendable, ExpressibleByIntegerLiteral, ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByNilLiteral {
    case int(Int64)
    case text(String)
    case bool(Bool)
    case null

    init(integerLiteral value: Int64) { self = .int(value) }
    init(stringLiteral value: String) { self = .text(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(nilLiteral: ()) { self = .null }

    var sqlite: any SQLBindable {
        switch self {
        case .int(let value): value
        case .text(let value): value
        case .bool(let value): value
        case .null: Optional<Int64>.none
        }
    }

    var postgres: any PGArgument {
        switch self {
        case .int(let value): value
        case .text(let value): value
        case .bool(let value): value
        case .null: Optional<Int64>.none
        }
    }
}

/// Direct SQL for setting up and checking rows, on either engine. Statements use `?`
/// placeholders (numbered `$1`, ... for PostgreSQL) and SQL both engines read (TRUE/FALSE
/// for booleans).
extension TestDuka {
    func execute(_ sql: String, _ values: TestValue...) async throws {
        _ = try await rows(sql, values)
    }

    func execute(_ sql: String, _ values: [TestValue]) async throws {
        _ = try await rows(sql, values)
    }

    /// Runs an INSERT and answers the new row's id.
    func insert(_ sql: String, _ values: TestValue...) async throws -> Int64 {
        switch server.storage {
        case let sqlite as SQLiteStorage:
            return try await sqlite.database.write { db in
                try db.execute(sql, arguments: values.map(\.sqlite))
                return db.lastInsertRowID
            }
        default:
            return try await rows(sql + " RETURNING id", values)[0][0].int ?? 0
        }
    }

    func scalarInt(_ sql: String, _ values: TestValue...) async throws -> Int64? {
        try await rows(sql, values).first?.first?.int
    }

    func scalarText(_ sql: String, _ values: TestValue...) async throws -> String? {
        try await rows(sql, values).first?.first?.text
    }

    /// Every row, each as its columns.
    func rows(_ sql: String, _ values: [TestValue]) async throws -> [[TestCell]] {
        switch server.storage {
        case let sqlite as SQLiteStorage:
            return try await sqlite.database.write { db in
                try db.query(sql, arguments: values.map(\.sqlite)) { row in
                    (0..<row.columnCount).map { TestCell(int: row.optionalInt64(Int32($0)), text: row.optionalString(Int32($0))) }
                }
            }
        case let postgres as PostgresStorage:
            var numbered = ""
            var number = 0
            for character in sql {
                if character == "?" {
                    number += 1
                    numbered += "$\(number)"
                } else {
                    numbered.append(character)
                }
            }
            let finalSQL = numbered
            return try await postgres.write { db in
                try await db.rows(finalSQL, values.map(\.postgres)).map { row in
                    (0..<row.count).map { index in
                        let isText = [PostgresDataType.text, .varchar, .name].contains(row.dataType(index))
                        return TestCell(int: isText ? nil : row.optionalInt64(index), text: isText ? row.optionalString(index) : nil)
                    }
                }
            }
        default:
            fatalError("unknown engine")
        }
    }
}

struct TestCell: Sendable {
    let int: Int64?
    let text: String?
}

extension TestDuka {
    /// Small blocks in `search_blocks` (the shipped ones hold 2,048 customers and 18 hours
    /// of sign-ups, more than a test makes), the users already there placed again: pages
    /// then start in blocks other than the first.
    func useSmallSearchBlocks(usersShift: Int64 = 0, customersShift: Int64 = 2) async throws {
        try await execute("UPDATE counters SET value = ? WHERE name = 'search_block_shift_u'", .int(usersShift))
        try await execute("UPDATE counters SET value = ? WHERE name = 'search_block_shift_c'", .int(customersShift))
        try await execute("DELETE FROM search_blocks")
        try await execute("INSERT INTO search_blocks (list, gram, block, bucket, count) \(searchBlocksRecount)")
        if engine == .postgres {
            // The lists' levels (list_blocks): blocks of 2, 8, 32 and 128 ids or seconds.
            try await execute("UPDATE list_block_shifts SET shift = 2 * level + 1")
            try await execute("DELETE FROM list_blocks")
            try await execute("INSERT INTO list_blocks (list, level, parent, block, bucket, count) SELECT * FROM duka_list_block_counts()")
        }
    }

    /// `search_grams` counted from scratch, in SQL.
    var searchGramsRecount: String {
        engine == .sqlite
            ? "SELECT list, gram, bucket, COUNT(*) FROM search_gram_rows GROUP BY list, gram, bucket"
            : "SELECT g.list, g.gram, g.bucket, SUM(g.sign) FROM users AS u CROSS JOIN LATERAL duka_search_gram_rows(u, 1) AS g GROUP BY 1, 2, 3"
    }

    /// `search_blocks` counted from scratch, in SQL.
    var searchBlocksRecount: String {
        engine == .sqlite
            ? "SELECT list, gram, block, bucket, COUNT(*) FROM search_gram_rows GROUP BY list, gram, block, bucket"
            : "SELECT g.list, g.gram, g.block, g.bucket, SUM(g.sign) FROM users AS u CROSS JOIN LATERAL duka_search_gram_rows(u, 1) AS g GROUP BY 1, 2, 3, 4"
    }
}
