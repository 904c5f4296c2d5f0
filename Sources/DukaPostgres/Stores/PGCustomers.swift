import DukaCore

/// The employee portal's SQL on PostgreSQL: users whose role is `customer`.
enum PGCustomers {
    static func conditions(
        _ filter: CustomerFilter, throughIndex: Bool = false, narrowedTo: Substring? = nil, oncePlanned: Bool = false, scanned: Bool = false
    ) -> PGFilter {
        var sql = PGFilter()
        sql.add("role = 'customer'")
        if !filter.includeDeleted { sql.add("deleted_at IS NULL") }
        if let isActive = filter.isActive { sql.add("is_active = $?", isActive) }
        if let search = filter.search, !search.isEmpty {
            sql.add(PGSearch.condition(
                search, columns: ["full_name", "email", "phone_number", "id_number"], throughIndex: throughIndex, walked: scanned,
                narrowedTo: narrowedTo, oncePlanned: oncePlanned
            ))
        }
        return sql
    }

    /// Unfiltered lists are counted by the triggers; others need the rows.
    static func counter(_ filter: CustomerFilter) -> PGCounters.Name? {
        guard filter.isActive == nil, filter.search?.isEmpty ?? true else { return nil }
        return filter.includeDeleted ? .customersAll : .customersLive
    }

    /// A page of customers by id, each row given to `row`, after the caller's row is
    /// admitted, in one statement; answers the total matching the filter. A short search,
    /// a filter of buckets alone (`is_active`) and a deep page start their walk at the
    /// block holding their first row (search_blocks for a text, list_blocks' levels else).
    static func page(
        _ filter: CustomerFilter, page: PageRequest, _ access: Access, in db: PGSession, row: (PGRow) throws -> Void
    ) async throws -> (total: Int64, request: PageRequest) {
        let searched = filter.search?.isEmpty == false
        if let short = ShortSearch(filter) {
            let start = PGPageStart(search: short, descending: false)
            let throughIndex = try await PGSearchGrams.throughIndex(short, page: page, placed: start, in: db)
            return try await PGAdmittedReads.userPage(
                access, filter: conditions(filter, throughIndex: throughIndex, oncePlanned: throughIndex), order: "id", total: .searchGrams(short), page: page,
                matchesFirst: throughIndex, startingAt: start, in: db, row: row
            )
        }
        // A long text's kept state, or else (not kept) the four the indexes should look up.
        var narrowed: Substring?
        if let kept = KeptSearch(filter), let text = filter.search {
            let found = try await PGKeptSearches.stateOrNarrowing(kept, text: text, in: db)
            narrowed = found.narrowed
            if found.common {
                // Likely in many customers: counted by a scan, its page walked in id order.
                return try await PGAdmittedReads.userPage(
                    access, filter: conditions(filter, oncePlanned: true, scanned: true), order: "id", total: .count, page: page,
                    in: db, row: row
                )
            }
            if let state = found.state {
                // A kept text's total is a few rows' sum; its page is read from its members
                // (listed), walked when that reaches it soon (a dense text), else found through
                // the trigram indexes.
                let walked = PGKeptSearches.walks(state, page: page)
                var unsearched = filter
                unsearched.search = nil
                let walk = PGKeptSearches.Walk(
                    base: conditions(unsearched),
                    condition: PGSearch.condition(kept.text, columns: kept.list.searchedColumns, walked: true),
                    state: state, page: page
                )
                // A listed text's page is read from its members, in id order as the portal's.
                let members = state.listed ? PGKeptSearches.Members(search: kept, descending: false) : nil
                let matchesFirst = !walked && members == nil
                return try await PGAdmittedReads.userPage(
                    access, filter: conditions(filter, oncePlanned: matchesFirst), order: "id", total: .kept(kept), page: page,
                    matchesFirst: matchesFirst, walk: walk, members: members, in: db, row: row
                )
            }
        } else if let search = filter.search, searched {
            narrowed = try await PGSearch.narrowing(search, list: .customers, in: db)
        }
        if searched {
            return try await PGAdmittedReads.userPage(
                access, filter: conditions(filter, narrowedTo: narrowed, oncePlanned: true), order: "id", total: .countOfMatches, page: page,
                in: db, row: row
            )
        }
        let everyone = ShortSearch.everyone(filter)
        let counted = counter(filter)
        let start = counted == nil || (page.offset ?? 0) >= firstPagesWalked ? PGPageStart(search: everyone, descending: false) : nil
        return try await PGAdmittedReads.userPage(
            access, filter: conditions(filter), order: "id", total: counted.map { .counter($0) } ?? .searchGrams(everyone), page: page,
            startingAt: start, in: db, row: row
        )
    }

    /// Offsets below this walk an unfiltered list from its start; deeper pages start at
    /// their block.
    static let firstPagesWalked: Int64 = 512

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
