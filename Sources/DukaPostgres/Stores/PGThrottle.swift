import DukaCore

/// Login and registration attempts counted in `throttle_attempts`, so that every instance
/// on the database sees one count (`duka_throttle_reserve` in migrations/postgres/0002).
/// Settling is best effort: a place whose settlement fails stays counted, as an attempt
/// in flight, until its window ends (fail closed).
struct PGThrottle: AttemptThrottle {
    let scope: String
    let limits: LoginThrottle.Limits
    let storage: PostgresStorage

    private func key(_ kind: String, _ value: String) -> String {
        "\(scope) \(kind) \(LoginThrottle.bounded(value))"
    }

    func reserve(account: String?, address: String) async throws -> Result<LoginThrottle.Reservation, LoginThrottle.Wait> {
        let accountKey = account.map { key("account", $0) }
        let addressKey = key("address", address)
        let now = Timestamp.now()
        let answer = try await storage.write { db in
            try await db.scalarInt(
                "SELECT duka_throttle_reserve($1, $2, $3, $4, $5, $6)",
                accountKey, addressKey, now, limits.window, Int64(limits.perAccount), Int64(limits.perAddress)
            ) ?? 0
        }
        guard answer > 0 else { return .failure(LoginThrottle.Wait(seconds: max(1, -answer))) }
        return .success(LoginThrottle.Reservation(account: accountKey, address: addressKey, id: UInt64(answer), time: now))
    }

    func failed(_ reservation: LoginThrottle.Reservation) async {
        _ = try? await storage.write { db in
            try await db.execute("UPDATE throttle_attempts SET in_flight = FALSE WHERE reservation = $1", Int64(reservation.id))
        }
    }

    func succeeded(_ reservation: LoginThrottle.Reservation) async {
        _ = try? await storage.write { db in
            try await db.execute(
                "DELETE FROM throttle_attempts WHERE reservation = $1 OR (key = $2 AND NOT in_flight)",
                Int64(reservation.id), reservation.account
            )
        }
    }

    func release(_ reservation: LoginThrottle.Reservation) async {
        _ = try? await storage.write { db in
            try await db.execute("DELETE FROM throttle_attempts WHERE reservation = $1", Int64(reservation.id))
        }
    }
}

extension PostgresStorage {
    public func sharedThrottle(scope: String, limits: LoginThrottle.Limits) -> (any AttemptThrottle)? {
        PGThrottle(scope: scope, limits: limits, storage: self)
    }
}
