import CoreMetrics

/// What an engine reports about its units of work, through swift-metrics (Prometheus
/// under `duka serve --metrics-token`, nothing otherwise): how long each waited for a
/// connection or the writer, how long it then ran (commit included), and its failures by
/// kind. Instruments are made once, when the storage is opened, so the hot path only
/// records.
public final class StorageMetrics: Sendable {
    public enum Work: String, Sendable, CaseIterable {
        case read, write
    }

    private let waits: [Timer]
    private let runs: [Timer]
    private let engine: String

    public init(engine: String) {
        self.engine = engine
        waits = Work.allCases.map { Timer(label: "duka_db_wait_seconds", dimensions: [("engine", engine), ("work", $0.rawValue)]) }
        runs = Work.allCases.map { Timer(label: "duka_db_transaction_seconds", dimensions: [("engine", engine), ("work", $0.rawValue)]) }
    }

    /// A unit of `work` asked for at `asked`, begun at `began`, done now.
    public func record(_ work: Work, asked: ContinuousClock.Instant, began: ContinuousClock.Instant) {
        let index = work == .read ? 0 : 1
        waits[index].recordNanoseconds(Self.nanoseconds(began - asked))
        runs[index].recordNanoseconds(Self.nanoseconds(.now - began))
    }

    /// A failure the engine reported (rare: the instrument is looked up each time).
    public func failed(_ kind: StorageError.Kind) {
        Counter(label: "duka_db_errors_total", dimensions: [("engine", engine), ("kind", "\(kind)")]).increment()
    }

    /// Runs `body`, counting a `StorageError` it throws by kind.
    public func counting<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StorageError {
            failed(error.kind)
            throw error
        }
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// A connection pool's state at one moment (PostgreSQL's; SQLite's connections are fixed).
public struct ConnectionPoolStatus: Sendable, Equatable {
    public var open: Int
    public var inUse: Int
    public var waiting: Int

    public init(open: Int, inUse: Int, waiting: Int) {
        self.open = open
        self.inUse = inUse
        self.waiting = waiting
    }
}
