import Crypto
import HummingbirdBcrypt
import NIOPosix

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
public final class PasswordHasher: Sendable {
    public static let allowedCosts: ClosedRange<Int> = 4...31

    public let cost: UInt8
    private let threads: NIOThreadPool
    /// A hash of a random password, checked when a login names nobody, so that an
    /// unknown user costs the same time as a wrong password. Made in the background at
    /// start (a cost-12 hash takes ~260 ms, which would delay the first answer).
    private let dummyHash: Task<String, any Error>

    public init(cost: Int, threads: Int) {
        precondition(Self.allowedCosts.contains(cost), "bcrypt cost must be within \(Self.allowedCosts)")
        self.cost = UInt8(cost)
        let pool = NIOThreadPool(numberOfThreads: max(1, threads))
        pool.start()
        self.threads = pool
        let bcryptCost = UInt8(cost)
        self.dummyHash = Task { try await pool.runIfActive { Bcrypt.hash(Self.prehash(UUIDString.random()), cost: bcryptCost) } }
    }

    static func prehash(_ password: String) -> String {
        Data(SHA256.hash(data: Array(password.utf8))).base64EncodedString()
    }

    public func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await threads.runIfActive { Bcrypt.hash(Self.prehash(password), cost: cost) }
    }

    /// Checks `password` against `hash`, or against a dummy hash when there is no user.
    public func verify(_ password: String, against hash: String?) async throws -> Bool {
        let target: String
        if let hash { target = hash } else { target = try await dummyHash.value }
        let matches = try await threads.runIfActive { Bcrypt.verify(Self.prehash(password), hash: target) }
        return hash != nil && matches
    }

    public func shutdown() async {
        _ = try? await dummyHash.value
        try? await threads.shutdownGracefully()
    }
}
