import DukaCore
import DukaSQLite
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the generated bootstrap admin password goes: never the log stream (logs are
/// collected, shipped and kept). On a terminal it is printed there; otherwise it is
/// written to `<database>.admin-password`, readable by this user only, and the log says
/// where.
enum BootstrapPassword {
    static func hand(_ password: String, databasePath: String, logger: Logger) {
        if isatty(STDOUT_FILENO) == 1 {
            print("The admin's password (shown only this once): \(password)")
            return
        }
        let path = databasePath + ".admin-password"
        do {
            // A stale file from an earlier empty database is replaced, never written through.
            unlink(path)
            try PrivateFiles.createNew(path, contents: Array("\(password)\n".utf8))
            logger.notice("the admin's password is in \(path) (readable by this user only); delete it after signing in")
        } catch {
            logger.critical("could not write the admin's password: \(error). Stop duka, delete the database and start again with DUKA_ADMIN_PASSWORD set")
        }
    }
}
