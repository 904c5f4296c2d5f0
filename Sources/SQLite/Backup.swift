import CSQLite

extension Connection {
    /// Copies this database into a new file at `destination` with SQLite's online backup
    /// API, in one step: the copy is one consistent snapshot, taken under a read
    /// transaction, so writers (in WAL mode) are not blocked. Answers the pages copied.
    public func backup(to destination: String) throws -> Int {
        let target = try Connection(path: destination, mode: .readWriteCreate)
        guard let backup = sqlite3_backup_init(target.handle, "main", handle, "main") else {
            throw target.error(sqlite3_errcode(target.handle), sql: nil)
        }
        let stepResult = sqlite3_backup_step(backup, -1)
        let pages = Int(sqlite3_backup_pagecount(backup))
        let finishResult = sqlite3_backup_finish(backup)
        guard stepResult == SQLITE_DONE, finishResult == SQLITE_OK else {
            throw target.error(stepResult == SQLITE_DONE ? finishResult : stepResult, sql: nil)
        }
        return pages
    }
}
