import Foundation
import Testing

import CSQLite
@testable import SQLite

func temporaryDatabasePath() throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sqlite-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory.appendingPathComponent("test.sqlite").path
}

@Suite struct ConnectionTests {
    @Test func bindsAndReadsEveryType() throws {
        let db = try Connection(path: ":memory:")
        try db.exec("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n TEXT)")
        let text = "Karibu \u{0} duka 🛒"
        try db.execute("INSERT INTO t VALUES (?, ?, ?, ?, ?)", Int64.max, 2.5, text, [UInt8]([0, 1, 255]), String?.none)
        let row = try #require(try db.queryFirst("SELECT i, r, s, b, n FROM t") { row in
            (row.int64(0), row.double(1), row.string(2), row.blob(3), row.optionalString(4), row.isNull(4))
        })
        #expect(row.0 == Int64.max)
        #expect(row.1 == 2.5)
        #expect(row.2 == text)
        #expect(row.3 == [0, 1, 255])
        #expect(row.4 == nil)
        #expect(row.5)
        try db.execute("INSERT INTO t (s) VALUES (?)", "")
        #expect(try db.scalarInt("SELECT COUNT(*) FROM t WHERE s = ''") == 1)
    }

    /// SQLite keeps no allocation statistics in this process (they cost a global mutex
    /// around every malloc, which the reader threads contended for).
    @Test func memoryStatisticsAreOff() throws {
        let db = try Connection(path: ":memory:")
        try db.exec("CREATE TABLE t(x); INSERT INTO t VALUES (randomblob(100000));")
        #expect(Connection.memoryStatisticsAreKept == false)
    }

    /// Rows inserted several to a statement, a short last statement included, in order,
    /// and no statement at all for no rows; never more bound values than the library takes.
    @Test func insertsRowsSeveralToAStatement() throws {
        let db = try Connection(path: ":memory:")
        try db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT, n INTEGER)")
        let rows: [[any SQLBindable]] = (1...1_000).map { (index: Int) -> [any SQLBindable] in
            let n: Int64? = index % 3 == 0 ? nil : Int64(index * 2)
            return [Int64(index), "row \(index)", n]
        }
        try db.insertRows("INSERT INTO t (id, s, n) VALUES", columns: 3, values: rows.flatMap { $0 }, perStatement: 7)
        try db.insertRows("INSERT INTO t (id, s, n) VALUES", columns: 3, values: [])
        #expect(try db.scalarInt("SELECT COUNT(*) FROM t") == 1_000)
        #expect(try db.scalarInt("SELECT COUNT(*) FROM t WHERE s = 'row ' || id AND n IS (CASE WHEN id % 3 = 0 THEN NULL ELSE id * 2 END)") == 1_000)
        // More rows a statement than the library's limit of bound values allows: cut to fit.
        sqlite3_limit(db.handle, SQLITE_LIMIT_VARIABLE_NUMBER, 30)
        try db.insertRows("INSERT INTO t (id, s, n) VALUES", columns: 3, values: rows.flatMap { row -> [any SQLBindable] in [(row[0] as! Int64) + 1_000, row[1], row[2]] }, perStatement: 500)
        #expect(try db.scalarInt("SELECT COUNT(*) FROM t") == 2_000)
        // Values that are not whole rows: refused, nothing inserted.
        #expect(throws: SQLiteError.self) { try db.insertRows("INSERT INTO t (id, s, n) VALUES", columns: 3, values: [Int64(5_000), "x"]) }
        #expect(try db.scalarInt("SELECT COUNT(*) FROM t") == 2_000)
    }

    @Test func cachesStatementsPerConnection() throws {
        let db = try Connection(path: ":memory:")
        let first = try db.statement("SELECT 1")
        let second = try db.statement("SELECT 1")
        #expect(first === second)
    }

    @Test func aBoundLikePatternDoesNotPrepareTheStatementAgain() throws {
        // Without the stability guarantee, every new pattern bound to a LIKE marked the
        // statement expired, and each step prepared it anew (short searches: 240 -> 154 µs).
        let db = try Connection(path: ":memory:")
        try db.exec("CREATE TABLE t (name TEXT COLLATE NOCASE UNIQUE); INSERT INTO t VALUES ('kamau'), ('wanjiku'), ('otieno')")
        let sql = #"SELECT COUNT(*) FROM t WHERE name LIKE ? ESCAPE '\'"#
        for (pattern, count) in [("%a%", 2), ("%o%", 1), ("K%", 1), ("%u", 2), ("%zz%", 0), ("%a%", 2)] {
            #expect(try db.scalarInt(sql, pattern) == Int64(count), "\(pattern)")
        }
        #expect(try db.statement(sql).timesPreparedAgain == 0)
    }

    @Test func wrongArgumentCountsAreErrors() throws {
        let db = try Connection(path: ":memory:")
        #expect(throws: SQLiteError.self) { try db.execute("SELECT ?, ?", 1) }
    }

    @Test func transactionsCommitOrRollBack() throws {
        let db = try Connection(path: ":memory:")
        try db.exec("CREATE TABLE t (x INTEGER NOT NULL UNIQUE)")
        try db.transaction { try db.execute("INSERT INTO t VALUES (1)") }
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try db.transaction {
                try db.execute("INSERT INTO t VALUES (2)")
                throw Boom()
            }
        }
        #expect(try db.scalarInt("SELECT COUNT(*) FROM t") == 1)
        #expect(!db.isInTransaction)
    }

    @Test func constraintViolationsAreDistinguishable() throws {
        let db = try Connection(path: ":memory:")
        try db.exec("PRAGMA foreign_keys=ON; CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT UNIQUE, n INTEGER CHECK (n > 0)); CREATE TABLE c (p INTEGER REFERENCES p(id))")
        try db.execute("INSERT INTO p (name, n) VALUES ('a', 1)")
        do {
            try db.execute("INSERT INTO p (name, n) VALUES ('a', 1)")
            Issue.record("expected a unique violation")
        } catch let error as SQLiteError {
            #expect(error.isConstraintViolation && error.isUniqueViolation)
        }
        do {
            try db.execute("INSERT INTO p (name, n) VALUES ('b', 0)")
            Issue.record("expected a check violation")
        } catch let error as SQLiteError {
            #expect(error.isCheckViolation && !error.isUniqueViolation)
        }
        do {
            try db.execute("INSERT INTO c VALUES (99)")
            Issue.record("expected a foreign key violation")
        } catch let error as SQLiteError {
            #expect(error.isForeignKeyViolation)
        }
    }
}

