import Crypto
import Synchronization

/// Where login and registration attempts are counted: `LoginThrottle` in this process (one
/// server holds the database), or the database itself when several instances share it.
/// Each attempt reserves its place before the password is checked; a place whose
/// settlement is lost stays counted until the window ends (fail closed).
public protocol AttemptThrottle: Sendable {
    var limits: LoginThrottle.Limits { get }
    /// A place for one attempt, or the seconds to wait. `account` nil counts the address only.
    func reserve(account: String?, address: String) async throws -> Result<LoginThrottle.Reservation, LoginThrottle.Wait>
    /// The attempt failed: its place stays taken for the window.
    func failed(_ reservation: LoginThrottle.Reservation) async
    /// The attempt succeeded: the account's settled failures are forgotten, and this place.
    func succeeded(_ reservation: LoginThrottle.Reservation) async
    /// The attempt was not a failure: its place is given back.
    func release(_ reservation: LoginThrottle.Reservation) async
}

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Counts attempts per account and per client address in a sliding window
/// (API.md section 2: 5 per account or 30 per address in 15 minutes).
///
/// An attempt **reserves** its place before the slow password check and keeps it (a
/// failure), gives it back (a success, or an attempt that is not a failure), so that
/// attempts in flight count: however many arrive at once, at most `perAccount` checks
/// per account and `perAddress` per address run in a window.
///
/// Kept in memory: a restart forgets the counts, which is acceptable for one shop's
/// server and keeps failed logins from writing to the database. (Several instances on
/// one PostgreSQL database count in the database instead: `Storage.sharedThrottle`.) Memory is bounded:
/// `maxEntries` accounts and as many addresses in the normal run of things (at most four
/// times that while keys at their limit fill it), each key at most `maxKeyBytes` (longer
/// keys are replaced by a digest), each with at most its limit of timestamps.
public final class LoginThrottle: AttemptThrottle {
    public struct Limits: Sendable {
        public var perAccount: Int
        public var perAddress: Int
        public var window: Int64
        public var maxEntries: Int

        public init(perAccount: Int = 5, perAddress: Int = 30, window: Int64 = 15 * 60, maxEntries: Int = 5_000) {
            self.perAccount = perAccount
            self.perAddress = perAddress
            self.window = window
            self.maxEntries = maxEntries
        }
    }

    /// A place held in the counts while a password is checked.
    public struct Reservation: Sendable {
        public let account: String?
        public let address: String
        public let id: UInt64
        public let time: Int64

        public init(account: String?, address: String, id: UInt64, time: Int64) {
            (self.account, self.address, self.id, self.time) = (account, address, id, time)
        }
    }

    /// The key longest kept as it is; longer ones (never a valid login) become a digest.
    public static let maxKeyBytes = 256

    private struct Attempt {
        var id: UInt64
        var time: Int64
        /// Reserved, its password still being checked.
        var inFlight = true
    }

    /// Attempts per key. When it holds `maxEntries` keys, expired attempts go, then the
    /// least recently used keys that are *not* at their limit (a key at its limit is
    /// blocking someone, and forgetting it would give an attacker new guesses). Keys at
    /// their limit can only be made by checked attempts, so their number is bounded by
    /// bcrypt's speed; still, past four times `maxEntries` new keys are refused (fail closed).
    private struct Table {
        let limit: Int
        let maxEntries: Int
        var attempts: [String: [Attempt]] = [:]

        var hardCap: Int { maxEntries * 4 }

        mutating func count(_ key: String, since cutoff: Int64) -> (count: Int, oldest: Int64?) {
            guard var list = attempts[key] else { return (0, nil) }
            list.removeAll { $0.time <= cutoff }
            attempts[key] = list.isEmpty ? nil : list
            return (list.count, list.first?.time)
        }

        /// Whether `key` can be counted: it is there already, or there is (or can be made) room.
        mutating func hasRoom(for key: String, cutoff: Int64) -> Bool {
            guard attempts[key] == nil, attempts.count >= maxEntries else { return true }
            makeRoom(cutoff: cutoff)
            return attempts.count < hardCap
        }

        mutating func add(_ key: String, _ attempt: Attempt) {
            attempts[key, default: []].append(attempt)
        }

        /// Marks a reservation as a failure; false when it is no longer there (evicted).
        mutating func settle(_ key: String, id: UInt64) -> Bool {
            guard let index = attempts[key]?.firstIndex(where: { $0.id == id }) else { return false }
            attempts[key]![index].inFlight = false
            return true
        }

        /// Forgets the failures already known, keeping the attempts still in flight.
        mutating func clearFailures(_ key: String) {
            attempts[key]?.removeAll { !$0.inFlight }
            if attempts[key]?.isEmpty == true { attempts[key] = nil }
        }

        mutating func remove(_ key: String, id: UInt64) -> Bool {
            guard var list = attempts[key], let index = list.firstIndex(where: { $0.id == id }) else { return false }
            list.remove(at: index)
            attempts[key] = list.isEmpty ? nil : list
            return true
        }

