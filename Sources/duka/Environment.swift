import ArgumentParser
import DukaCore
import DukaPostgres
import DukaSQLite
import DukaHTTP
import Logging
import SQLite

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Flags win; `DUKA_*` environment variables are the fallback; then the default.
enum Env {
    static func string(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    static func int(_ name: String, flag: Int?, default value: Int, range: ClosedRange<Int>) throws -> Int {
        if let flag {
            guard range.contains(flag) else { throw ValidationError("\(name) must be within \(range.lowerBound)...\(range.upperBound)") }
            return flag
        }
        guard let text = string(name) else { return value }
        guard let parsed = Int(text), range.contains(parsed) else {
            throw ValidationError("\(name)=\(text) is not a whole number within \(range.lowerBound)...\(range.upperBound)")
        }
        return parsed
    }

    /// The flag, else the variable, else nil; checked against `range`.
    static func optionalInt(_ name: String, flag: Int?, range: ClosedRange<Int>) throws -> Int? {
        guard flag != nil || string(name) != nil else { return nil }
        return try int(name, flag: flag, default: range.lowerBound, range: range)
    }

    /// A repeatable flag, else the variable's comma-separated items.
    static func list(_ name: String, flag: [String]) throws -> [String] {
        guard flag.isEmpty else { return flag }
        return string(name)?.split(separator: ",").map { String($0.filter { !$0.isWhitespace }) }.filter { !$0.isEmpty } ?? []
    }

    static func bool(_ name: String, flag: Bool) throws -> Bool {
        if flag { return true }
        guard let text = string(name) else { return false }
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ValidationError("\(name)=\(text) is not a boolean")
        }
    }

    static func logLevel(flag: String?) throws -> Logger.Level {
        let text = flag ?? string("DUKA_LOG_LEVEL") ?? "info"
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw ValidationError("log level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return level
    }

    enum LogFormat: String, CaseIterable {
        case text, json
    }

    static func logFormat(flag: String?) throws -> LogFormat {
        let text = flag ?? string("DUKA_LOG_FORMAT") ?? "text"
        guard let format = LogFormat(rawValue: text.lowercased()) else {
            throw ValidationError("log format must be text or json")
        }
        return format
    }

    static func makeLogger(level: Logger.Level, format: LogFormat = .text) -> Logger {
        LoggingSystem.bootstrap { label in
            switch format {
            case .text:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            case .json:
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        }
        var logger = Logger(label: "duka")
        logger.logLevel = level
        return logger
    }
}

/// `--db` and `--allow-shared-file`, shared by every command that opens the database.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: "The SQLite file, or a postgres:// URL (env DUKA_DB; default ./duka.sqlite).")
    var path: String?

    @Flag(help: "Keep the database file's permissions as they are; by default a file that other users may read is made 0600 (env DUKA_ALLOW_SHARED_FILE).")
    var allowSharedFile = false

    var resolvedPath: String { path ?? Env.string("DUKA_DB") ?? "./duka.sqlite" }

    /// True when `--db` names a PostgreSQL server rather than a SQLite file.
    var isPostgres: Bool { PostgresLocation.isURL(resolvedPath) }

    /// What logs and messages call the database: the file path, or the URL without its password.
    var displayName: String {
        (try? PostgresLocation(url: resolvedPath).redacted) ?? resolvedPath
    }

    /// Opens the engine `--db` names, created and migrated. `connections` is the SQLite
    /// engine's reader count, or the PostgreSQL pool's size.
    func openStorage(
        connections: Int, logger: Logger, externalCheckpoints: Bool = false, tightened: @escaping (PrivateFiles.Tightened) -> Void
    ) async throws -> any Storage {
        if isPostgres {
            return try await PostgresStorage.open(url: resolvedPath, connections: connections, logger: logger)
        }
        return try SQLiteStorage.open(
            path: resolvedPath, readers: connections, sharedFile: try sharedFile(), externalCheckpoints: externalCheckpoints,
            tightened: tightened
        )
    }

    /// `openStorage` for a one-off command: a database that cannot be opened ends the
    /// command with its reason and exit code 1.
    func openStorageForCommand() async throws -> any Storage {
        var quiet = Logger(label: "duka")
        quiet.logLevel = .error
        do {
            return try await openStorage(connections: 2, logger: quiet) { printError($0.description) }
        } catch let error as DukaDatabaseError {
            printError(error.description)
            throw ExitCode(1)
        } catch let error as PostgresLocation.Invalid {
            printError("--db: \(error.description)")
            throw ExitCode(2)
        } catch let error as PGMigrations.TooNew {
            printError("\(displayName): \(error.description)")
            throw ExitCode(1)
        } catch let error as StorageError {
            printError("\(displayName): \(error.description)")
            throw ExitCode(1)
        }
    }

    func sharedFile() throws -> Bool {
        try Env.bool("DUKA_ALLOW_SHARED_FILE", flag: allowSharedFile)
    }

    /// Opens (creating 0600, migrating) the file for a one-off command; tightened
    /// permissions are reported on standard error. A file that cannot be opened ends the
    /// command with its reason and exit code 1.
    func open(configuration: Database.Configuration) throws -> Database {
        do {
            return try DukaDatabase.open(path: resolvedPath, configuration: configuration, sharedFile: try sharedFile()) { tightened in
                printError(tightened.description)
            }
        } catch let error as DukaDatabaseError {
            printError(error.description)
            throw ExitCode(1)
        }
    }
}
