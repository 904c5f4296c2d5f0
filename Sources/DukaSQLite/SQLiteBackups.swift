import DukaCore
import SQLite

#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Copies of a live database file and their way back: `duka backup`, the scheduled
/// backups of `duka serve --backup-dir`, and `duka restore`. A copy counts only once
/// SQLite's integrity check has passed on it, and it appears under its final name in one
/// rename (a half-written copy is never mistaken for a backup).
public enum SQLiteBackups {
    public enum Failure: Error, CustomStringConvertible, Sendable, Equatable {
        case damaged(String, detail: String)
        case notADatabase(String)
        case inUse(String)
        case exists(String)
        case tooNew(String, found: Int64, known: Int64)

        public var description: String {
            switch self {
            case .damaged(let path, let detail): return "\(path) failed SQLite's integrity check: \(detail)"
            case .notADatabase(let path): return "\(path) is not a Duka database"
            case .inUse(let path): return "\(path) is open in a running duka (or another program): stop it first"
            case .exists(let path): return "\(path) exists: add --force to replace it"
            case .tooNew(let path, let found, let known):
                return "\(path) has schema version \(found), newer than this duka knows (\(known)): use a newer binary"
            }
        }
    }

    /// Copies the database at `source` into the new file `destination` (0600), one
    /// consistent snapshot taken while writers go on (WAL), then checks the copy; answers
    /// its size in bytes. Nothing is left at `destination` when this throws.
    public static func verifiedCopy(of source: String, to destination: String) throws -> Int64 {
        guard !FileManager.default.fileExists(atPath: destination) else { throw PrivateFiles.Failure.exists(destination) }
        let partial = destination + ".partial"
        try PrivateFiles.createNew(partial)
        do {
            let connection = try Connection(path: source, mode: .readOnly)
            try connection.configure(busyTimeoutMilliseconds: 5000, synchronous: .full, walMode: false)
            _ = try connection.backup(to: partial)
            // The copy is a file on its own: a rollback journal, so that opening it (to check
            // it, to restore it) leaves no -wal or -shm beside it. duka serve puts it back in WAL.
            try Connection(path: partial, mode: .readWrite).exec("PRAGMA journal_mode = DELETE")
            try check(partial)
            // A hard link, not a rename: it fails if something took the name meanwhile.
            guard link(partial, destination) == 0 else {
                let code = errno
                if code == EEXIST { throw PrivateFiles.Failure.exists(destination) }
                throw PrivateFiles.Failure.cannotCreate(destination, reason: String(cString: strerror(code)))
            }
            unlink(partial)
            syncDirectory(of: destination)
            return Int64(fileSize(destination))
        } catch {
            for suffix in ["", "-wal", "-shm", "-journal"] { unlink(partial + suffix) }
            throw error
        }
    }

    /// Integrity (`PRAGMA integrity_check`) and a schema this binary can open; answers the
    /// schema version.
    @discardableResult
    public static func check(_ path: String) throws -> Int64 {
        let connection: Connection
        let answer: [String]
        let version: Int64
        do {
            connection = try Connection(path: path, mode: .readOnly)
            _ = try connection.scalarInt("PRAGMA schema_version")
            answer = try connection.query("PRAGMA integrity_check") { $0.string(0) }
            version = try Migrations.version(of: connection)
        } catch let error as SQLiteError where error.isNotADatabase {
            throw Failure.notADatabase(path)
        } catch let error as SQLiteError where error.isCorrupt {
            throw Failure.damaged(path, detail: error.message)
        }
        guard answer == ["ok"] else { throw Failure.damaged(path, detail: answer.prefix(3).joined(separator: "; ")) }
        guard version <= Migrations.latestVersion else { throw Failure.tooNew(path, found: version, known: Migrations.latestVersion) }
        guard version > 0 else { throw Failure.notADatabase(path) }
        return version
    }

    /// Puts the backup at `backup` in place at `target`: checked first; an existing target
    /// is replaced only with `force`, and never while a process has it open. The new file
    /// is written beside the target and renamed over it, so the target is at every moment
    /// either the old database or the whole backup.
    public static func restore(backup: String, to target: String, force: Bool) throws -> Int64 {
        let version = try check(backup)
        if FileManager.default.fileExists(atPath: target) {
            guard force else { throw Failure.exists(target) }
            try releaseForReplacement(target)
        }
        let incoming = target + ".restoring"
        unlink(incoming)
        _ = try verifiedCopy(of: backup, to: incoming)
        // A -wal or -shm left by the old file would be read as the new one's.
        for suffix in ["-wal", "-shm", "-journal"] { unlink(target + suffix) }
        guard rename(incoming, target) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(incoming)
            throw PrivateFiles.Failure.cannotCreate(target, reason: reason)
        }
        syncDirectory(of: target)
        return version
    }

    /// Makes sure nothing has `path` open, and leaves it with no WAL: a connection in WAL
    /// mode holds a shared lock on the file for as long as it is open, so an exclusive
    /// lock taken at once (no busy wait) proves there is none; then the WAL is folded
    /// back in and the file switched to a rollback journal, which removes -wal and -shm.
    static func releaseForReplacement(_ path: String) throws {
        let connection: Connection
        do {
            connection = try Connection(path: path, mode: .readWrite)
            try connection.exec("PRAGMA busy_timeout = 0")
            try connection.exec("PRAGMA locking_mode = EXCLUSIVE")
            try connection.exec("BEGIN EXCLUSIVE")
            try connection.exec("COMMIT")
        } catch let error as SQLiteError where error.isBusy {
            throw Failure.inUse(path)
        } catch let error as SQLiteError where error.isNotADatabase {
            // Not a database at all: nothing can have it open as one; it is replaced.
            return
        }
        try connection.exec("PRAGMA wal_checkpoint(TRUNCATE)")
        try connection.exec("PRAGMA journal_mode = DELETE")
    }

    static func fileSize(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }

    /// A rename is durable once its directory is synced.
    static func syncDirectory(of path: String) {
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let fd = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}
