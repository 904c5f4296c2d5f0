import DukaCore
import Synchronization

/// Every `stride`-th id of the unfiltered customer lists, so that page N starts its scan
/// from a known id near its first row instead of stepping over (N-1) × per_page index
/// entries (page 4,000 of 100,000 customers: 72 → thousands of requests/s).
///
/// As on SQLite, the boundaries are tagged with the `customers_version` counter read in
/// the request's own snapshot; any change to which users are (live) customers bumps it,
/// on whichever instance it happens, so a stale list is never used.
final class PGPageBoundaries: Sendable {
    static let stride: Int64 = 512

    private struct Key: Hashable {
        let includeDeleted: Bool
    }

    private struct Entry {
        let version: Int64
        let ids: [Int64]
    }

    private let entries = Mutex<[Key: Entry]>([:])
    /// Requests waiting for the list being made, by key: one request makes it (about
    /// 90 ms for 100,000 customers) while the others wait for it rather than each making
    /// their own at once (32 at once took a second each).
    private let filling = Mutex<[Key: [CheckedContinuation<Void, Never>]]>([:])

    /// The start of `offset` from the boundaries this process holds, with their version
    /// tag (nil when it holds none): a statement that reads `customers_version` in its own
    /// snapshot may use it if the tag matches.
    /// `end` is an id every row of the page comes before (`Int64.max` near the list's end).
    func cachedStart(forOffset offset: Int64, size: Int64, includeDeleted: Bool) -> (version: Int64, id: Int64, skip: Int64, end: Int64)? {
        guard let entry = entries.withLock({ $0[Key(includeDeleted: includeDeleted)] }) else { return nil }
        let boundaries = PageBoundaryIDs(stride: Self.stride, ids: entry.ids)
        guard let start = boundaries.start(forOffset: offset) else { return nil }
        return (entry.version, start.id, start.skip, boundaries.end(forOffset: offset, size: size) ?? .max)
    }

    /// The id to start from and the rows to skip after it, for `offset` into the list
    /// whose rows match `filter` (no parameters).
    func start(forOffset offset: Int64, includeDeleted: Bool, filter: PGFilter, in db: PGSession) async throws -> (id: Int64, skip: Int64)? {
        let key = Key(includeDeleted: includeDeleted)
        let version = try await PGCounters.value(.customersVersion, in: db)
        func cached() -> [Int64]? { entries.withLock { $0[key] }.flatMap { $0.version == version ? $0.ids : nil } }
        var ids = cached()
        var filler = false
        if ids == nil {
            if await waitedForAnotherFill(key) { ids = cached() } else { filler = true }
        }
        if ids == nil {
            defer { if filler { finishFill(key) } }
            let collected = try await db.rows(
                """
                SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM users \(filter.whereClause)) AS numbered
                WHERE n % \(Self.stride) = 0 ORDER BY id
                """,
                filter.arguments
            ).map { $0.int64(0) }
            ids = collected
            entries.withLock { $0[key] = Entry(version: version, ids: collected) }
        }
        guard let ids else { return nil }
        return PageBoundaryIDs(stride: Self.stride, ids: ids).start(forOffset: offset)
    }

    /// Waits for the list another request is making and answers true; false (and this
    /// request makes it, then calls `finishFill`) when none is being made. A request whose
    /// snapshot sees another version than the one made makes its own afterwards.
    private func waitedForAnotherFill(_ key: Key) async -> Bool {
        let filler = filling.withLock { filling in
            guard filling[key] == nil else { return false }
            filling[key] = []
            return true
        }
        if filler { return false }
        await withCheckedContinuation { continuation in
            filling.withLock { filling in
                // The fill may have ended since: then go on at once.
                guard filling[key] != nil else { return continuation.resume() }
                filling[key]!.append(continuation)
            }
        }
        return true
    }

    private func finishFill(_ key: Key) {
        let waiters = filling.withLock { $0.removeValue(forKey: key) } ?? []
        for waiter in waiters { waiter.resume() }
    }
}
