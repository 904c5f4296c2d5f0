import DukaCore
import SQLite

/// The SQL behind the staff users API (`/api/v1/users`): listing, updates with their
/// guards, and hard deletes. Guards run inside the caller's write transaction, so two
/// concurrent requests cannot both pass one.
extension UserStore {
    /// A page of users. Ties in the sort key are broken by id in the same direction.
    static func list(_ listFilter: UserListFilter, page: PageRequest, in db: Connection) throws -> Page<User> {
        try list(listFilter, page: page, in: db, row: decode)
    }

    /// The same page, each row given to `row` as selected by `UserStore.columns`.
    static func list<T: Sendable>(_ listFilter: UserListFilter, page: PageRequest, in db: Connection, row: (Row) throws -> T) throws -> Page<T> {
        // A short search's total is kept by triggers; its page is walked in the sort's
        // index (only through the blocks holding its rows, when newest or oldest first) or
        // found through the trigram index, whichever reads fewer rows. Deep pages of a list
        // without a search are read from their blocks too.
        let byCreation = listFilter.sortBy == .createdAt
        var unsearched = listFilter
        unsearched.search = nil
        // A search's order: id order while sign-ups follow ids and the list is by sign-up time.
        let searchOrder = listFilter.search?.isEmpty == false ? try UserOrder.of(listFilter, in: db) : nil
        if let short = ShortSearch(listFilter), short.length == 3, let offset = page.offset,
            offset < ShortSearch.indexOrderedOffsetsOverride ?? IndexOrderedPage.shortOffsets,
            let order = searchOrder, order.isByID
        {
            // A text of three, newest or oldest first while sign-ups follow ids: the index's
            // first matches in id order (as in the portal), the total from `search_grams`.
            let total = try SearchGramStore.total(short, in: db)
            guard offset < total else { return Page(items: [], total: total, request: page) }
            let ids = try IndexOrderedPage.ids(
                IndexedText(likeOf: listFilter.search ?? "", list: .users), filter: staffFilter(unsearched, plus: "+"),
                descending: order.isDescending, limit: page.size, offset: offset, in: db
            )
            return Page(items: try rows(ids: ids, order: order, in: db, row: row), total: total, request: page)
        }
        let searched = listFilter.search?.isEmpty == false
        let deep = (page.offset ?? 0) >= CustomerStore.firstPagesWalked
        let placed = ShortSearch(listFilter) ?? (!searched && byCreation && deep ? ShortSearch.everyone(listFilter) : nil)
        let blocks: SearchGramStore.BlockOrder? = byCreation ? (listFilter.sortOrder == .asc ? .ascending : .descending) : nil
        let plan = try placed.map { try SearchGramStore.plan($0, page: page, blocks: blocks, in: db) }
        let mode = UserSearchMode.of(listFilter.search, throughIndex: plan?.throughIndex ?? false)
        let direction = listFilter.sortOrder == .asc ? "ASC" : "DESC"
        if let kept = KeptSearch(listFilter), let total = try KeptSearchStore.total(kept, in: db) {
            // A kept text's total is a few rows' sum; its page is read from the trigram
            // index in id order when that is the list's, else walked when that reaches it
            // soon (a dense text), else found through the index.
            return try KeptSearchStore.page(
                kept, total: total, base: staffFilter(unsearched, plus: ""), indexBase: staffFilter(unsearched, plus: "+"),
                order: searchOrder ?? UserOrder.of(listFilter, in: db), page: page, in: db, row: row
            )
        }
        if mode == .index, let search = listFilter.search, let order = searchOrder, order.isByID {
            // Newest or oldest first while sign-ups follow ids: counted through the index
            // (no columns kept), the page taken on the way in the index's order, as in the portal.
            let found = try IndexOrderedPage.countedPage(
                IndexedText(search, list: .users, weights: try TrigramWeights(of: search, list: .users, in: db), stopsAtPage: false),
                filter: staffFilter(unsearched, plus: "+"), descending: order.isDescending, limit: page.size, offset: page.offset ?? .max, in: db
            )
            return Page(items: try rows(ids: found.ids, order: order, in: db, row: row), total: found.total, request: page)
        }
        // Only fixed identifiers are spliced in; every value is bound. With the text index,
        // the unary `+` keeps SQLite from walking an index past every non-match: the few
        // rows the text index finds are read by id, tested and sorted instead.
        let plus = mode?.usesIndex == true ? "+" : ""
        var filter = staffFilter(listFilter, plus: plus)
        if let search = listFilter.search, let mode {
            filter.add(try userSearchCondition(search, list: .users, mode: mode, in: db))
        }
        let order = "\(plus)\(byCreation ? "created_at" : "username") \(direction), \(plus)id \(direction)"
        if mode == .index {
            // The text index finds the rows: count them in the same pass.
            return try db.pageCountedInline(from: "users", filter: filter, page: page, selectColumns: columns, orderBy: order, row: row)
        }
        if let plan {
            let users = try plan.rows(filter, page: page) { sql, limit, offset in
                try db.query(
                    "SELECT \(columns) FROM users \(sql.whereClause) ORDER BY \(order) LIMIT ? OFFSET ?",
                    arguments: sql.arguments + [limit, offset], row: row
                )
            }
            return Page(items: users, total: plan.total, request: page)
        }
        // Customers without a search are counted by the triggers (other roles are few).
        var knownTotal: Int64?
        if listFilter.role == .customer, !searched {
            switch listFilter.status {
            case .active: knownTotal = try Counters.value(.customersLive, in: db)
            case .all: knownTotal = try Counters.value(.customersAll, in: db)
            case .deleted: knownTotal = try Counters.value(.customersAll, in: db) - Counters.value(.customersLive, in: db)
            }
        }
        return try db.page(
            of: "users", filter: filter, knownTotal: knownTotal, page: page,
            select: "SELECT \(columns) FROM users \(filter.whereClause) ORDER BY \(order) LIMIT ? OFFSET ?", row: row
        )
    }

