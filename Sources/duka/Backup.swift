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
        discussion: "The copy is one consistent snapshot, checked with SQLite's integrity check before it is named DEST. Put it back with duka restore DEST --db PATH."
    )

    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The new file to write; it must not exist yet.") var destination: String

    func run() async throws {
        guard !database.isPostgres else {
            printError("""
                \(database.displayName) is PostgreSQL: back it up with pg_dump or pg_basebackup (docs/OPERATIONS.md), \
                or take a SQLite copy with duka copy --from URL --to FILE
                """)
            throw ExitCode(2)
        }
        let source = database.resolvedPath
        guard FileManager.default.fileExists(atPath: source) else {
            printError("\(source) does not exist")
            throw ExitCode(1)
        }
        guard !FileManager.default.fileExists(atPath: destination) else {
            printError("\(destination) already exists; refusing to overwrite it")
            throw ExitCode(1)
        }
        do {
            let bytes = try SQLiteBackups.verifiedCopy(of: source, to: destination)
            print("backed up \(source) to \(destination) (\(bytes) bytes, integrity checked)")
        } catch let error as SQLiteError {
            printError("backup failed: \(error.message)")
            throw ExitCode(1)
        } catch {
            printError("backup failed: \(error)")
            throw ExitCode(1)
        }
    }
}

struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Put a backup in place as the database: checked first, written beside the target and renamed over it.",
        discussion: """
            Refuses a backup that fails SQLite's integrity check or comes from a newer duka, a target that exists \
            (without --force), and a target that a running duka holds open. Stop duka, restore, start duka.
            """
    )

    @Argument(help: "The backup file (from duka backup or --backup-dir).") var backup: String
    @OptionGroup var database: DatabaseOptions
    @Flag(help: "Replace an existing database file.") var force = false

    func run() async throws {
        guard !database.isPostgres else {
            printError("\(database.displayName) is PostgreSQL: restore it with pg_restore or psql (docs/OPERATIONS.md), or load a SQLite file into an empty database with duka copy")
            throw ExitCode(2)
        }
        guard FileManager.default.fileExists(atPath: backup) else {
            printError("\(backup) does not exist")
            throw ExitCode(1)
        }
        let target = database.resolvedPath
        do {
            let version = try SQLiteBackups.restore(backup: backup, to: target, force: force)
            print("restored \(backup) to \(target) (schema version \(version); duka serve migrates it if older)")
        } catch let error as SQLiteError {
            printError("restore failed: \(error.message)")
            throw ExitCode(1)
        } catch {
            printError("restore failed: \(error)")
            throw ExitCode(1)
        }
    }
}
