import Crypto
import HummingbirdBcrypt
import NIOPosix
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// bcrypt over a SHA-256 pre-hash, on a thread pool of its own.
///
/// bcrypt reads at most 72 bytes; hashing the password first (base64 of SHA-256,
/// 44 ASCII bytes) makes every character count. bcrypt is slow by design, so it never
/// runs on an event loop or on Swift's cooperative pool.
///
/// Timing: a check never answers sooner than a check at the configured cost, so an
/// unknown user (checked against a dummy hash at the configured cost) and a user whose
/// stored hash is older and cheaper look alike; such hashes are re-made at the
/// configured cost when their owner next logs in (`needsRehash`).
public final class PasswordHasher: Sendable {
    public static let allowedCosts: ClosedRange<Int> = 4...31

    public let cost: UInt8
    private let threads: NIOThreadPool
    /// A hash of a random password, checked when a login names nobody, so that an
    /// unknown user costs the same time as a wrong password. Made in the background at
    /// start (a cost-12 hash takes ~260 ms, which would delay the first answer).
    private let dummyHash: Task<String, any Error>
    /// How long one bcrypt run at the configured cost takes here.
    private let configuredCostDuration = RunningAverage()
    /// bcrypt runs so far (hashes and checks), for tests and operators.
    private let runCount = Atomic<Int>(0)

    public var runs: Int { runCount.load(ordering: .relaxed) }

    public init(cost: Int, threads: Int) {
        precondition(Self.allowedCosts.contains(cost), "bcrypt cost must be within \(Self.allowedCosts)")
        self.cost = UInt8(cost)
        let pool = NIOThreadPool(numberOfThreads: max(1, threads))
        pool.start()
        self.threads = pool
        let bcryptCost = UInt8(cost)
        let duration = configuredCostDuration
        self.dummyHash = Task {
            let (hash, took) = try await pool.runIfActive { Self.timed { Bcrypt.hash(Self.prehash(UUIDString.random()), cost: bcryptCost) } }
            duration.add(took)
            return hash
        }
    }

    static func prehash(_ password: String) -> String {
        Data(SHA256.hash(data: Array(password.utf8))).base64EncodedString()
    }

    /// The cost a bcrypt hash was made with (`$2b$12$...` is 12), or nil when it is not bcrypt.
    public static func cost(of hash: String) -> Int? {
        let parts = hash.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0].isEmpty, parts[2].count == 2 else { return nil }
        return Int(parts[2])
    }

    /// True when `hash` was made at another cost than the configured one.
    public func needsRehash(_ hash: String) -> Bool {
        Self.cost(of: hash) != Int(cost)
    }

    public func hash(_ password: String) async throws -> String {
        let cost = self.cost
        runCount.add(1, ordering: .relaxed)
        let (hash, took) = try await threads.runIfActive { Self.timed { Bcrypt.hash(Self.prehash(password), cost: cost) } }
        configuredCostDuration.add(took)
        return hash
    }

    /// Checks `password` against `hash`, or against a dummy hash when there is no user.
    /// Takes at least as long as a check at the configured cost.
    public func verify(_ password: String, against hash: String?) async throws -> Bool {
        let target: String
        if let hash { target = hash } else { target = try await dummyHash.value }
        runCount.add(1, ordering: .relaxed)
        let (matches, took) = try await threads.runIfActive { Self.timed { Bcrypt.verify(Self.prehash(password), hash: target) } }
        let targetCost = Self.cost(of: target)
        if targetCost == Int(cost) {
            configuredCostDuration.add(took)
        } else if (targetCost ?? 0) < Int(cost), let expected = configuredCostDuration.value, expected > took {
            try await Task.sleep(for: expected - took)
        }
        return hash != nil && matches
    }


    private static func timed<T>(_ body: () -> T) -> (T, Duration) {
        let clock = ContinuousClock()
        let start = clock.now
        let result = body()
        return (result, clock.now - start)
    }

    /// A moving average of durations, weighted towards the past so that one slow run (a
    /// busy machine) moves it little.
    final class RunningAverage: Sendable {
        private let average = Mutex<Duration?>(nil)

        var value: Duration? { average.withLock { $0 } }

        func add(_ sample: Duration) {
            average.withLock { average in average = average.map { ($0 * 7 + sample) / 8 } ?? sample }
        }
    }

    public func shutdown() async {
        _ = try? await dummyHash.value
        try? await threads.shutdownGracefully()
    }
}
