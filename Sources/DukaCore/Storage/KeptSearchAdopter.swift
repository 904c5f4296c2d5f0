import Synchronization

/// Adopts the texts that searches found in many users (`KeptSearch.keptFrom`): the
/// request that counted one the slow way names it here, and one background task at a
/// time asks the engine to keep every text waiting (`adopt`, one batch: SQLite counts
/// them in one read of the list), off the request path. A text named again within
/// `remembered` is not asked for twice; the engine refuses texts already kept. Seeds
/// (`KeptSearchSeeds`) come the same way, offered all at once.
public final class KeptSearchAdopter: Sendable {
    public typealias Adopt = @Sendable (_ texts: [(key: KeptSearch.Key, total: Int64)]) async throws -> Void

    private struct State {
        var queue: [(key: KeptSearch.Key, total: Int64)] = []
        var asked: [KeptSearch.Key: ContinuousClock.Instant] = [:]
        /// Whether a worker runs (set under the lock before it starts, so only one does).
        var running = false
        var worker: Task<Void, Never>?
        var closed = false
        var adopt: Adopt?
    }

    private let state = Mutex(State())
    /// Texts waiting, at most (more are dropped: they come back with their next search).
    static let queueLimit = 64
    static let remembered = Duration.seconds(600)

    /// `adopt` may come later (`adopting`), from an engine that needs itself built first.
    public init(adopt: Adopt? = nil) {
        state.withLock { $0.adopt = adopt }
    }

    public func adopting(with adopt: @escaping Adopt) {
        state.withLock { $0.adopt = adopt }
    }

    /// A search of `search`'s text found `total` users.
    public func found(_ search: KeptSearch, total: Int64) {
        guard total >= KeptSearch.threshold, total > 0 else { return }
        enqueue([(search.key, total)], limit: Self.queueLimit)
    }

    /// Texts worth keeping before anyone searches them (`KeptSearchSeeds`), all queued,
    /// whatever waits already (the other list's seeds, when the worker has not taken them yet).
    public func offer(_ texts: [(key: KeptSearch.Key, total: Int64)]) {
        enqueue(texts, limit: nil)
    }

    /// Queues `texts` while fewer than `limit` wait (nil: all of them).
    private func enqueue(_ texts: [(key: KeptSearch.Key, total: Int64)], limit: Int?) {
        let now = ContinuousClock.now
        let start: Bool = state.withLock { state in
            guard !state.closed, state.adopt != nil else { return false }
            for (key, total) in texts where state.queue.count < limit ?? Int.max {
                if let asked = state.asked[key], now - asked < Self.remembered { continue }
                state.asked[key] = now
                state.queue.append((key, total))
            }
            if state.asked.count > 4 * Int(KeptSearch.capacity) { state.asked = state.asked.filter { now - $0.value < Self.remembered } }
            guard !state.running, !state.queue.isEmpty else { return false }
            state.running = true
            return true
        }
        if start { startWorker() }
    }

    private func startWorker() {
        let task = Task.detached { [self] in
            while let (texts, adopt) = next() {
                // A failure (the engine down, a busy file) leaves the texts to later searches.
                do { try await adopt(texts) } catch { forget(texts.map(\.key)) }
            }
        }
        state.withLock { $0.worker = task }
    }

    /// Every text waiting, or nil (and the worker ends) when none waits.
    private func next() -> ([(key: KeptSearch.Key, total: Int64)], Adopt)? {
        state.withLock { state in
            guard !state.closed, !state.queue.isEmpty, let adopt = state.adopt else {
                state.running = false
                return nil
            }
            defer { state.queue.removeAll() }
            return (state.queue, adopt)
        }
    }

    private func forget(_ keys: [KeptSearch.Key]) {
        state.withLock { state in
            for key in keys { state.asked.removeValue(forKey: key) }
        }
    }

    /// Waits until no text waits (tests, and before closing).
    public func settle() async {
        while true {
            let (running, worker) = state.withLock { ($0.running, $0.worker) }
            guard running else { return }
            // A worker just started may not be stored yet: look again.
            if let worker { await worker.value } else { await Task.yield() }
        }
    }

    /// Stops taking texts and waits for the one being adopted.
    public func close() async {
        let worker = state.withLock { state in
            state.closed = true
            state.queue.removeAll()
            return state.worker
        }
        await worker?.value
    }
}
