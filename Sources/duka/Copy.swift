import ArgumentParser
import DukaCore
import DukaPostgres
import DukaSQLite
import Logging
import SQLite

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

struct Copy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy a whole Duka database into a new one: SQLite file or PostgreSQL URL, either way.",
        discussion: """
            Keeps every id, uuid, password hash, session version, time and the audit log, so tokens \
            and links keep working on the copy. The target must be empty (a new file, or a new \
            PostgreSQL database). Counts and a SHA-256 digest of every table are checked on both \
            sides. Stop the servers writing to the source first.
            """
    )

    @Option(help: "The source: a SQLite file or a postgres:// URL.") var from: String
    @Option(help: "The target: a new SQLite file or an empty PostgreSQL database's URL.") var to: String
    @Flag(help: "Keep the target file's permissions as they are (SQLite).") var allowSharedFile = false

    func run() async throws {
        var quiet = Logger(label: "duka")
        quiet.logLevel = .error
        if !PostgresLocation.isURL(from), !FileManager.default.fileExists(atPath: from) {
            printError("\(from) does not exist")
            throw ExitCode(1)
        }
        let source = try await endpoint(from, logger: quiet)
        let target = try await endpoint(to, logger: quiet)
        let started = ContinuousClock.now
        do {
            var lastShown = ContinuousClock.now
            let reports = try await TableCopy.copy(from: source.endpoint, to: target.endpoint) { table, copied, total in
                let now = ContinuousClock.now
                if copied == total || now - lastShown > .seconds(1) {
                    lastShown = now
                    printError("\(table): \(copied) of \(total) rows")
                }
            }
            for report in reports {
                print("\(report.table): \(report.rows) rows, sha256 \(report.digest.prefix(16)) on both sides")
            }
            print("copied \(source.endpoint.displayName) to \(target.endpoint.displayName) in \(ContinuousClock.now - started)")
        } catch let refusal as TableCopy.Refusal {
            await source.close()
            await target.close()
            printError(refusal.description)
            throw ExitCode(1)
        }
        await source.close()
        await target.close()
    }

    private func endpoint(_ location: String, logger: Logger) async throws -> (endpoint: any CopyEndpoint, close: @Sendable () async -> Void) {
        var options = try DatabaseOptions.parse(["--db", location] + (allowSharedFile ? ["--allow-shared-file"] : []))
        options.path = location
        let storage = try await options.openStorageForCommand()
        if let postgres = storage as? PostgresStorage {
            return (PostgresCopyEndpoint(storage: postgres), { await postgres.close() })
        }
        let sqlite = storage as! SQLiteStorage
        return (SQLiteCopyEndpoint(database: sqlite.database, displayName: location), { await sqlite.close() })
    }
}