@Suite struct DatabaseTests {
    @Test func writesAreSerialisedAndReadsSeeThem() async throws {
        let path = try temporaryDatabasePath()
        let database = try Database.open(path: path, configuration: .init(readers: 2)) { _ in } migrate: { db in
            try db.exec("CREATE TABLE IF NOT EXISTS counter (n INTEGER NOT NULL)")
            try db.exec("INSERT INTO counter SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM counter)")
        }
        // 200 concurrent read-modify-write increments: serialised writes lose none.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<200 {
                group.addTask {
                    try await database.write { db in
                        let n = try db.scalarInt("SELECT n FROM counter")!
                        try db.execute("UPDATE counter SET n = ?", n + 1)
                    }
                }
                group.addTask { _ = try await database.read { try $0.scalarInt("SELECT n FROM counter") } }
            }
            try await group.waitForAll()
        }
        #expect(try await database.read { try $0.scalarInt("SELECT n FROM counter") } == 200)
        await database.close()
    }

    @Test func readersCannotWrite() async throws {
        let path = try temporaryDatabasePath()
        let database = try Database.open(path: path, configuration: .init(readers: 1)) { _ in } migrate: { db in
            try db.exec("CREATE TABLE t (x)")
        }
        await #expect(throws: SQLiteError.self) {
            try await database.read { try $0.execute("INSERT INTO t VALUES (1)") }
        }
        await database.close()
    }

    @Test func aThrownWriteLeavesNothingBehind() async throws {
        let path = try temporaryDatabasePath()
        let database = try Database.open(path: path, configuration: .init(readers: 1)) { _ in } migrate: { db in
            try db.exec("CREATE TABLE t (x)")
        }
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            try await database.write { db in
                try db.execute("INSERT INTO t VALUES (1)")
                throw Refused()
            }
        }
        #expect(try await database.read { try $0.scalarInt("SELECT COUNT(*) FROM t") } == 0)
        await database.close()
    }
}

@Suite struct BackupTests {
    /// A backup taken while another connection writes is one consistent snapshot that
    /// holds every row committed before it began.
    @Test func onlineBackupIsConsistent() async throws {
        let path = try temporaryDatabasePath()
        let database = try Database.open(path: path, configuration: .init(readers: 1)) { _ in } migrate: { db in
            try db.exec("CREATE TABLE IF NOT EXISTS sale (id INTEGER PRIMARY KEY, total INTEGER NOT NULL); CREATE TABLE IF NOT EXISTS ledger (total INTEGER NOT NULL)")
            try db.exec("INSERT INTO ledger SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM ledger)")
        }
        // Each write adds a sale and its amount to the ledger in one transaction.
        @Sendable func sell(_ amount: Int64) async throws {
            try await database.write { db in
                try db.execute("INSERT INTO sale (total) VALUES (?)", amount)
                try db.execute("UPDATE ledger SET total = total + ?", amount)
            }
        }
        for amount in 1...200 { try await sell(Int64(amount)) }
        let writer = Task {
            for amount in 201...2000 { try await sell(Int64(amount)) }
        }
        let copy = path + ".backup"
        let pages = try Connection(path: path, mode: .readOnly).backup(to: copy)
        try await writer.value
        await database.close()
        #expect(pages > 0)
        let restored = try Connection(path: copy, mode: .readOnly)
        let sales = try #require(try restored.scalarInt("SELECT COUNT(*) FROM sale"))
        let sum = try restored.scalarInt("SELECT COALESCE(SUM(total), 0) FROM sale")
        #expect(sales >= 200)
        #expect(try restored.scalarInt("SELECT total FROM ledger") == sum)
        #expect(try restored.queryFirst("PRAGMA integrity_check") { $0.string(0) } == "ok")
    }
}
