import DukaCore
import SQLite

/// The filter as SQL conditions.
extension CustomerFilter {
    /// `throughIndex`: a short search's rows come from the trigram index (see `SearchGramStore.plan`).
    func sql(throughIndex: Bool = false, in db: Connection) throws -> SQLFilter {
        let mode = UserSearchMode.of(search, throughIndex: throughIndex)
        // With a text-index search, `+` keeps SQLite from probing the role index for
        // each row the text index finds: reading the row by id is cheaper.
        let plus = mode?.usesIndex == true ? "+" : ""
        var filter = SQLFilter()
        filter.add("\(plus)role = 'customer'")
        if !includeDeleted { filter.add("\(plus)deleted_at IS NULL") }
        if let isActive { filter.add("\(plus)is_active = ?", isActive) }
        if let search, let mode {
            filter.add(try userSearchCondition(search, list: .customers, mode: mode, in: db))
        }
        return filter
    }

    /// Unfiltered lists are counted by the triggers; others need the rows.
    var counter: Counters.Name? {
        guard isActive == nil, search?.isEmpty ?? true else { return nil }
        return includeDeleted ? .customersAll : .customersLive
    }
}

/// The SQL of the employee portal: users whose role is `customer`.
enum CustomerStore {
    /// Customers not soft-deleted (a trigger-kept counter).
    static func countLive(in db: Connection) throws -> Int64 {
        try Counters.value(.customersLive, in: db)
    }

    /// A page of customers by id, and the total matching the filter.
    static func list(_ filter: CustomerFilter, page: PageRequest, in db: Connection) throws -> Page<User> {
        try list(filter, page: page, in: db, row: UserStore.decode)
    }

    /// The same page, each row given to `row` as selected by `UserStore.columns`.
    static func list<T: Sendable>(_ filter: CustomerFilter, page: PageRequest, in db: Connection, row: (Row) throws -> T) throws -> Page<T> {
        let searched = filter.search?.isEmpty == false
        if let counter = filter.counter, (page.offset ?? 0) < firstPagesWalked {
            // The first pages of an unfiltered list: a counter and a short walk.
            return try pageOfIDs(try filter.sql(in: db), total: try Counters.value(counter, in: db), page: page, in: db, row: row)
        }
        if let kept = KeptSearch(filter), let total = try KeptSearchStore.total(kept, in: db) {
            // A kept text's total is a few rows' sum; its page, the index's first matches.
            var unsearched = filter
            unsearched.search = nil
            return try KeptSearchStore.page(kept, total: total, base: try unsearched.sql(in: db), order: .id, page: page, in: db, row: row)
        }
        if let short = ShortSearch(filter), short.length == 3, let offset = page.offset, offset < ShortSearch.indexOrderedOffsetsOverride ?? IndexOrderedPage.shortOffsets {
            // A text of three: the index's first matches in id order, which is the portal's.
            let total = try SearchGramStore.total(short, in: db)
            guard offset < total else { return Page(items: [], total: total, request: page) }
            var unsearched = filter
            unsearched.search = nil
            let indexed = IndexedText(likeOf: filter.search ?? "", list: .customers)
            let ids = try IndexOrderedPage.ids(indexed, filter: try unsearched.sql(in: db), limit: page.size, offset: offset, in: db)
            return Page(items: try UserStore.rows(ids: ids, order: .id, in: db, row: row), total: total, request: page)
        }
        if let placed = ShortSearch(filter) ?? (searched ? nil : ShortSearch.everyone(filter)) {
            // A short search's total (or the list's, per filter bucket) is kept by triggers;
            // its page is read from the blocks holding its rows, or found through the
            // trigram index, whichever reads fewer rows.
            let plan = try SearchGramStore.plan(placed, page: page, blocks: .ascending, in: db)
            let users = try plan.rows(try filter.sql(throughIndex: plan.throughIndex, in: db), page: page) { sql, limit, offset in
                try db.query(
                    """
                    SELECT \(UserStore.columns) FROM users
                    WHERE id IN (SELECT id FROM users \(sql.whereClause) ORDER BY id LIMIT ? OFFSET ?)
                    ORDER BY id
                    """,
                    arguments: sql.arguments + [limit, offset],
                    row: row
                )
            }
            return Page(items: users, total: plan.total, request: page)
        }
        // The text index finds the rows: counted (each match's row read), the page taken
        // on the way, in the index's order, which is the portal's.
        var unsearched = filter
        unsearched.search = nil
        let text = filter.search ?? ""
        let weights = try TrigramWeights(of: text, list: .customers, in: db)
        let found = try IndexOrderedPage.countedPage(
            IndexedText(text, list: .customers, weights: weights, stopsAtPage: false), filter: try unsearched.sql(in: db),
            limit: page.size, offset: page.offset ?? .max, in: db
        )
        return Page(items: try UserStore.rows(ids: found.ids, order: .id, in: db, row: row), total: found.total, request: page)
    }

    /// Offsets below this walk an unfiltered list from its start; deeper pages start at
    /// their block (search_blocks).
    static let firstPagesWalked: Int64 = 512

    /// The page's ids come from the filter's walk (an index-only scan without a search);
    /// only its rows are read from the table.
    private static func pageOfIDs<T>(_ sql: SQLFilter, total: Int64?, page: PageRequest, in db: Connection, row: (Row) throws -> T) throws -> Page<T> {
        try db.page(
            of: "users", filter: sql, knownTotal: total, page: page,
            select: """
                SELECT \(UserStore.columns) FROM users
                WHERE id IN (SELECT id FROM users \(sql.whereClause) ORDER BY id LIMIT ? OFFSET ?)
                ORDER BY id
                """,
            row: row
        )
    }

    /// The customer with this id (soft-deleted included), or nil when the id is nobody's
    /// or not a customer's.
    static func find(id: Int64, in db: Connection) throws -> User? {
        try db.queryFirst("SELECT \(UserStore.columns) FROM users WHERE id = ? AND role = 'customer'", id, row: UserStore.decode)
    }

    /// Checks the customer's state and applies `change` with its audit row, in the
    /// caller's write transaction. Soft delete and deactivation revoke the customer's tokens.
    static func apply(_ change: CustomerChange, customerID: Int64, actor: User, now: Int64 = Timestamp.now(), in db: Connection) throws -> User {
        guard let customer = try find(id: customerID, in: db) else { throw CustomerChangeError.notFound }
        if let refusal = change.refusal(for: customer) { throw refusal }
        // The sessions end with soft delete and deactivation (`change.endsSessions`).
        let sql = switch change {
        case .softDelete: "UPDATE users SET deleted_at = ?1, updated_at = ?1, session_version = session_version + ?3 WHERE id = ?2"
        case .restore: "UPDATE users SET deleted_at = NULL, updated_at = ?1, session_version = session_version + ?3 WHERE id = ?2"
        case .activate: "UPDATE users SET is_active = 1, updated_at = ?1, session_version = session_version + ?3 WHERE id = ?2"
        case .deactivate: "UPDATE users SET is_active = 0, updated_at = ?1, session_version = session_version + ?3 WHERE id = ?2"
        }
        try db.execute(sql, now, customerID, change.endsSessions ? 1 : 0)
        try AuditLogStore.record(actor: actor, action: change.auditAction, targetType: .user, targetID: customer.uuid, at: now, in: db)
        return try find(id: customerID, in: db)!
    }
}
