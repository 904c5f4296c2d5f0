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
                try connection.exec("PRAGMA user_version = \(target)")
                applied.append(target)
            }
        }
        connection.clearStatementCache()
        return applied
    }
}

public enum DukaDatabaseError: Error, CustomStringConvertible, Sendable {
    case notADatabase(path: String)
    case tooNew(path: String, found: Int64, known: Int64)
    case cannotOpen(path: String, reason: String)

    public var description: String {
        switch self {
        case .notADatabase(let path):
            return "\(path) is not a SQLite database; refusing to touch it."
        case .tooNew(let path, let found, let known):
            return "\(path) has schema version \(found), but this duka knows only up to \(known): it was written by a newer duka. Refusing to touch it; run the newer binary."
        case .cannotOpen(let path, let reason):
            return "cannot open \(path): \(reason)"
        }
    }
}

/// Opens Duka's database file: checks it, switches it to WAL, migrates it.
public enum DukaDatabase {
    /// A new file is created 0600 (SQLite's own would follow the umask). An existing one
    /// that group or others may read is tightened to 0600, each change reported to
    /// `tightened`, unless `sharedFile` (the operator's `--allow-shared-file`).
    public static func open(
        path: String,
        configuration: Database.Configuration = .init(),
        sharedFile: Bool = false,
        tightened: (PrivateFiles.Tightened) -> Void = { _ in }
    ) throws -> Database {
        do {
            try PrivateFiles.createIfAbsent(path)
        } catch {
            throw DukaDatabaseError.cannotOpen(path: path, reason: error.description)
        }
        let database: Database
        do {
            database = try Database.open(
                path: path,
                configuration: configuration,
                prepare: Migrations.checkCompatible,
                migrate: { try Migrations.migrate($0) }
            )
        } catch let error as SQLiteError where error.isNotADatabase {
            throw DukaDatabaseError.notADatabase(path: path)
        } catch let error as SQLiteError {
            throw DukaDatabaseError.cannotOpen(path: path, reason: error.message)
        }
        // After the checks, so a file that is refused is left untouched.
        if !sharedFile { PrivateFiles.tightenDatabase(path).forEach(tightened) }
        return database
    }
}

/// The OpenAPI 3.1 description of the API (openapi.json, compiled in).
public enum APIDescription {
    public static var json: String { EmbeddedResources.openAPI }
}

/// The web console's static files (console/, compiled in): file name -> contents.
public enum ConsoleFiles {
    public static var all: [String: String] { EmbeddedResources.console }
}
