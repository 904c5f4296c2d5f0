import ArgumentParser
import DukaCore
import DukaSQLite
import SQLite

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the database to DEST while the server may be running (SQLite's online backup); DEST is made 0600.",
        discussion: "The copy is one consistent snapshot. To restore, stop duka and start it with --db DEST (or move DEST into place)."
    )

    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The new file to write; it must not exist yet.") var destination: String

    func run() async throws {
        guard !database.isPostgres else {
            printError("""
                \(database.displayName) is PostgreSQL: back it up with pg_dump or pg_basebackup (docs/SCALING.md), \
                or take a SQLite copy with duka copy --from URL --to FILE
                """)
            throw ExitCode(2)
        }
        let source = database.resolvedPath
        guard FileManager.default.fileExists(atPath: source) else {
            printError("\(source) does not exist")
            throw ExitCode(1)
        }
        do {
            // Created here, 0600 whatever the umask, and only if nothing is there yet.
            try PrivateFiles.createNew(destination)
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
        do {
            let connection = try Connection(path: source, mode: .readOnly)
            try connection.configure(busyTimeoutMilliseconds: 5000, synchronous: .full, walMode: false)
            _ = try connection.scalarInt("PRAGMA schema_version")
            try Migrations.checkCompatible(connection)
            let pages = try connection.backup(to: destination)
            print("backed up \(source) to \(destination) (\(pages) pages)")
        } catch let error as SQLiteError {
            try? FileManager.default.removeItem(atPath: destination)
            printError(error.isNotADatabase ? "\(source) is not a SQLite database" : "backup failed: \(error.message)")
            throw ExitCode(1)
        } catch let error as DukaDatabaseError {
            try? FileManager.default.removeItem(atPath: destination)
            printError(error.description)
            throw ExitCode(1)
        } catch {
            try? FileManager.default.removeItem(atPath: destination)
            printError("backup failed: \(error)")
            throw ExitCode(1)
        }
    }
}
