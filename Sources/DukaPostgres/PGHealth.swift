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
