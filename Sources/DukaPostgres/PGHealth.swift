import DukaCore
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// Whether the PostgreSQL server is reachable, as this process last saw it. postgres-nio's
/// pool keeps a request waiting while it reconnects; a till would then hang. So a request
/// whose connection does not come within `leaseTimeout` probes the server with a
/// connection of its own: no answer marks the server down (503); while it is down every
/// request answers 503 at once, and one probe at a time (every `probeInterval`) asks
/// until the server answers again.
final class PGHealth: Sendable {
    static let leaseTimeout = Duration.seconds(2)
    /// How much longer a request waits for a connection of a server that answers (the
    /// pool is busy, not the server gone).
    static let busyTimeout = Duration.seconds(8)
    static let probeInterval = Duration.milliseconds(250)

    private let down = Mutex<Bool>(false)
    private let probing = Mutex<Bool>(false)

    var isDown: Bool { down.withLock { $0 } }

    func markUp() {
        down.withLock { $0 = false }
    }

    /// Marks the server down and starts `probe` (one at a time) until it succeeds.
    func markDown(probe: @escaping @Sendable () async -> Bool) {
        down.withLock { $0 = true }
        let start = probing.withLock { running in
            defer { running = true }
            return !running
        }
        guard start else { return }
        Task {
            while !Task.isCancelled {
                if await probe() {
                    markUp()
                    break
                }
                try? await Task.sleep(for: Self.probeInterval)
            }
            probing.withLock { $0 = false }
        }
    }

    static let unavailable = StorageError(.unavailable, message: "no connection to PostgreSQL")
    static let busy = StorageError(.busy, message: "every pooled connection stayed busy")

    /// Whether the server answers a new connection of its own (outside the pool) within
    /// 2 s. Any answer counts, a refusal of the login included: the server is up.
    static func serverAnswers(_ location: PostgresLocation, logger: Logger) async -> Bool {
        guard let configuration = try? location.connectionConfiguration() else { return false }
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            try? await connection.close()
            return true
        } catch let error as PSQLError where error.code == .server {
            // 57P03 "the database system is starting up" is not an answer yet.
            return error.serverInfo?[.sqlState] != "57P03"
        } catch {
            return false
        }
    }
}

/// The requests waiting for a pooled connection, watched by one task for them all. A timer
/// per request cost a quarter of a simple read's throughput, and each cancelled timer kept
/// its memory until its deadline. Each wait has a ticket; the request's watcher awaits
/// a verdict: nil as soon as the connection comes (or the lease fails by itself), or a
/// 503 from `watch(...)` when the wait grew too long.
final class LeaseWatch: Sendable {
    private struct Waiting {
        let since: ContinuousClock.Instant
        var watcher: CheckedContinuation<StorageError?, Never>?
        var verdict: StorageError?
    }

    private struct Working {
        let since: ContinuousClock.Instant
        let connection: PostgresConnection
    }

    private struct State {
        var next = 0
        var waiting: [Int: Waiting] = [:]
        /// Leases that have their connection and are running their statements.
        var working: [Int: Working] = [:]
        var closed = false
    }

    private let state = Mutex(State())

    /// A new wait, from now; nil once the storage is closing.
    func begin() -> Int? {
        state.withLock { state in
            guard !state.closed else { return nil }
            state.next &+= 1
            state.waiting[state.next] = Waiting(since: .now)
            return state.next
        }
    }

    /// The storage is closing: every wait ends with 503 now, and no new one begins (nothing
    /// would watch it any more).
    func close() {
        state.withLock { $0.closed = true }
        end(waitsOf: .zero, with: PGHealth.unavailable)
    }

    /// The wait is over (a connection came, or the lease failed): its watcher hears nil.
    func release(_ ticket: Int) {
        state.withLock { state in
            state.waiting.removeValue(forKey: ticket)?.watcher?.resume(returning: nil)
        }
    }

    /// The lease's statements run on `connection` from now until `finished`.
    func working(_ ticket: Int, on connection: PostgresConnection) {
        state.withLock { $0.working[ticket] = Working(since: .now, connection: connection) }
    }

    func finished(_ ticket: Int) {
        state.withLock { _ = $0.working.removeValue(forKey: ticket) }
    }

    /// Closes the connections of every running lease: their statements fail at once (503)
    /// instead of waiting forever for a server that is gone (postgres-nio may drop the
    /// failure of a query written as its connection died).
    private func closeWorkingConnections() {
        let connections = state.withLock { $0.working.values.map(\.connection) }
        for connection in connections { let _: EventLoopFuture<Void> = connection.close() }
    }

    /// Suspends until the wait ends: nil when released, the verdict when ended by the watch.
    func verdict(_ ticket: Int) async -> StorageError? {
        await withCheckedContinuation { continuation in
            state.withLock { state in
                guard let waiting = state.waiting[ticket] else { return continuation.resume(returning: nil) }
                if let verdict = waiting.verdict {
                    state.waiting.removeValue(forKey: ticket)
                    return continuation.resume(returning: verdict)
                }
                state.waiting[ticket]?.watcher = continuation
            }
        }
    }

    /// How long the oldest unanswered wait, or the oldest running lease, has lasted.
    var longestWait: Duration? {
        let now = ContinuousClock.now
        return state.withLock { state in
            let waits = state.waiting.values.filter { $0.verdict == nil }.map { now - $0.since }
            return (waits + state.working.values.map { now - $0.since }).max()
        }
    }

    /// Ends every wait of at least `age` with `verdict`.
    func end(waitsOf age: Duration, with verdict: StorageError) {
        let now = ContinuousClock.now
        state.withLock { state in
            for (ticket, waiting) in state.waiting where waiting.verdict == nil && now - waiting.since >= age {
                if let watcher = waiting.watcher {
                    state.waiting.removeValue(forKey: ticket)
                    watcher.resume(returning: verdict)
                } else {
                    state.waiting[ticket]?.verdict = verdict
                }
            }
        }
    }

    /// How often the waits are looked at.
    static let tick = Duration.milliseconds(100)

    /// Every `tick`, until cancelled: a wait (or a lease's work) past `leaseTimeout` has
    /// the server probed with a connection of its own. No answer: the server is marked
    /// down, every wait ends with 503 at once and the running leases' connections are
    /// closed (their statements fail with 503). An answer: the pool is only busy, and waits
    /// past `leaseTimeout + busyTimeout` end with 503 busy.
    func watch(health: PGHealth, location: PostgresLocation, logger: Logger) async {
        var lastAnswer: ContinuousClock.Instant?
        while !Task.isCancelled {
            try? await Task.sleep(for: Self.tick)
            guard let longest = longestWait, longest >= PGHealth.leaseTimeout else { continue }
            let answeredLately = lastAnswer.map { ContinuousClock.now - $0 < PGHealth.leaseTimeout } ?? false
            if answeredLately {
                end(waitsOf: PGHealth.leaseTimeout + PGHealth.busyTimeout, with: PGHealth.busy)
            } else if await PGHealth.serverAnswers(location, logger: logger) {
                lastAnswer = .now
                end(waitsOf: PGHealth.leaseTimeout + PGHealth.busyTimeout, with: PGHealth.busy)
            } else {
                health.markDown { await PGHealth.serverAnswers(location, logger: logger) }
                end(waitsOf: .zero, with: PGHealth.unavailable)
                closeWorkingConnections()
            }
        }
    }
}
