import DukaCore
import DukaAssets
import SQLite

/// Numbered schema steps, compiled in from `migrations/` and tracked by `PRAGMA user_version`.
public enum Migrations {
    /// The schema version this binary produces.
    public static var latestVersion: Int64 { Int64(EmbeddedResources.migrations.count) }

    /// The version a database file is at.
    public static func version(of connection: Connection) throws -> Int64 {
        try connection.scalarInt("PRAGMA user_version") ?? 0
    }

    /// Refuses a database written by a newer Duka, before anything touches it.
    public static func checkCompatible(_ connection: Connection) throws {
        let found = try version(of: connection)
        guard found <= latestVersion else {
            throw DukaDatabaseError.tooNew(path: connection.path, found: found, known: latestVersion)
        }
    }

    /// Work of a step that SQL does slowly, run in the step's transaction after its SQL.
    static let followUps: [Int64: @Sendable (Connection) throws -> Void] = [
        // The counts of short searches for the users already there, then their blocks.
        3: { try SearchGramCounts.rebuildGrams(in: $0) },
        4: { try SearchGramCounts.rebuildBlocks(in: $0) },
        // The four-character indexes, for the users already there.
        9: { try SearchFours.rebuild(in: $0) },
    ]

    /// Applies every missing step, each in its own transaction; answers the versions applied.
    @discardableResult
    public static func migrate(_ connection: Connection) throws -> [Int64] {
        var applied: [Int64] = []
        for (offset, migration) in EmbeddedResources.migrations.enumerated() {
            let target = Int64(offset + 1)
            try connection.transaction(.immediate) {
                // Re-read inside the write lock: another process may have migrated meanwhile.
                guard try version(of: connection) < target else { return }
                try connection.exec(migration.sql)
                try followUps[target]?(connection)
                try connection.exec("PRAGMA user_version = \(target)")
                applied.append(target)
            }
        }
        // A bulk load that stopped before its end left the counts of short searches paused.
        if try latestVersion >= 3 && SearchGramCounts.isPaused(in: connection) {
            try connection.transaction(.immediate) {
                guard try SearchGramCounts.isPaused(in: connection) else { return }
                try SearchGramCounts.resume(in: connection)
                // The trigram index's bulk-load settings too (`FullTextBulkLoad`).
                try FullTextBulkLoad.end("users_search", in: connection)
            }
        }
        connection.clearStatementCache()
        return applied
    }
}
