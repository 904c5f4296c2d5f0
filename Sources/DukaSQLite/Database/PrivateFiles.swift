import DukaCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Files Duka writes are readable by their owner only (0600), whatever the umask: the
/// database holds password hashes and the token secret. SQLite creates the `-wal`,
/// `-shm` and journal files with the mode of the database file, so creating that one
/// 0600 covers them.
public enum PrivateFiles {
    public static let fileMode: mode_t = 0o600
    public static let directoryMode: mode_t = 0o700

    public enum Failure: Error, CustomStringConvertible, Sendable {
        case exists(String)
        case cannotCreate(String, reason: String)

        public var description: String {
            switch self {
            case .exists(let path): return "\(path) already exists; refusing to overwrite it"
            case .cannotCreate(let path, let reason): return "cannot create \(path): \(reason)"
            }
        }
    }

    /// Creates a file readable by its owner only, holding `contents`; fails if `path`
    /// exists (so a file or link put there meanwhile is never written through). What is
    /// written goes through the descriptor that created the file.
    public static func createNew(_ path: String, contents: [UInt8] = []) throws(Failure) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, fileMode)
        guard fd >= 0 else {
            let code = errno
            if code == EEXIST { throw .exists(path) }
            throw .cannotCreate(path, reason: String(cString: strerror(code)))
        }
        defer { close(fd) }
        // The umask may have taken bits away, never added: set exactly 0600.
        _ = fchmod(fd, fileMode)
        guard contents.isEmpty || write(fd, contents, contents.count) == contents.count else {
            let reason = String(cString: strerror(errno))
            unlink(path)
            throw .cannotCreate(path, reason: reason)
        }
    }

    /// Creates `path` as an empty private file when nothing is there yet.
    public static func createIfAbsent(_ path: String) throws(Failure) {
        do {
            try createNew(path)
        } catch .exists {
            return
        }
    }

    /// Creates a directory readable by its owner only, when absent.
    public static func createDirectoryIfAbsent(_ path: String) throws(Failure) {
        guard mkdir(path, directoryMode) == 0 else {
            let code = errno
            if code == EEXIST { return }
            throw .cannotCreate(path, reason: String(cString: strerror(code)))
        }
        _ = chmod(path, directoryMode)
    }

    /// The permission bits of `path`, or nil when it does not exist.
    public static func mode(of path: String) -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o7777
    }

    /// A tightened file: its path and the mode it had.
    public struct Tightened: Sendable, Equatable, CustomStringConvertible {
        public let path: String
        public let previousMode: UInt32

        /// What the operator is told.
        public var description: String {
            "\(path) could be read by other users (mode \(PrivateFiles.octal(previousMode))); it is now 0600 (--allow-shared-file keeps modes as they are)"
        }
    }

    /// Takes away group and other permissions from the database and its `-wal` and
    /// `-shm` files (left readable by an earlier version or a loose umask).
    public static func tightenDatabase(_ path: String) -> [Tightened] {
        var tightened: [Tightened] = []
        for file in [path, path + "-wal", path + "-shm", path + "-journal"] {
            guard let mode = mode(of: file), mode & 0o077 != 0 else { continue }
            if chmod(file, mode & 0o700) == 0 { tightened.append(.init(path: file, previousMode: UInt32(mode))) }
        }
        return tightened
    }

    /// `0644` for 0o644.
    public static func octal(_ mode: UInt32) -> String {
        "0" + String(mode & 0o7777, radix: 8)
    }
}
