import DukaCore
import Synchronization

/// Login and registration attempts counted in `throttle_attempts`, so that every instance
/// on the database sees one count (`duka_throttle_reserve` in migrations/postgres/0002).
/// Settling is best effort: a place whose settlement fails stays counted, as an attempt
/// in flight, until its window ends (fail closed). Each call is one statement in its own
/// transaction, so the keys' locks are held for that statement only.
///
/// A key the database found at its limit is refused here, without asking again, for up
/// to `RefusalMemo.span` seconds: a flood of attempts at one account or from one address
/// costs the database one call a second instead of one per attempt. (A place freed in
/// that second, by an attempt in flight that succeeds, is seen a second late.)
struct PGThrottle: AttemptThrottle {
    let scope: String
    let limits: LoginThrottle.Limits
    let storage: PostgresStorage
    let refusals: RefusalMemo

    private func key(_ kind: String, _ value: String) -> String {
        "\(scope) \(kind) \(LoginThrottle.bounded(value))"
    }

    func reserve(account: String?, address: String) async throws -> Result<LoginThrottle.Reservation, LoginThrottle.Wait> {
        let accountKey = account.map { key("account", $0) }
        let addressKey = key("address", address)
        let now = Timestamp.now()
        if let wait = refusals.wait(for: [accountKey, addressKey].compactMap { $0 }, now: now) {
            return .failure(LoginThrottle.Wait(seconds: wait))
        }
        // The window runs on the database's clock, one for every instance: an instance
        // whose clock is off would otherwise expire (and delete) the others' attempts early.
        let answer = try await storage.single { db in
            try await db.scalarInt(
                "SELECT duka_throttle_reserve($1, $2, EXTRACT(EPOCH FROM clock_timestamp())::bigint, $3, $4, $5)",
                accountKey, addressKey, limits.window, Int64(limits.perAccount), Int64(limits.perAddress)
            ) ?? 0
        }
        guard answer > 0 else {
            // -(seconds × 4 + limited: 1 the account, 2 the address)
            let wait = max(1, -answer / 4), limited = -answer % 4
            if limited & 1 != 0, let accountKey { refusals.remember(accountKey, wait: wait, now: now) }
            if limited & 2 != 0 { refusals.remember(addressKey, wait: wait, now: now) }
            return .failure(LoginThrottle.Wait(seconds: wait))
        }
        return .success(LoginThrottle.Reservation(account: accountKey, address: addressKey, id: UInt64(answer), time: now))
    }

    func failed(_ reservation: LoginThrottle.Reservation) async {
        _ = try? await storage.single { db in
            try await db.execute("UPDATE throttle_attempts SET in_flight = FALSE WHERE reservation = $1", Int64(reservation.id))
        }
    }

    func succeeded(_ reservation: LoginThrottle.Reservation) async {
        _ = try? await storage.single { db in
            try await db.execute(
                "DELETE FROM throttle_attempts WHERE reservation = $1 OR (key = $2 AND NOT in_flight)",
                Int64(reservation.id), reservation.account
            )
        }
    }

    func release(_ reservation: LoginThrottle.Reservation) async {
        _ = try? await storage.single { db in
            try await db.execute("DELETE FROM throttle_attempts WHERE reservation = $1", Int64(reservation.id))
        }
    }
}

/// Keys the database recently found at their limit, with the wait it gave, kept for at
/// most `span` seconds. Bounded: past `capacity` keys the expired ones go, then all.
final class RefusalMemo: Sendable {
    static let span: Int64 = 1
    let capacity: Int
    private let refused = Mutex<[String: (until: Int64, wait: Int64)]>([:])

    init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    /// The wait remembered for any of `keys`, if one is still fresh.
    func wait(for keys: [String], now: Int64) -> Int64? {
        refused.withLock { refused in
            keys.compactMap { refused[$0] }.filter { $0.until > now }.map(\.wait).max()
        }
    }

    func remember(_ key: String, wait: Int64, now: Int64) {
        refused.withLock { refused in
            if refused.count >= capacity {
                refused = refused.filter { $0.value.until > now }
                if refused.count >= capacity { refused.removeAll() }
            }
            refused[key] = (now + min(wait, Self.span), wait)
        }
    }
}

extension PostgresStorage {
    public func sharedThrottle(scope: String, limits: LoginThrottle.Limits) -> (any AttemptThrottle)? {
        PGThrottle(scope: scope, limits: limits, storage: self, refusals: RefusalMemo())
    }
}
