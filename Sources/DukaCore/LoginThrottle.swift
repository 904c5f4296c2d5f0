import NIOConcurrencyHelpers

/// Counts failed logins per login name and per client address in a sliding window
/// (API.md section 2: 5 per name or 30 per address in 15 minutes).
///
/// Kept in memory: a restart forgets the counts, which is acceptable for one shop's
/// server and keeps failed logins from writing to the database.
public final class LoginThrottle: Sendable {
    public struct Limits: Sendable {
        public var perName: Int
        public var perAddress: Int
        public var window: Int64

        public init(perName: Int = 5, perAddress: Int = 30, window: Int64 = 15 * 60) {
            self.perName = perName
            self.perAddress = perAddress
            self.window = window
        }
    }

    private struct State {
        var byName: [String: [Int64]] = [:]
        var byAddress: [String: [Int64]] = [:]
        var lastSweep: Int64 = 0
    }

    public let limits: Limits
    private let state = NIOLockedValueBox(State())
    private let now: @Sendable () -> Int64

    public init(limits: Limits = .init(), now: @escaping @Sendable () -> Int64 = Timestamp.now) {
        self.limits = limits
        self.now = now
    }

    static func key(forName name: String) -> String { name.lowercased() }

    /// Seconds to wait before trying again, or nil when the attempt may go ahead.
    public func retryAfter(name: String, address: String) -> Int64? {
        let time = now()
        let window = limits.window
        return state.withLockedValue { state in
            var waits: [Int64] = []
            if let failures = state.byName[Self.key(forName: name)] {
                let recent = failures.filter { $0 > time - window }
                if recent.count >= limits.perName { waits.append(recent[recent.count - limits.perName] + window - time) }
            }
            if let failures = state.byAddress[address] {
                let recent = failures.filter { $0 > time - window }
                if recent.count >= limits.perAddress { waits.append(recent[recent.count - limits.perAddress] + window - time) }
            }
            return waits.max().map { max(1, $0) }
        }
    }

    public func recordFailure(name: String, address: String) {
        let time = now()
        let window = limits.window
        state.withLockedValue { state in
            state.byName[Self.key(forName: name), default: []].append(time)
            state.byAddress[address, default: []].append(time)
            // Drop stale entries now and then, so memory stays bounded by recent traffic.
            if time - state.lastSweep > 60 {
                state.lastSweep = time
                state.byName = state.byName.compactMapValues(Self.trimmer(time - window))
                state.byAddress = state.byAddress.compactMapValues(Self.trimmer(time - window))
            }
        }
    }

    /// A success resets the name's count (not the address's).
    public func recordSuccess(name: String) {
        state.withLockedValue { _ = $0.byName.removeValue(forKey: Self.key(forName: name)) }
    }

    private static func trimmer(_ cutoff: Int64) -> ([Int64]) -> [Int64]? {
        { times in
            let recent = times.filter { $0 > cutoff }
            return recent.isEmpty ? nil : recent
        }
    }
}
