import DukaCore
import SQLite

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
