import CSQLite

/// One SQLite connection. Not thread-safe by itself: the `Database` hands each connection
/// to one thread at a time, which is why it can be marked `@unchecked Sendable`.
public final class Connection: @unchecked Sendable {
    public struct OpenMode: Sendable {
        let flags: Int32
        public static let readWriteCreate = OpenMode(flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        public static let readWrite = OpenMode(flags: SQLITE_OPEN_READWRITE)
        public static let readOnly = OpenMode(flags: SQLITE_OPEN_READONLY)
    }

    public enum TransactionKind: String, Sendable {
        /// Takes the write lock at once: what every write transaction should use.
        case immediate = "BEGIN IMMEDIATE"
        case deferred = "BEGIN DEFERRED"
    }

    let handle: OpaquePointer
    public let path: String
    private var statements: [String: Statement] = [:]

    /// Library-wide settings, applied once before the first connection opens. A refusal
    /// (SQLite already initialised by someone else) only leaves the defaults in place.
    private static let libraryConfigured: Bool = csqlite_disable_memory_statistics() == SQLITE_OK

    /// Whether SQLite counts its allocations (`sqlite3_memory_used` is 0 when it does not).
    static var memoryStatisticsAreKept: Bool { sqlite3_memory_used() > 0 }

    public init(path: String, mode: OpenMode = .readWriteCreate) throws {
        _ = Self.libraryConfigured
        var handle: OpaquePointer?
        // NOMUTEX: the pool guarantees one thread at a time per connection.
        let flags = mode.flags | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let rc = sqlite3_open_v2(path, &handle, flags, nil)
        guard rc == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open database"
            sqlite3_close_v2(handle)
            throw SQLiteError(extendedCode: rc, message: message)
        }
        sqlite3_extended_result_codes(handle, 1)
        // Plans that never depend on bound values (see csqlite_enable_stable_plans): a short
        // search binds its LIKE pattern, and each new pattern prepared the statement again.
        let stable = csqlite_enable_stable_plans(handle)
        guard stable == SQLITE_OK else {
            sqlite3_close_v2(handle)
            throw SQLiteError(extendedCode: stable, message: "could not enable stable query plans")
        }
        self.handle = handle
        self.path = path
    }

    deinit {
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    func error(_ rc: Int32, sql: String?) -> SQLiteError {
        let extended = sqlite3_extended_errcode(handle)
        let code = (extended & 0xFF) == (rc & 0xFF) ? extended : rc
        return SQLiteError(extendedCode: code, message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }

    // MARK: Running SQL

    /// Runs one or more statements without parameters (schema scripts, pragmas).
    public func exec(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &message)
        if rc != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(message)
            throw SQLiteError(extendedCode: sqlite3_extended_errcode(handle), message: text, sql: sql)
        }
    }

    /// The cached prepared statement for `sql`, prepared on first use.
    public func statement(_ sql: String) throws -> Statement {
        if let cached = statements[sql] { return cached }
        let statement = try Statement(connection: self, sql: sql)
        statements[sql] = statement
        return statement
    }

    /// Runs a statement that returns no rows; answers the number of rows it changed.
    @discardableResult
    public func execute(_ sql: String, _ arguments: any SQLBindable...) throws -> Int {
        try execute(sql, arguments: arguments)
    }

    @discardableResult
    public func execute(_ sql: String, arguments: [any SQLBindable]) throws -> Int {
        let statement = try statement(sql)
        try statement.bind(arguments)
        defer { statement.finish() }
        while try statement.step() {}
        return Int(sqlite3_changes64(handle))
    }

