import CSQLite

/// A prepared statement. Owned by one `Connection`, which caches it by its SQL text.
public final class Statement {
    let handle: OpaquePointer
    public let sql: String
    private unowned let connection: Connection

    init(connection: Connection, sql: String) throws {
        var handle: OpaquePointer?
        let rc = sqlite3_prepare_v3(connection.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &handle, nil)
        guard rc == SQLITE_OK, let handle else {
            sqlite3_finalize(handle)
            throw connection.error(rc, sql: sql)
        }
        self.handle = handle
        self.sql = sql
        self.connection = connection
    }

    deinit {
        sqlite3_finalize(handle)
    }

    /// How many times SQLite has prepared this statement again by itself (a schema change,
    /// or a plan that depended on a bound value).
    var timesPreparedAgain: Int32 {
        sqlite3_stmt_status(handle, SQLITE_STMTSTATUS_REPREPARE, 0)
    }

    /// Binds `arguments` to the parameters `?1...?n`, after clearing earlier state.
    func bind(_ arguments: [any SQLBindable]) throws {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard expected == arguments.count else {
            throw SQLiteError(
                extendedCode: SQLITE_RANGE,
                message: "expected \(expected) arguments, got \(arguments.count)",
                sql: sql
            )
        }
        for (offset, argument) in arguments.enumerated() {
            let index = Int32(offset + 1)
            let rc: Int32
            switch argument.sqlValue {
            case .null:
                rc = sqlite3_bind_null(handle, index)
            case .integer(let value):
                rc = sqlite3_bind_int64(handle, index, value)
            case .real(let value):
                rc = sqlite3_bind_double(handle, index, value)
            case .text(let value):
                // An explicit length, so a NUL inside the text is kept rather than cutting it.
                var value = value
                rc = value.withUTF8 { bytes in
                    bytes.withMemoryRebound(to: CChar.self) { chars in
                        // A NULL pointer would bind SQL NULL, so the empty string gets a real one.
                        if let base = chars.baseAddress {
                            return sqlite3_bind_text(handle, index, base, Int32(chars.count), csqlite_transient())
                        }
                        return sqlite3_bind_text(handle, index, "", 0, csqlite_transient())
                    }
                }
            case .blob(let value):
                rc = value.withUnsafeBytes { bytes in
                    sqlite3_bind_blob(handle, index, bytes.baseAddress, Int32(bytes.count), csqlite_transient())
                }
            }
            guard rc == SQLITE_OK else { throw connection.error(rc, sql: sql) }
        }
    }

    /// Steps once: true when a row is available.
    func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = connection.error(rc, sql: sql)
            sqlite3_reset(handle)
            throw error
        }
    }

    /// Releases locks and bound values once the caller is done with the rows.
    func finish() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }
}
