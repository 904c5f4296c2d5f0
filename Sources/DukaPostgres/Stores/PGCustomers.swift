import DukaCore

/// The employee portal's SQL on PostgreSQL: users whose role is `customer`.
enum PGCustomers {
    static func conditions(_ filter: CustomerFilter, throughIndex: Bool = false) -> PGFilter {
        var sql = PGFilter()
        sql.add("role = 'customer'")
        if !filter.includeDeleted { sql.add("deleted_at IS NULL") }
        if let isActive = filter.isActive { sql.add("is_active = $?", isActive) }
        if let search = filter.search, !search.isEmpty {
            sql.add(PGSearch.condition(search, columns: ["full_name", "email", "phone_number", "id_number"], throughIndex: throughIndex))
        }
        return sql
    }

    /// Unfiltered lists are counted by the triggers; others need the rows.
    static func counter(_ filter: CustomerFilter) -> PGCounters.Name? {
        guard filter.isActive == nil, filter.search?.isEmpty ?? true else { return nil }
        return filter.includeDeleted ? .customersAll : .customersLive
    }

    /// True for a deep page of an unfiltered list: read from a cached boundary id, in a
    /// transaction of its own (`deepPage`).
    static func isDeep(_ filter: CustomerFilter, _ page: PageRequest) -> Bool {
        counter(filter) != nil && (page.offset ?? 0) >= PGPageBoundaries.stride
    }

    /// A page of customers by id, each row given to `row`, after the caller's row is
    /// admitted, in one statement; answers the total matching the filter.
    static func page(
        _ filter: CustomerFilter, page: PageRequest, _ access: Access, in db: PGSession, row: (PGRow) throws -> Void
    ) async throws -> (total: Int64, request: PageRequest) {
        if let short = ShortSearch(filter) {
            let throughIndex = try await PGSearchGrams.throughIndex(short, page: page, in: db)
            return try await PGAdmittedReads.userPage(
                access, filter: conditions(filter, throughIndex: throughIndex), order: "id", total: .searchGrams(short), page: page,
                matchesFirst: throughIndex, in: db, row: row
            )
        }
        let searched = filter.search?.isEmpty == false
        let total: PGAdmittedReads.Total = counter(filter).map { .counter($0) } ?? (searched ? .countOfMatches : .count)
        return try await PGAdmittedReads.userPage(access, filter: conditions(filter), order: "id", total: total, page: page, in: db, row: row)
    }

    /// A deep page of an unfiltered list (`isDeep`), in the caller's read transaction.
    static func deepPage(
        _ filter: CustomerFilter, page: PageRequest, boundaries: PGPageBoundaries, in db: PGSession, row: (PGRow) throws -> Void
    ) async throws -> (total: Int64, request: PageRequest) {
        let total = try await PGCounters.value(counter(filter)!, in: db)
        let sql = conditions(filter)
        guard let offset = page.offset, offset < total,
              let start = try await boundaries.start(forOffset: offset, includeDeleted: filter.includeDeleted, filter: sql, in: db)
        else { return (total, page) }
        let next = sql.arguments.count + 1
        for found in try await db.rows(
            """
            SELECT \(PGUsers.columns) FROM users
            WHERE id IN (SELECT id FROM users \(sql.whereClause) AND id >= $\(next) ORDER BY id LIMIT $\(next + 1) OFFSET $\(next + 2))
            ORDER BY id
            """,
            sql.arguments + [start.id, page.size, start.skip]
        ) {
            try row(found)
        }
        return (total, page)
    }

    /// A deep page in one statement, from the boundaries this process holds: the caller's
    /// row, the total, `customers_version` and the page come from one snapshot, and the
    /// page stands only if the version matches the boundaries' tag. Nil when there are no
    /// boundaries or they are stale: `deepPage` in a transaction then refreshes them.
    /// The rows are given to `row` only once they stand.
    static func cachedDeepPage(
        _ filter: CustomerFilter, page: PageRequest, _ access: Access, boundaries: PGPageBoundaries, in db: PGSession,
        row: (PGRow) throws -> Void
    ) async throws -> (total: Int64, request: PageRequest)? {
        guard let counter = counter(filter), let offset = page.offset,
              let start = boundaries.cachedStart(forOffset: offset, size: page.size, includeDeleted: filter.includeDeleted)
        else { return nil }
        // The page's size is written in and its rows are bounded on both sides, so
        // PostgreSQL's generic plan for the statement costs what a custom one does and is
        // kept; with `id >= $n LIMIT $n` it planned every execution again (deep pages:
        // 0.2-0.6 ms of planning on 0.1 ms of work).
        let sql = conditions(filter)
        let statement = PGFilter.numbered(
            """
            SELECT * FROM (
                SELECT \(PGUsers.columns), 0 AS part,
                       (SELECT value FROM counters WHERE name = '\(counter.rawValue)') AS total,
                       (SELECT value FROM counters WHERE name = '\(PGCounters.Name.customersVersion.rawValue)') AS version
                FROM users WHERE id = $?
                UNION ALL
                SELECT * FROM (
                    SELECT \(PGUsers.columns), 1, NULL::bigint, NULL::bigint FROM users
                    \(sql.unnumberedWhereClause) AND id >= $? AND id < $? ORDER BY id LIMIT \(page.size) OFFSET $?
                ) AS page
            ) AS answer
            ORDER BY part, id
            """
        )
        let rows = try await db.rows(statement, [access.userID] + sql.arguments + [start.id, start.end, start.skip])
        let base = UserColumn.allCases.count
        _ = try access.admit(rows.first.flatMap { $0.int64(base) == 0 ? PGUsers.decode($0) : nil })
        guard rows[0].int64(base + 2) == start.version else { return nil }
        let total = rows[0].int64(base + 1)
        for found in rows.dropFirst() where offset < total { try row(found) }
        return (total, page)
    }

    static func find(id: Int64, forUpdate: Bool = false, in db: PGSession) async throws -> User? {
        try await db.first(
            "SELECT \(PGUsers.columns) FROM users WHERE id = $1 AND role = 'customer'\(forUpdate ? " FOR UPDATE" : "")", id
        ).map(PGUsers.decode)
    }

    /// Checks the customer's state and applies `change` with its audit row; the row is
    /// locked first, so two changes of one customer run one after the other.
    static func apply(_ change: CustomerChange, customerID: Int64, actor: User, now: Int64 = Timestamp.now(), in db: PGSession) async throws -> User {
        guard let customer = try await find(id: customerID, forUpdate: true, in: db) else { throw CustomerChangeError.notFound }
        if let refusal = change.refusal(for: customer) { throw refusal }
        let set = switch change {
        case .softDelete: "deleted_at = $1"
        case .restore: "deleted_at = NULL"
        case .activate: "is_active = TRUE"
        case .deactivate: "is_active = FALSE"
        }
        let updated = try await db.rows(
            """
            UPDATE users SET \(set), updated_at = $1, session_version = session_version + $3 WHERE id = $2
            RETURNING \(PGUsers.columns)
            """,
            [now, customerID, Int64(change.endsSessions ? 1 : 0)]
        )
        try await PGAuditLog.record(actor: actor, action: change.auditAction, targetType: .user, targetID: customer.uuid, at: now, in: db)
        return PGUsers.decode(updated[0])
    }
}
