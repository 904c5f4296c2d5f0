import DukaCore
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// Duka's connections to PostgreSQL: at most `capacity`, opened when a request needs one,
/// kept while used, closed after `idleLimit` unused. A request takes an idle connection
/// under one lock and gives it back under one lock, nothing else; a request that finds
/// none free waits in line.
///
/// postgres-nio's `PostgresClient` pool was used before. Per request it ran its state
/// machine, armed two timers when the connection went idle (a ping and a close, each a
/// few tasks and a dispatch timer, kept in memory until their deadline after being
/// cancelled) and needed a task group around each lease to bound the wait; a deep page
/// spent more CPU on that than on its rows. With a minimum of open connections it crashed
/// on a precondition when the server went away.
///
/// Waits and running work are watched by one task (`watch`): past `PGHealth.leaseTimeout`
/// the server is probed with a connection of its own; no answer marks it down, ends every
/// wait with 503 and closes the connections in use (their statements fail with 503, where
/// a query written as its connection died might never be answered).
final class PGPool: Sendable {
    let capacity: Int
    /// An unused connection is closed after this long.
    static let idleLimit = Duration.seconds(60)

    private let configuration: PostgresConnection.Configuration
    private let logger: Logger

    private struct Waiter {
        let since: ContinuousClock.Instant
        /// Resumed with a connection, or with nil: a place is free, open a connection.
        let continuation: CheckedContinuation<PostgresConnection?, any Error>
    }

    private struct State {
        /// Connections open or being opened, counted against `capacity`.
        var open = 0
        var nextID = 0
        /// Free connections, the last used at the end (taken first: a few stay warm).
        var idle: [(connection: PostgresConnection, since: ContinuousClock.Instant)] = []
        var waiters: [Int: Waiter] = [:]
        var nextWaiter = 0
        /// Connections in use, by id, since when.
        var working: [PostgresConnection.ID: (connection: PostgresConnection, since: ContinuousClock.Instant)] = [:]
        /// Connections in use by work that may outlast `workLimit` (migrations, a first
        /// start waiting for another instance's).
        var unlimited: Set<PostgresConnection.ID> = []
        var closed = false
    }

    private let state = Mutex(State())

    init(capacity: Int, configuration: PostgresConnection.Configuration, logger: Logger) {
        self.capacity = max(1, capacity)
        self.configuration = configuration
        self.logger = logger
    }

    /// Connections open (or being opened), in use, and requests waiting for one: for `/metrics`.
    var status: ConnectionPoolStatus {
        state.withLock { ConnectionPoolStatus(open: $0.open, inUse: $0.working.count, waiting: $0.waiters.count) }
    }

    /// `body` on a connection of the pool, given back afterwards (closed instead when the
    /// connection failed under it, so that no half-finished transaction is handed on).
    /// `limited`: the watch gives the work up after `workLimit`.
    func withConnection<T>(limited: Bool = true, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await take()
        if !limited { state.withLock { _ = $0.unlimited.insert(connection.id) } }
        do {
            let result = try await body(connection)
            giveBack(connection)
            return result
        } catch {
            if PGErrors.isConnectionFailure(error) { connection.closeInBackground() }
            giveBack(connection)
            throw error
        }
    }

    private enum Next {
        case ready(PostgresConnection)
        case open(id: Int)
        case wait
    }

    /// Under the lock: a free connection, or a place to open one, or nothing yet.
    private static func next(_ state: inout State, capacity: Int) throws -> Next {
        guard !state.closed else { throw PGHealth.unavailable }
        while let idle = state.idle.popLast() {
            if idle.connection.isClosed {
                state.open -= 1
                continue
            }
            state.working[idle.connection.id] = (idle.connection, .now)
            return .ready(idle.connection)
        }
        guard state.open < capacity else { return .wait }
        state.open += 1
        state.nextID += 1
        return .open(id: state.nextID)
    }