    /// The list's status and role conditions (`plus`: "+" keeps SQLite off their indexes).
    private static func staffFilter(_ listFilter: UserListFilter, plus: String) -> SQLFilter {
        var filter = SQLFilter()
        switch listFilter.status {
        case .active: filter.add("\(plus)deleted_at IS NULL")
        case .deleted: filter.add("\(plus)deleted_at IS NOT NULL")
        case .all: break
        }
        if let role = listFilter.role { filter.add("\(plus)role = ?", role.rawValue) }
        return filter
    }

    /// Active, not soft-deleted admins.
    static func activeAdminCount(in db: Connection) throws -> Int64 {
        try db.scalarInt("SELECT COUNT(*) FROM users WHERE role = 'admin' AND is_active = 1 AND deleted_at IS NULL") ?? 0
    }

    /// Applies `changes` to the user with `uuid` under the guards; writes the audit row
    /// `action` when something changed. Answers the user as it now is.
    static func update(
        uuid: String, _ changes: UserChanges, actor: User, action: String, now: Int64 = Timestamp.now(), in db: Connection
    ) throws -> User {
        guard let current = try find(uuid: uuid, in: db) else { throw UserChangeError.notFound }
        let next = changes.applied(to: current)
        guard next != current else { return current }

        let renamed = current.renamedFields(in: next)
        let taken = try takenFields(username: renamed.username, email: renamed.email, exceptID: current.id, in: db)
        guard taken.isEmpty else { throw UserChangeError.duplicate(taken) }

        if current.isActiveAdmin, !next.isActiveAdmin, try activeAdminCount(in: db) <= 1 {
            throw UserChangeError.lastAdmin
        }
        let revokes = changes.endsSessions(from: current, to: next)
        try db.execute(
            """
            UPDATE users SET username = ?, email = ?, password_hash = ?, role = ?, full_name = ?, id_number = ?,
                phone_number = ?, county = ?, town = ?, street = ?, is_active = ?, updated_at = ?,
                session_version = session_version + ?
            WHERE id = ?
            """,
            next.username, next.email, next.passwordHash, next.role.rawValue, next.profile.fullName, next.profile.idNumber,
            next.profile.phoneNumber, next.profile.county, next.profile.town, next.profile.street, next.isActive, now,
            revokes ? 1 : 0, current.id
        )
        try AuditLogStore.record(actor: actor, action: action, targetType: .user, targetID: current.uuid, at: now, in: db)
        return try find(id: current.id, in: db)!
    }

    /// Hard delete, refused for oneself (checked first) and for users who own carts.
    static func delete(uuid: String, actor: User, now: Int64 = Timestamp.now(), in db: Connection) throws {
        guard uuid != actor.uuid else { throw UserChangeError.cannotDeleteSelf }
        guard let user = try find(uuid: uuid, in: db) else { throw UserChangeError.notFound }
        guard try db.scalarInt("SELECT 1 FROM carts WHERE user_id = ? UNION ALL SELECT 1 FROM shifts WHERE user_id = ? LIMIT 1", user.id, user.id) == nil else {
            throw UserChangeError.hasDependents
        }
        if user.isActiveAdmin, try activeAdminCount(in: db) <= 1 {
            throw UserChangeError.lastAdmin
        }
        try db.execute("DELETE FROM users WHERE id = ?", user.id)
        try AuditLogStore.record(actor: actor, action: "user.delete", targetType: .user, targetID: user.uuid, at: now, in: db)
    }
}
