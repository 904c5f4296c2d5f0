import ArgumentParser
import Logging

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

    static func makeLogger(level: Logger.Level) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "duka")
        logger.logLevel = level
        return logger
    }
}

/// `--db`, shared by every command that opens the database.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: "The SQLite file (env DUKA_DB; default ./duka.sqlite).")
    var path: String?

    var resolvedPath: String { path ?? Env.string("DUKA_DB") ?? "./duka.sqlite" }
}