        /// Drops what the window has left behind; if still full, the least recently used
        /// keys below their limit, down to 90% (so a flood of new keys does not sweep the
        /// table at every key).
        private mutating func makeRoom(cutoff: Int64) {
            attempts = attempts.compactMapValues { list in
                let recent = list.filter { $0.time > cutoff }
                return recent.isEmpty ? nil : recent
            }
            let excess = attempts.count - maxEntries * 9 / 10
            guard excess > 0 else { return }
            let stalest = attempts.filter { $0.value.count < limit }
                .map { ($0.key, $0.value.last?.time ?? 0) }
                .sorted { $0.1 < $1.1 }
                .prefix(excess)
            for (key, _) in stalest { attempts[key] = nil }
        }
    }

    private struct State {
        var byAccount: Table
        var byAddress: Table
        var nextID: UInt64 = 0
    }

    public let limits: Limits
    private let state: Mutex<State>
    private let now: @Sendable () -> Int64

    public init(limits: Limits = .init(), now: @escaping @Sendable () -> Int64 = Timestamp.now) {
        self.limits = limits
        self.now = now
        self.state = Mutex(State(
            byAccount: Table(limit: limits.perAccount, maxEntries: limits.maxEntries),
            byAddress: Table(limit: limits.perAddress, maxEntries: limits.maxEntries)
        ))
    }

    /// The account key of a known user (by id, so its username and email share one count).
    public static func accountKey(userID: Int64) -> String { "user:\(userID)" }

    /// The account key of a name that matches no user: the typed text, case-folded.
    public static func accountKey(unknownName name: String) -> String {
        bounded("name:" + name.lowercased())
    }

    /// Takes a place for one attempt, or answers the seconds to wait when a limit is reached.
    /// `account` nil counts the address only (registrations).
    public func reserve(account: String?, address: String) -> Result<Reservation, Wait> {
        let time = now()
        let cutoff = time - limits.window
        let address = Self.bounded(address)
        return state.withLock { state in
            var waits: [Int64] = []
            if let account {
                let (count, oldest) = state.byAccount.count(account, since: cutoff)
                if count >= limits.perAccount, let oldest { waits.append(oldest + limits.window - time) }
            }
            let (count, oldest) = state.byAddress.count(address, since: cutoff)
            if count >= limits.perAddress, let oldest { waits.append(oldest + limits.window - time) }
            if let wait = waits.max() { return .failure(Wait(seconds: max(1, wait))) }
            // Full of keys that are blocking someone: a new one is refused rather than counted nowhere.
            guard account.map({ state.byAccount.hasRoom(for: $0, cutoff: cutoff) }) ?? true,
                  state.byAddress.hasRoom(for: address, cutoff: cutoff)
            else { return .failure(Wait(seconds: limits.window)) }

            state.nextID &+= 1
            let attempt = Attempt(id: state.nextID, time: time)
            if let account { state.byAccount.add(account, attempt) }
            state.byAddress.add(address, attempt)
            return .success(Reservation(account: account, address: address, id: attempt.id, time: time))
        }
    }

    /// The attempt failed: its place stays taken for the window. (If its entry was evicted
    /// meanwhile, the failure is counted again.)
    public func failed(_ reservation: Reservation) {
        state.withLock { state in
            let attempt = Attempt(id: reservation.id, time: reservation.time, inFlight: false)
            if let account = reservation.account, !state.byAccount.settle(account, id: reservation.id) {
                state.byAccount.add(account, attempt)
            }
            if !state.byAddress.settle(reservation.address, id: reservation.id) {
                state.byAddress.add(reservation.address, attempt)
            }
        }
    }

    /// The attempt succeeded: the account's earlier failures are forgotten, but attempts
    /// still in flight keep their places (a success beside a burst of guesses does not
    /// let more of them through). The address keeps its failures, not this attempt.
    public func succeeded(_ reservation: Reservation) {
        state.withLock { state in
            if let account = reservation.account {
                _ = state.byAccount.remove(account, id: reservation.id)
                state.byAccount.clearFailures(account)
            }
            _ = state.byAddress.remove(reservation.address, id: reservation.id)
        }
    }

    /// The attempt was not a failure (a right password on a deactivated account): its
    /// place is given back and nothing else changes.
    public func release(_ reservation: Reservation) {
        state.withLock { state in
            if let account = reservation.account { _ = state.byAccount.remove(account, id: reservation.id) }
            _ = state.byAddress.remove(reservation.address, id: reservation.id)
        }
    }

    /// How many keys are kept (for tests of the memory bound).
    public var entryCount: (accounts: Int, addresses: Int) {
        state.withLock { ($0.byAccount.attempts.count, $0.byAddress.attempts.count) }
    }

    public struct Wait: Error, Sendable, Equatable {
        public let seconds: Int64

        public init(seconds: Int64) {
            self.seconds = seconds
        }
    }

    /// Keys longer than `maxKeyBytes` are replaced by their SHA-256, so no key costs more.
    public static func bounded(_ key: String) -> String {
        key.utf8.count <= maxKeyBytes ? key : "sha256:" + Data(SHA256.hash(data: Array(key.utf8))).base64EncodedString()
    }
}
