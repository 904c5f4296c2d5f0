import CSQLite

/// An error reported by SQLite, keeping its (extended) result code and message.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    /// The extended result code (e.g. `SQLITE_CONSTRAINT_UNIQUE`).
    public let extendedCode: Int32
    public let message: String
    /// The SQL being run, for logs only (never for HTTP answers).
    public let sql: String?

    public init(extendedCode: Int32, message: String, sql: String? = nil) {
        self.extendedCode = extendedCode
        self.message = message
        self.sql = sql
    }

    /// The primary result code (low byte of the extended code).
    public var code: Int32 { extendedCode & 0xFF }

    public var isConstraintViolation: Bool { code == SQLITE_CONSTRAINT }
    public var isUniqueViolation: Bool {
        extendedCode == CSQLITE_CONSTRAINT_UNIQUE || extendedCode == CSQLITE_CONSTRAINT_PRIMARYKEY
    }
    public var isForeignKeyViolation: Bool { extendedCode == CSQLITE_CONSTRAINT_FOREIGNKEY }
    public var isCheckViolation: Bool { extendedCode == CSQLITE_CONSTRAINT_CHECK }
    public var isBusy: Bool { code == SQLITE_BUSY || code == SQLITE_LOCKED }
    public var isNotADatabase: Bool { code == SQLITE_NOTADB }
    /// The file's pages do not hold what SQLite wrote (a damaged file).
    public var isCorrupt: Bool { code & 0xFF == SQLITE_CORRUPT }
    /// The disk or the database's size limit is full.
    public var isFull: Bool { code == SQLITE_FULL }
    public var isReadOnly: Bool { code == SQLITE_READONLY || code == SQLITE_CANTOPEN || code == SQLITE_PERM }
    /// The operating system reported an I/O error (a failing or vanished disk).
    public var isIOError: Bool { code == SQLITE_IOERR }

    public var description: String {
        "SQLite error \(extendedCode): \(message)"
    }
}
