import DukaCore
import Synchronization

/// Whether the PostgreSQL server is reachable, as this process last saw it. postgres-nio's
/// pool keeps a request waiting while it reconnects; a till would then hang. So a request
/// whose connection does not come within `leaseTimeout` answers 503 and marks the server
/// down; while it is down every request answers 503 at once, and one probe at a time
/// asks the pool for a connection until the server is back.
final class PGHealth: Sendable {
    static let leaseTimeout = Duration.seconds(2)
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
}

/// Whether a connection was handed over (then the work may take as long as its
/// statement timeout allows; only the wait for the connection is bounded).
final class LeaseFlag: Sendable {
    private let leased = Mutex<Bool>(false)
    func set() { leased.withLock { $0 = true } }
    var isSet: Bool { leased.withLock { $0 } }
}
