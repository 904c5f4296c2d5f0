import DukaCore
import SQLite
import Synchronization

/// Every `stride`-th id of the unfiltered customer lists, so that page N starts its scan
/// from a known id near its first row instead of stepping over (N-1) × per_page index
/// entries: a deep page then costs about what the first one does.
///
/// The boundaries are read in the caller's read transaction and tagged with the
/// `customers_version` counter of that snapshot; any change to which users are (live)
/// customers bumps it, so a stale list is never used.
final class PageBoundaries: Sendable {
    static let stride: Int64 = 512
    static let shared = PageBoundaries()

    private struct Key: Hashable {
        let path: String
        let includeDeleted: Bool
    }

    private struct Entry {
        let version: Int64
        let ids: [Int64]
    }

    private let entries = Mutex<[Key: Entry]>([:])

    /// The id to start from and the rows to skip after it, for `offset` into the list.
    func start(forOffset offset: Int64, includeDeleted: Bool, condition: String, in db: Connection) throws -> (id: Int64, skip: Int64)? {
        let key = Key(path: db.path, includeDeleted: includeDeleted)
        let version = try Counters.value(.customersVersion, in: db)
        var ids = entries.withLock { $0[key] }.flatMap { $0.version == version ? $0.ids : nil }
        if ids == nil {
            var collected: [Int64] = []
            var index: Int64 = 0
            _ = try db.query("SELECT id FROM users WHERE \(condition) ORDER BY id") { row -> Void in
                if index % Self.stride == 0 { collected.append(row.int64(0)) }
                index += 1
            }
            ids = collected
            entries.withLock { $0[key] = Entry(version: version, ids: collected) }
        }
        guard let ids else { return nil }
        return PageBoundaryIDs(stride: Self.stride, ids: ids).start(forOffset: offset)
    }
}
