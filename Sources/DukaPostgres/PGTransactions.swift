import DukaCore
import Logging
import NIOCore
import PostgresNIO

/// How the PostgreSQL engine runs a unit of work: one leased connection, one transaction,
/// committed before the answer leaves, PostgreSQL's failures turned into `StorageError`s.
extension PostgresStorage {
    /// A read in one snapshot (REPEATABLE READ, READ ONLY): a page and its count agree.
    func read<T: Sendable>(_ body: (PGSession) async throws -> T) async throws -> T {
        try await transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", work: .read, body)
    }

    /// A read of one statement, outside any transaction: a statement is its own snapshot,
    /// and BEGIN and COMMIT would triple the round trips of the hottest reads.
    func single<T: Sendable>(_ body: (PGSession) async throws -> T) async throws -> T {
        try await leased(work: .read) { connection in try await body(PGSession(connection: connection, logger: logger, statements: statements)) }
    }

    /// A read that first admits `access` against the user's row, in the same snapshot.
    func read<T: Sendable>(_ access: Access, _ body: (User, PGSession) async throws -> T) async throws -> T {
        try await read { db in
            let user = try access.admit(try await PGUsers.find(id: access.userID, in: db))
            return try await body(user, db)
        }
    }

    /// A change, READ COMMITTED: its guards take row locks (`FOR UPDATE`) or an advisory
    /// lock before they read, so two changes cannot both pass one. A deadlock or a
    /// serialization failure is retried from the start (nothing of it was committed).
    /// `limited: false` for work that may wait for another instance's (a first start).
    func write<T: Sendable>(limited: Bool = true, _ body: (PGSession) async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            do {
                return try await transaction("BEGIN", work: .write, limited: limited, body)
            } catch where attempt < 5 && PGErrors.isRetryable(error) {
                attempt += 1
                try await Task.sleep(for: .milliseconds(Int64.random(in: 1...10) * Int64(attempt)))
            }
        }
    }

    /// Statements that cannot run inside a transaction (CREATE DATABASE, migrations that
    /// manage their own), on one leased connection.
    func unmanaged<T: Sendable>(_ body: (PGSession) async throws -> T) async throws -> T {
        try await leased(work: .write, limited: false) { connection in try await body(PGSession(connection: connection, logger: logger)) }
    }

    private func transaction<T: Sendable>(
        _ begin: String, work: StorageMetrics.Work, limited: Bool = true, _ body: (PGSession) async throws -> T
    ) async throws -> T {
        try await leased(work: work, limited: limited) { connection in
            let session = PGSession(connection: connection, logger: logger, statements: statements)
            try await session.execute(begin)
            let result: T
            do {
                result = try await body(session)
            } catch {
                try? await session.execute("ROLLBACK")
                throw error
            }
            try await session.execute("COMMIT")
            return result
        }
    }

    /// `body` on a pooled connection, errors mapped. While the server is marked down: 503 at
    /// once. A wait for the connection is bounded by the pool's watch, and so is limited
    /// work (`PGPool.workLimit`) beyond the server's own statement and lock timeouts.
    /// The wait for the connection and the work on it are recorded as `work`.
    private func leased<T: Sendable>(
        work: StorageMetrics.Work, limited: Bool = true, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await metrics.counting {
            guard !health.isDown else { throw PGHealth.unavailable }
            let asked = ContinuousClock.now
            let (result, began) = try await PGErrors.mapped {
                try await pool.withConnection(limited: limited) { connection in
                    let began = ContinuousClock.now
                    return (try await body(connection), began)
                }
            }
            metrics.record(work, asked: asked, began: began)
            return result
        }
    }
}

/// PostgreSQL's errors, by SQLSTATE (https://www.postgresql.org/docs/15/errcodes-appendix.html).
/// postgres-nio reports them as `PSQLError`, or as the older `PostgresError` from prepared
/// statements; both are read here.
enum PGErrors {
    /// (SQLSTATE, constraint, message) of an error the server sent; nil for others.
    static func server(_ error: any Error) -> (state: String, constraint: String?, message: String)? {
        if let error = error as? PSQLError, error.code == .server {
            let state = error.serverInfo?[.sqlState] ?? ""
            return (state, error.serverInfo?[.constraintName], error.serverInfo?[.message] ?? state)
        }
        if case .server(let message)? = error as? PostgresError {
            let state = message.fields[.sqlState] ?? ""
            return (state, message.fields[.constraintName], message.fields[.message] ?? state)
        }
        return nil
    }

    /// A failure of the connection rather than of the statement.
    static func isConnectionFailure(_ error: any Error) -> Bool {
        if let error = error as? PSQLError { return error.code != .server }
        if let error = error as? PostgresError {
            if case .server = error { return false }
            return true
        }
        // A prepared statement's execution reports the socket's own failures as they are
        // (a reset when the server dies under it).
        return error is IOError || error is ChannelError
    }

    static func isUniqueViolation(_ error: any Error, constraint name: String? = nil) -> Bool {
        guard let server = server(error), server.state == "23505" else { return false }
        return name == nil || server.constraint == name
    }

    static func isForeignKeyViolation(_ error: any Error) -> Bool {
        server(error)?.state == "23503"
    }

    /// Serialization failure or deadlock: the transaction may simply run again.
    static func isRetryable(_ error: any Error) -> Bool {
        ["40001", "40P01"].contains(server(error)?.state)
    }

    /// Runs `body`, turning the server's and the connection's failures into `StorageError`.
    /// Constraint errors pass through: the stores turn them into domain refusals first.
    static func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error where isConnectionFailure(error) || server(error) != nil {
            guard let storageError = storageError(error) else { throw error }
            throw storageError
        }
    }

    static func storageError(_ error: any Error) -> StorageError? {
        guard let server = server(error) else {
            // Connection refused, closed or lost, TLS or authentication failures: the server
            // is out of reach for now.
            return StorageError(.unavailable, message: "\(error)")
        }
        switch server.state {
        case "53100": return StorageError(.full, message: server.message)
        case "25006": return StorageError(.readOnly, message: server.message)
        case "58030": return StorageError(.ioError, message: server.message)
        case "57014", "55P03", "53300": return StorageError(.busy, message: server.message)
        // Shutting down or starting, connection failures, a database or role that does not
        // exist, or a refused login: out of reach, whatever the request was.
        case _ where ["57P", "08", "3D", "28"].contains(where: server.state.hasPrefix): return StorageError(.unavailable, message: server.message)
        default: return nil
        }
    }
}
