import DukaCore

/// Exact row counts kept by triggers (`counters`, see schema.postgres.sql).
enum PGCounters {
    enum Name: String, Sendable {
        case customersLive = "customers_live"
        case customersAll = "customers_all"
        case customersVersion = "customers_version"
        case products
        case carts
    }

    static func value(_ name: Name, in db: PGSession) async throws -> Int64 {
        try await db.scalarInt("SELECT value FROM counters WHERE name = $1", name.rawValue) ?? 0
    }
}

/// The SQL of `audit_log`.
enum PGAuditLog {
    static let columns = AuditLogColumn.selectList()

    static func record(
        actor: User, action: String, targetType: AuditLog.TargetType, targetID: String, at time: Int64 = Timestamp.now(), in db: PGSession
    ) async throws {
        try await db.execute(
            """
            INSERT INTO audit_log (actor_id, actor_uuid, actor_username, action, target_type, target_id, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            """,
            actor.id, actor.uuid, actor.username, action, targetType.rawValue, targetID, time
        )
    }

    /// What a change's audit row says, besides its target (the change's returned id).
    struct Note {
        let actor: User
        let action: String
        let targetType: AuditLog.TargetType
    }

    /// `change` (an INSERT or UPDATE ending in `RETURNING id`, parameters `$?`), then each
    /// of `alongside` (data-changing statements, parameters `$?`), and, when `note` is
    /// given, the audit row naming the returned id: one statement, one round trip. Answers
    /// the returned id; nil when the change touched no row (nothing else is written then,
    /// `alongside` aside).
    static func change(
        _ change: (sql: String, arguments: [any PGArgument]), alongside: [(sql: String, arguments: [any PGArgument])] = [],
        noted note: Note?, at time: Int64, in db: PGSession
    ) async throws -> Int64? {
        var parts = ["changed AS (\(change.sql))"]
        var arguments = change.arguments
        for (index, statement) in alongside.enumerated() {
            parts.append("alongside\(index) AS (\(statement.sql))")
            arguments += statement.arguments
        }
        if let note {
            parts.append(
                """
                audited AS (
                    INSERT INTO audit_log (actor_id, actor_uuid, actor_username, action, target_type, target_id, created_at)
                    SELECT $?, $?, $?, $?, $?, id::text, $? FROM changed
                )
                """
            )
            arguments += [note.actor.id, note.actor.uuid, note.actor.username, note.action, note.targetType.rawValue, time] as [any PGArgument]
        }
        let sql = PGFilter.numbered("WITH " + parts.joined(separator: ",\n") + "\nSELECT id FROM changed")
        return try await db.rows(sql, arguments).first?.int64(0)
    }

    static func decode(_ row: PGRow) -> AuditLog.Entry {
        func text(_ column: AuditLogColumn) -> String { row.string(Int(column.position)) }
        return AuditLog.Entry(
            id: row.int64(Int(AuditLogColumn.id.position)), actorUUID: text(.actorUUID), actorUsername: text(.actorUsername),
            action: text(.action), targetType: text(.targetType), targetID: text(.targetID),
            createdAt: row.int64(Int(AuditLogColumn.createdAt.position))
        )
    }

    static func list(_ filter: AuditLog.Filter, page: PageRequest, in db: PGSession) async throws -> Page<AuditLog.Entry> {
        var sql = PGFilter()
        if let actorUUID = filter.actorUUID { sql.add("actor_uuid = $?", actorUUID) }
        if let action = filter.action { sql.add("action = $?", action) }
        return try await db.page(from: "audit_log", filter: sql, page: page, columns: columns, orderBy: "id DESC", decode: decode)
    }
}

/// The SQL of `settings` (server-wide key/value pairs).
enum PGSettings {
    static func value(_ key: String, in db: PGSession) async throws -> String? {
        try await db.first("SELECT value FROM settings WHERE key = $1", key)?.string(0)
    }

    /// The stored signing secret, made on first use (the first of racing instances wins).
    static func signingSecret(in db: PGSession) async throws -> String {
        try await db.execute(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING", SigningSecret.key, SigningSecret.random()
        )
        return try await value(SigningSecret.key, in: db) ?? ""
    }
}

/// The sales report on PostgreSQL: the same days, counts and half-up rounding per line
/// as the SQLite engine's (`SalesReport.assemble` adds the days up for both).
enum PGSalesReport {
    static func load(days: Int64, branchID: Int64?, now: Int64 = Timestamp.now(), in db: PGSession) async throws -> SalesReport {
        var counts: [String: Int64] = [:]
        let branchArgument: [any PGArgument] = branchID.map { [$0] } ?? []
        for row in try await db.rows("SELECT status, COUNT(*) FROM carts" + (branchID == nil ? "" : " WHERE branch_id = $1") + " GROUP BY status", branchArgument) {
            counts[row.string(0)] = row.int64(1)
        }
        let first = SalesReport.window(days: days, now: now).first
        // Each line rounded as on SQLite: (cents × milli + 500) / 1000, integer division.
        let carts = try await db.rows(
            """
            SELECT c.updated_at / 86400,
                   (SELECT SUM((i.unit_price_cents * i.quantity_milli + 500) / 1000)::bigint
                    FROM cart_items AS i WHERE i.cart_id = c.id)
            FROM carts AS c
            WHERE c.status = 'checked_out' AND c.updated_at >= $1
            """ + (branchID == nil ? "" : " AND c.branch_id = $2"),
            [first * SalesReport.secondsPerDay] + branchArgument
        ).map { (day: $0.int64(0), totalCents: $0.int64(1)) }
        let refunds = try await db.rows(SalesReport.refundsSQL(branch: branchID != nil), [first * SalesReport.secondsPerDay] + branchArgument)
            .map { (day: $0.int64(0), totalCents: $0.int64(1)) }
        return SalesReport.assemble(days: days, now: now, countsByStatus: counts, checkedOut: carts, refunds: refunds)
    }
}
