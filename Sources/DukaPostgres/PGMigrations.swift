import DukaAssets
import DukaCore
import Logging
import PostgresNIO

/// PostgreSQL's numbered schema steps (migrations/postgres/, compiled in), recorded in
/// `duka_migrations`. Applied under a session advisory lock, so several instances started
/// at once migrate once; a database written by a newer Duka is refused untouched.
public enum PGMigrations {
    public static var latestVersion: Int64 { Int64(EmbeddedResources.postgresMigrations.count) }

    /// `pg_advisory_lock`'s key: "duka" in ASCII.
    static let lockKey: Int64 = 0x6475_6B61

    public struct TooNew: Error, CustomStringConvertible {
        public let found: Int64
        public let known: Int64
        public var description: String {
            "the database is at schema version \(found), written by a newer Duka; this binary knows up to \(known). Run a newer duka."
        }
    }

    /// Applies every missing step, each in its own transaction; answers the versions applied.
    @discardableResult
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws -> [Int64] {
        let db = PGSession(connection: connection, logger: logger)
        // Asked for again and again rather than waited for: a wait for a lock ends with the
        // session's lock_timeout (10 s), and another instance's migration may take longer
        // (four instances starting at once on a loaded machine failed that way).
        var waiting = false
        while try await db.scalarInt("SELECT CASE WHEN pg_try_advisory_lock($1) THEN 1 ELSE 0 END", lockKey) != 1 {
            if !waiting { logger.notice("waiting for another instance to finish migrating the database") }
            waiting = true
            try await Task.sleep(for: .milliseconds(100))
        }
        do {
            let applied = try await migrateLocked(db)
            try await endAPauseLeftBehind(db)
            try await db.execute("SELECT pg_advisory_unlock($1)", lockKey)
            return applied
        } catch {
            try? await db.execute("SELECT pg_advisory_unlock($1)", lockKey)
            throw error
        }
    }

    /// A bulk load that stopped before its end left the short-search triggers paused
    /// (migration 9): count every user now, before anything is served.
    private static func endAPauseLeftBehind(_ db: PGSession) async throws {
        guard try await version(db) >= PGSearchGramCounts.since, try await PGSearchGramCounts.isPaused(in: db) else { return }
        try await db.execute("BEGIN")
        do {
            if try await PGSearchGramCounts.isPaused(in: db) { try await PGSearchGramCounts.resume(in: db) }
            try await db.execute("COMMIT")
        } catch {
            try? await db.execute("ROLLBACK")
            throw error
        }
    }

    /// The version a database is at (0: no Duka schema yet).
    static func version(_ db: PGSession) async throws -> Int64 {
        let exists = try await db.scalarInt("SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'duka_migrations'")
        guard exists != nil else { return 0 }
        return try await db.scalarInt("SELECT COALESCE(MAX(version), 0) FROM duka_migrations") ?? 0
    }

    private static func migrateLocked(_ db: PGSession) async throws -> [Int64] {
        let found = try await version(db)
        guard found <= latestVersion else { throw TooNew(found: found, known: latestVersion) }
        var applied: [Int64] = []
        for (offset, migration) in EmbeddedResources.postgresMigrations.enumerated() where Int64(offset + 1) > found {
            let target = Int64(offset + 1)
            try await db.execute("BEGIN")
            do {
                try await db.execute(
                    "CREATE TABLE IF NOT EXISTS duka_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"
                )
                for statement in statements(of: migration.sql) { try await db.execute(statement) }
                try await db.execute(
                    "INSERT INTO duka_migrations (version, name, applied_at) VALUES ($1, $2, $3)", target, migration.name, Timestamp.now()
                )
                try await db.execute("COMMIT")
            } catch {
                try? await db.execute("ROLLBACK")
                throw error
            }
            applied.append(target)
        }
        return applied
    }

    /// A script's statements, split at semicolons outside quotes, `$$` bodies and comments
    /// (the extended protocol takes one statement at a time).
    static func statements(of script: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var characters = Array(script)[...]
        var inQuote = false
        var inDollar = false
        while let character = characters.popFirst() {
            if !inQuote, !inDollar, character == "-", characters.first == "-" {
                while let next = characters.first, next != "\n" { characters.removeFirst() }
                continue
            }
            if !inDollar, character == "'" { inQuote.toggle() }
            if !inQuote, character == "$", characters.first == "$" {
                inDollar.toggle()
                current.append(character)
                current.append(characters.removeFirst())
                continue
            }
            if !inQuote, !inDollar, character == ";" {
                let statement = current.trimmingWhitespace()
                if !statement.isEmpty { statements.append(statement) }
                current = ""
                continue
            }
            current.append(character)
        }
        let last = current.trimmingWhitespace()
        if !last.isEmpty { statements.append(last) }
        return statements
    }
}