    private func take() async throws -> PostgresConnection {
        let capacity = capacity
        switch try state.withLock({ try Self.next(&$0, capacity: capacity) }) {
        case .ready(let connection): return connection
        case .open(let id): return try await open(id: id)
        case .wait: break
        }
        let given: PostgresConnection? = try await withCheckedThrowingContinuation { continuation in
            state.withLock { state in
                do {
                    switch try Self.next(&state, capacity: capacity) {
                    case .ready(let connection): continuation.resume(returning: connection)
                    case .open: continuation.resume(returning: nil)
                    case .wait:
                        state.nextWaiter += 1
                        state.waiters[state.nextWaiter] = Waiter(since: .now, continuation: continuation)
                    }
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
        if let given { return given }
        return try await open(id: state.withLock { state in
            state.nextID += 1
            return state.nextID
        })
    }

    /// Opens connection `id` in a place already counted in `open`; the place is freed (and
    /// handed to a waiter) if it fails.
    private func open(id: Int) async throws -> PostgresConnection {
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: id, logger: logger)
            let kept = state.withLock { state -> Bool in
                guard !state.closed else { return false }
                state.working[connection.id] = (connection, .now)
                return true
            }
            guard kept else {
                connection.closeInBackground()
                free()
                throw PGHealth.unavailable
            }
            return connection
        } catch {
            free()
            throw error
        }
    }

    /// A place is free: the longest waiter opens a connection in it, or the count drops.
    private func free() {
        state.withLock { state in
            if let first = state.waiters.min(by: { $0.key < $1.key }) {
                state.waiters.removeValue(forKey: first.key)
                first.value.continuation.resume(returning: nil)
            } else {
                state.open -= 1
            }
        }
    }

    private func giveBack(_ connection: PostgresConnection) {
        let closed = state.withLock { state -> Bool in
            state.working.removeValue(forKey: connection.id)
            if !state.unlimited.isEmpty { state.unlimited.remove(connection.id) }
            if connection.isClosed || state.closed { return true }
            if let first = state.waiters.min(by: { $0.key < $1.key }) {
                state.waiters.removeValue(forKey: first.key)
                state.working[connection.id] = (connection, .now)
                first.value.continuation.resume(returning: connection)
            } else {
                state.idle.append((connection, .now))
            }
            return false
        }
        if closed {
            if !connection.isClosed { connection.closeInBackground() }
            free()
        }
    }

    // MARK: The watch

    /// How long the oldest wait, or the oldest work on a connection, has lasted.
    var longestWait: Duration? {
        let now = ContinuousClock.now
        return state.withLock { state in
            (state.waiters.values.map { now - $0.since } + state.working.values.map { now - $0.since }).max()
        }
    }

    /// Ends every wait of at least `age` with `error`.
    func end(waitsOf age: Duration, with error: StorageError) {
        let now = ContinuousClock.now
        state.withLock { state in
            for (key, waiter) in state.waiters where now - waiter.since >= age {
                state.waiters.removeValue(forKey: key)
                waiter.continuation.resume(throwing: error)
            }
        }
    }

    /// Closes the connections in use: their statements fail at once.
    func closeWorkingConnections() {
        for connection in state.withLock({ $0.working.values.map(\.connection) }) {
            connection.closeInBackground()
        }
    }

    /// Closes the connections whose limited work has lasted `workLimit`; how many.
    func closeStuckConnections() -> Int {
        let now = ContinuousClock.now
        let stuck = state.withLock { state in
            state.working.filter { now - $0.value.since >= Self.workLimit && !state.unlimited.contains($0.key) }.map(\.value.connection)
        }
        for connection in stuck { connection.closeInBackground() }
        return stuck.count
    }

    /// Work on one connection that lasts this long is given up: the server ends any
    /// statement at 15 s (`statement_timeout`) and a lock wait at 10 s, so only a
    /// connection whose answer was lost on the way gets here. Its request answers 503
    /// instead of hanging until its client gives up.
    static let workLimit = Duration.seconds(25)

    /// Closes connections unused for `idleLimit`.
    func closeIdle() {
        let now = ContinuousClock.now
        let stale = state.withLock { state in
            let stale = state.idle.filter { now - $0.since >= Self.idleLimit }
            state.idle.removeAll { now - $0.since >= Self.idleLimit }
            state.open -= stale.count
            return stale.map(\.connection)
        }
        for connection in stale { connection.closeInBackground() }
    }

    /// How often the watch looks.
    static let tick = Duration.milliseconds(100)

    /// Every `tick`, until cancelled: idle connections past `idleLimit` are closed; a wait
    /// (or a lease's work) past `leaseTimeout` has the server probed with a connection of
    /// its own. No answer: the server is marked down, every wait ends with 503 at once and
    /// the connections in use are closed. An answer: the pool is only busy, and waits past
    /// `leaseTimeout + busyTimeout` end with 503 busy.
    func watch(health: PGHealth, location: PostgresLocation) async {
        var lastAnswer: ContinuousClock.Instant?
        while !Task.isCancelled {
            try? await Task.sleep(for: Self.tick)
            closeIdle()
            let stuck = closeStuckConnections()
            if stuck > 0 {
                logger.error("closed PostgreSQL connections whose work outlasted every server timeout", metadata: ["connections": "\(stuck)"])
            }
            guard let longest = longestWait, longest >= PGHealth.leaseTimeout else { continue }
            let answeredLately = lastAnswer.map { ContinuousClock.now - $0 < PGHealth.leaseTimeout } ?? false
            if answeredLately {
                end(waitsOf: PGHealth.leaseTimeout + PGHealth.busyTimeout, with: PGHealth.busy)
            } else if await PGHealth.serverAnswers(location, logger: logger) {
                lastAnswer = .now
                end(waitsOf: PGHealth.leaseTimeout + PGHealth.busyTimeout, with: PGHealth.busy)
            } else {
                health.markDown { await PGHealth.serverAnswers(location, logger: self.logger) }
                end(waitsOf: .zero, with: PGHealth.unavailable)
                closeWorkingConnections()
            }
        }
    }

    /// No new work: every wait ends with 503, free connections close now and the others
    /// as they are given back.
    func close() async {
        let idle = state.withLock { state in
            state.closed = true
            for waiter in state.waiters.values { waiter.continuation.resume(throwing: PGHealth.unavailable) }
            state.waiters = [:]
            defer { state.idle = [] }
            return state.idle.map(\.connection)
        }
        for connection in idle { try? await connection.close() }
    }
}

extension PostgresConnection {
    /// Closes without waiting, holding the connection until its channel has closed:
    /// postgres-nio asserts (in debug builds) that a connection is closed before it is
    /// freed, and a pool that dropped its last reference at once crashed the tests.
    func closeInBackground() {
        close().whenComplete { _ in withExtendedLifetime(self) {} }
    }
}