    /// Inserts rows of `columns` values each, given one after the other in `values`,
    /// through `prefix` (`INSERT INTO t (a, b) VALUES`), `perStatement` rows a statement.
    /// In a transaction of many statements, each statement with triggers keeps a journal
    /// of the pages it changes, to undo it alone: a statement a row made a bulk load of
    /// users twice as slow. Values that are not whole rows are refused, nothing inserted.
    public func insertRows(_ prefix: String, columns: Int, values: [any SQLBindable], perStatement: Int = 200) throws {
        guard columns > 0, values.count % columns == 0 else {
            throw SQLiteError(extendedCode: SQLITE_MISUSE, message: "\(values.count) values are not rows of \(columns)", sql: prefix)
        }
        let row = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
        // Within the library's limit of bound values a statement (32,766 since SQLite 3.32).
        let perStatement = max(1, min(perStatement, Int(sqlite3_limit(handle, SQLITE_LIMIT_VARIABLE_NUMBER, -1)) / columns))
        var start = 0
        while start < values.count {
            let end = min(start + perStatement * columns, values.count)
            try execute(prefix + " " + Array(repeating: row, count: (end - start) / columns).joined(separator: ", "), arguments: Array(values[start..<end]))
            start = end
        }
    }

    /// Runs a query and maps every row.
    public func query<T>(_ sql: String, _ arguments: any SQLBindable..., row map: (Row) throws -> T) throws -> [T] {
        try query(sql, arguments: arguments, row: map)
    }

    public func query<T>(_ sql: String, arguments: [any SQLBindable], row map: (Row) throws -> T) throws -> [T] {
        let statement = try statement(sql)
        try statement.bind(arguments)
        defer { statement.finish() }
        var results: [T] = []
        while try statement.step() {
            results.append(try map(Row(handle: statement.handle)))
        }
        return results
    }

    /// Runs a query and gives each row to `body` until it answers false.
    public func forEach(_ sql: String, arguments: [any SQLBindable], while body: (Row) throws -> Bool) throws {
        let statement = try statement(sql)
        try statement.bind(arguments)
        defer { statement.finish() }
        while try statement.step() {
            guard try body(Row(handle: statement.handle)) else { return }
        }
    }

    /// Runs a query and maps its first row, if any.
    public func queryFirst<T>(_ sql: String, _ arguments: any SQLBindable..., row map: (Row) throws -> T) throws -> T? {
        try queryFirst(sql, arguments: arguments, row: map)
    }

    public func queryFirst<T>(_ sql: String, arguments: [any SQLBindable], row map: (Row) throws -> T) throws -> T? {
        let statement = try statement(sql)
        try statement.bind(arguments)
        defer { statement.finish() }
        guard try statement.step() else { return nil }
        return try map(Row(handle: statement.handle))
    }

    /// The first column of the first row as an integer (for counts and pragmas).
    public func scalarInt(_ sql: String, _ arguments: any SQLBindable...) throws -> Int64? {
        try scalarInt(sql, arguments: arguments)
    }

    public func scalarInt(_ sql: String, arguments: [any SQLBindable]) throws -> Int64? {
        try queryFirst(sql, arguments: arguments) { $0.isNull(0) ? nil : $0.int64(0) } ?? nil
    }

    /// The version of the SQLite library linked in ("3.46.1").
    public static var libraryVersion: String { String(cString: sqlite3_libversion()) }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    // MARK: Transactions

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    @discardableResult
    public func transaction<T>(_ kind: TransactionKind = .immediate, _ body: () throws -> T) throws -> T {
        // Prepared once and cached: these run around every request's queries.
        try execute(kind.rawValue)
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            // The transaction may already be gone (SQLite rolls back by itself on some errors).
            if isInTransaction { try? execute("ROLLBACK") }
            throw error
        }
    }

    // MARK: Configuration

    /// How hard SQLite works to get each commit onto the disk.
    public enum Synchronous: String, Sendable, CaseIterable {
        case off = "OFF", normal = "NORMAL", full = "FULL", extra = "EXTRA"
    }

    /// Applies the connection pragmas Duka relies on.
    public func configure(busyTimeoutMilliseconds: Int32, synchronous: Synchronous, walMode: Bool) throws {
        sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
        if walMode {
            let mode = try queryFirst("PRAGMA journal_mode=WAL") { $0.string(0) }
            guard mode?.lowercased() == "wal" else {
                throw SQLiteError(extendedCode: SQLITE_ERROR, message: "could not switch to WAL mode (got \(mode ?? "nothing"))")
            }
        }
        try exec("PRAGMA foreign_keys=ON")
        try exec("PRAGMA synchronous=\(synchronous.rawValue)")
    }

    /// Frees cached statements, e.g. after a schema change.
    public func clearStatementCache() {
        statements.removeAll()
    }
}
