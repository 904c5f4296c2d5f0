import DukaCore

/// The hottest reads in one statement each, the caller's own row included: on PostgreSQL
/// every statement is a round trip to the server and back (two thread hops, a parse, a
/// plan), and they, not the work, decided the cost of a request. The caller's row comes
/// first (`part` 0) and is admitted before any answer row is written.
enum PGAdmittedReads {
    /// Where a page's total comes from.
    enum Total: Equatable {
        /// A trigger-kept counter.
        case counter(PGCounters.Name)
        /// One counter less another (soft-deleted customers: all less live).
        case difference(PGCounters.Name, PGCounters.Name)
        /// `COUNT(*)` of the filter.
        case count
        /// The matching rows are read once, then counted and paged: for a selective filter
        /// whose scan is the cost (a trigram search reads the same index lists for its
        /// count and for its page otherwise). A broad filter would be sorted whole.
        case countOfMatches
        /// A short search's total, kept by a trigger in `search_grams`.
        case searchGrams(ShortSearch)
        /// A long search's total, kept by a trigger in `search_text_counts`.
        case kept(KeptSearch)
    }

    /// The dashboard's counters with the caller's row.
    static func dashboard(_ access: Access, in db: PGSession) async throws -> Dashboard {
        let row = try await db.first(
            """
            SELECT \(PGUsers.callerColumns),
                   (SELECT value FROM counters WHERE name = 'customers_live'),
                   (SELECT value FROM counters WHERE name = 'products'),
                   (SELECT value FROM counters WHERE name = 'carts')
            FROM users WHERE id = $1
            """,
            access.userID
        )
        try access.admit(caller: row.map(PGUsers.decodeCaller))
        let base = PGUsers.callerColumnCount
        return Dashboard(customers: row!.int64(base), products: row!.int64(base + 1), carts: row!.int64(base + 2))
    }

    /// A page of users matching `filter` in `order`, each given to `row`, after the caller's
    /// row is admitted; answers the total. One statement: the total, the caller and the page.
    static func userPage(
        _ access: Access, filter: PGFilter, order: String, total: Total, page: PageRequest, matchesFirst: Bool = false,
        startingAt placement: PGPageStart? = nil, walk: PGKeptSearches.Walk? = nil, members: PGKeptSearches.Members? = nil,
        in db: PGSession, row: (PGRow) throws -> Void
    ) async throws -> (total: Int64, request: PageRequest) {
        // The matching rows read once, before the page (always with `countOfMatches`; on
        // request for a sparse short search, whose walk in page order PostgreSQL would
        // otherwise prefer to its trigram indexes).
        let readsMatchesFirst = total == .countOfMatches || matchesFirst
        var arguments: [any PGArgument] = readsMatchesFirst ? filter.arguments : []
        // The blocks holding the page's rows (search_blocks), and the matches of the first
        // that come before the page.
        // A dense kept text's walk, within its budget of rows; when they do not hold the
        // page, the trigram indexes find it instead (`filter`), in the same statement.
        let members = readsMatchesFirst || placement != nil ? nil : members
        let walk = readsMatchesFirst || placement != nil || members != nil ? nil : walk
        var walkSQL = ""
        if let members {
            // Whether the text is still listed in this statement's snapshot (it may have
            // made room for another since the state was read): if not, the statement answers
            // so and the page is read again without its members (below).
            walkSQL = "listed AS MATERIALIZED (SELECT EXISTS (SELECT 1 FROM search_texts WHERE list = $? AND text = $? AND ready AND listed) AS yes),"
            arguments += [members.search.list.rawValue, members.search.text]
        }
        if let walk {
            walkSQL = """
                walked AS MATERIALIZED (
                    SELECT * FROM (SELECT * FROM users \(walk.base.unnumberedWhereClause) ORDER BY \(order) LIMIT $?) AS users
                    WHERE \(walk.condition.sql) ORDER BY \(order) LIMIT $?
                ),
                enough AS MATERIALIZED (SELECT COUNT(*) >= $? AS yes FROM walked),
                """
            // The walk stops at the matches the page needs: the rows arrive in the list's
            // order (no sort), and without the LIMIT every row of the budget was tested
            // (ICU's lower over four columns: `co.ke` 8 ms a request, walking 2,000 rows).
            arguments += walk.base.arguments + [walk.budget] + walk.condition.arguments + [walk.needed, walk.needed]
        }
        var startSQL = ""
        var skip = "$?"
        let start = readsMatchesFirst ? nil : placement
        if let start, let offset = page.offset {
            let found = start.ctes(offset: offset, size: page.size)
            startSQL = found.sql
            arguments += found.arguments
            skip = "(SELECT skip FROM start)"
        }
        let totalSQL: String
        switch total {
        case .counter(let name): totalSQL = "SELECT value FROM counters WHERE name = '\(name.rawValue)'"
        case .difference(let a, let b):
            totalSQL = "SELECT (SELECT value FROM counters WHERE name = '\(a.rawValue)') - (SELECT value FROM counters WHERE name = '\(b.rawValue)')"
        case .count:
            totalSQL = "SELECT COUNT(*) FROM users \(filter.unnumberedWhereClause)"
            arguments += filter.arguments
        case .countOfMatches:
            totalSQL = "SELECT COUNT(*) FROM matches"
        case .searchGrams(let search):
            let counted = PGSearchGrams.totalSQL(search)
            totalSQL = counted.sql
            arguments += counted.arguments
        case .kept(let search) where members != nil:
            // Listed, so ready: the kept counts alone. The statement holds no pattern, so
            // PostgreSQL keeps one plan for it instead of planning it at every execution
            // (1.4 ms of planning against 0.3 ms of execution for `20064` on the portal).
            totalSQL = PGKeptSearches.countedSQL(search)
            arguments += [search.list.rawValue, search.text]
        case .kept(let search):
            let counted = PGKeptSearches.totalSQL(search, filter: filter)
            totalSQL = counted.sql
            arguments += counted.arguments
        }
        arguments.append(access.userID)
        var source = readsMatchesFirst ? "matches" : "users \(filter.unnumberedWhereClause)"
        // A short search's matches (hundreds or thousands when read first) hold only their
        // ids and sort keys, and only the page's rows are read whole: materialized whole,
        // `071`'s 1,259 rows cost PostgreSQL 4.3 of the statement's 5.9 ms. A long text's
        // (fewer) are read whole once: reading the page's rows again cost `gen4242` more.
        let narrowMatches: Bool
        if case .searchGrams = total { narrowMatches = readsMatchesFirst } else { narrowMatches = false }
        if narrowMatches {
            let offset = page.offset ?? Int64.max
            source = """
                (SELECT users.* FROM (
                    SELECT id FROM matches ORDER BY \(order) LIMIT \(page.size)\(offset == 0 ? "" : " OFFSET $?")
                ) AS m JOIN users USING (id)) AS users
                """
            if offset != 0 { arguments.append(offset) }
            skip = "0"
        }
        var sourceHasWhere = !readsMatchesFirst && !filter.conditions.isEmpty
        if let start, !startSQL.isEmpty {
            var inBlock = filter
            inBlock.add(start.blockCondition)
            // The blocks are walked by their keys alone (an index can answer them), and
            // only the page's rows are read whole: a deep page skips up to a block of rows,
            // which read, sorted and numbered whole cost PostgreSQL about a millisecond.
            let keys = start.key == "id" ? "id" : "\(start.key), id"
            source = """
                (SELECT users.* FROM (
                    SELECT id FROM (SELECT u.* FROM needed AS b CROSS JOIN LATERAL (
                        SELECT \(keys) FROM users \(inBlock.unnumberedWhereClause)
                        ORDER BY \(order) LIMIT (SELECT skip FROM start) + \(page.size)
                    ) AS u) AS walked
                    ORDER BY \(order) OFFSET (SELECT skip FROM start) LIMIT \(page.size)
                ) AS ids JOIN users USING (id)) AS placed
                """
            skip = "0"
            sourceHasWhere = false
        }
        // Arguments of the source before its filter's.
        var sourceArgumentsBefore: [any PGArgument] = []
        if let members {
            // The page's rows from the text's members in page order, at any depth; the
            // list's order and the members' are the same (`sort_key`, then id).
            let direction = members.descending ? "DESC" : "ASC"
            let offset = page.offset ?? Int64.max
            source = """
                (SELECT users.* FROM (
                    SELECT id FROM search_text_members
                    WHERE list = $? AND text = $? AND bucket IN (\(members.search.bucketList)) AND (SELECT yes FROM listed)
                    ORDER BY sort_key \(direction), id \(direction) LIMIT \(page.size) OFFSET $?
                 ) AS m JOIN users USING (id)) AS users
                """
            sourceArgumentsBefore = [members.search.list.rawValue, members.search.text, offset]
            skip = "0"
            sourceHasWhere = false
        }
        if walk != nil {
            source = """
                (SELECT * FROM walked WHERE (SELECT yes FROM enough)
                 UNION ALL
                 SELECT * FROM users \(filter.unnumberedWhereClause) AND NOT (SELECT yes FROM enough)) AS users
                """
            sourceHasWhere = false
        }
        if case .searchGrams = total {
            // A text no row contains is answered from its count, without a walk.
            source += (sourceHasWhere ? " AND" : " WHERE") + " (SELECT * FROM total) > 0"
        }
        if case .kept = total, !readsMatchesFirst {
            // A text no row contains is answered from its count, without a walk.
            source += (sourceHasWhere ? " AND" : " WHERE") + " (SELECT * FROM total) > 0"
        }
        if !readsMatchesFirst {
            arguments += sourceArgumentsBefore + (members == nil ? filter.arguments : [])
        }
        let limit: String
        if page.offset == 0 {
            // The first page, by far the most read: its size is written into the text, so the
            // statement has no LIMIT parameter and PostgreSQL keeps one generic plan for it
            // instead of planning it again on every execution (a parameter LIMIT makes the
            // generic plan look dearer than each custom one). Sizes are 1...100: few texts.
            limit = "LIMIT \(page.size)"
        } else {
            // A page past the end (or an offset that overflowed) reads no rows.
            let offset = page.offset ?? Int64.max
            arguments += [offset, page.size]
            if skip == "$?" { arguments.append(offset) }
            limit = "LIMIT CASE WHEN $? < (SELECT * FROM total) THEN $? ELSE 0 END OFFSET \(skip)"
        }
        // The caller's row says whether the text was still listed.
        let listedColumn = members == nil ? "" : ", (SELECT yes FROM listed)::int::bigint"
        // Going down list_blocks' levels is a recursive CTE.
        let recursive = start?.byLevels == true && !startSQL.isEmpty ? "RECURSIVE" : ""
        let sql = PGFilter.numbered(
            """
            WITH \(recursive) \(readsMatchesFirst ? "matches AS MATERIALIZED (SELECT \(narrowMatches ? "id, username, created_at" : PGUsers.columns) FROM users \(filter.unnumberedWhereClause))," : "")
            \(walkSQL) \(startSQL) total AS MATERIALIZED (\(totalSQL))
            SELECT * FROM (
                SELECT \(PGUsers.columns), 0 AS part, 0::bigint AS ordinal, (SELECT * FROM total) AS total\(listedColumn) FROM users WHERE id = $?
                UNION ALL
                SELECT * FROM (
                    SELECT \(PGUsers.columns), 1, row_number() OVER (ORDER BY \(order)), NULL::bigint\(members == nil ? "" : ", NULL::bigint") FROM \(source)
                    ORDER BY \(order)
                    \(limit)
                ) AS page
            ) AS answer
            ORDER BY part, ordinal
            """
        )
        let base = UserColumn.allCases.count
        var found: Int64?
        var admitted = false
        var listed = true
        for current in try await db.rows(sql, arguments) {
            if current.int64(base) == 0 {
                _ = try access.admit(PGUsers.decode(current))
                admitted = true
                found = current.int64(base + 2)
                if members != nil { listed = current.int64(base + 3) != 0 }
            } else if admitted {
                try row(current)
            }
        }
        if admitted, !listed {
            // No longer listed (no page rows came): the trigram indexes find the page.
            return try await userPage(access, filter: filter, order: order, total: total, page: page, in: db, row: row)
        }
        guard admitted, let found else {
            _ = try access.admit(nil)
            return (0, page)
        }
        return (found, page)
    }
}

/// Where a page of a short search (or of a whole list) lies: the blocks of
/// `search_blocks` holding its rows, in the list's page order, and the matches of the
/// first that come before the page. The page is read block by block (a lateral join),
/// passing no block without a match, instead of walking from its list's start.
struct PGPageStart {
    let search: ShortSearch
    /// Newest first (the users API's default): the blocks run from the last.
    let descending: Bool

    /// The list's key, whose blocks these are: `created_at` on the users API, `id` on the
    /// portal (see duka_search_gram_rows).
    var key: String { search.list == .users ? "created_at" : "id" }

    /// A whole list (no text; buckets only) is placed by `list_blocks`, going down its
    /// levels; a short search's text by `search_blocks`.
    var byLevels: Bool { search.gram.isEmpty }

    /// The levels of `list_blocks` (0 the finest), as migration 12 made them.
    static let levels = 4

    /// A level's shift (`list_block_shifts`), in SQL.
    func shift(level: Int) -> String {
        "(SELECT shift FROM list_block_shifts WHERE list = '\(search.list.rawValue)' AND level = \(level))"
    }

    /// One block's rows, for the lateral join over `needed AS b`.
    var blockCondition: String {
        let shift = byLevels
            ? shift(level: 0)
            : "(SELECT value FROM counters WHERE name = 'search_block_shift_\(search.list.rawValue)')::int"
        return "\(key) >= (b.block << \(shift)) AND \(key) < ((b.block + 1) << \(shift))"
    }

    /// `counted` (the blocks with their matches and the matches before them; a first page
    /// needs at most its size of blocks), `needed` (those holding the page's rows) and
    /// `start` (the matches of the first to skip), as CTEs.
    func ctes(offset: Int64, size: Int64) -> (sql: String, arguments: [any PGArgument]) {
        if byLevels { return levelCTEs(offset: offset, size: size) }
        let order = descending ? "DESC" : "ASC"
        return (
            """
            counted AS MATERIALIZED (
                SELECT block, n, (SUM(n) OVER (ORDER BY block \(order)) - n)::bigint AS before FROM (
                    SELECT block, SUM(count)::bigint AS n FROM search_blocks
                    WHERE list = $? AND gram = $? AND bucket IN (\(search.bucketList)) AND count > 0
                    GROUP BY block ORDER BY block \(order) \(offset == 0 ? "LIMIT \(size)" : "")
                ) AS g
            ),
            needed AS MATERIALIZED (SELECT block, before FROM counted WHERE before + n > $? AND before < $? + $?),
            start AS MATERIALIZED (SELECT ($? - MIN(before))::bigint AS skip FROM needed),
            """,
            [search.list.rawValue, search.gram, offset, offset, size, offset]
        )
    }

    /// The same CTEs from `list_blocks`. `down` goes from the top level to level 0, at
    /// each level reading the blocks within the one above that holds the page's first row
    /// (a few rows each, whatever the page's depth and the list's length) and keeping that
    /// one, with the rows before it; `counted` reads the blocks of level 0 from there on (a
    /// page needs at most its size and one more of blocks with rows). A recursive CTE, so
    /// that the statement is small to plan and PostgreSQL keeps one generic plan for it
    /// (four levels written out were planned at every call: 2.4 ms).
    private func levelCTEs(offset: Int64, size: Int64) -> (sql: String, arguments: [any PGArgument]) {
        let order = descending ? "DESC" : "ASC"
        let onward = descending ? "<=" : ">="
        let list = "list = '\(search.list.rawValue)'"
        let buckets = "bucket IN (\(search.bucketList)) AND count > 0"
        return (
            """
            down AS (
                SELECT \(Self.levels) AS level, 0::bigint AS parent, 0::bigint AS block, 0::bigint AS before
                UNION ALL
                SELECT d.level - 1, d.block, w.block, w.before FROM down AS d CROSS JOIN LATERAL (
                    SELECT block, n, (d.before + SUM(n) OVER (ORDER BY block \(order)) - n)::bigint AS before FROM (
                        SELECT block, SUM(count)::bigint AS n FROM list_blocks
                        WHERE \(list) AND level = d.level - 1 AND parent = d.block AND \(buckets)
                        GROUP BY block
                    ) AS g
                ) AS w
                WHERE d.level > 0 AND w.before <= $? AND w.before + w.n > $?
            ),
            counted AS MATERIALIZED (
                SELECT g.block, g.n, (p.before + SUM(g.n) OVER (ORDER BY g.parent \(order), g.block \(order)) - g.n)::bigint AS before
                FROM down AS p CROSS JOIN LATERAL (
                    SELECT parent, block, SUM(count)::bigint AS n FROM list_blocks
                    WHERE \(list) AND level = 0 AND (parent, block) \(onward) (p.parent, p.block) AND \(buckets)
                    GROUP BY parent, block ORDER BY parent \(order), block \(order) LIMIT \(size + 1)
                ) AS g
                WHERE p.level = 0
            ),
            needed AS MATERIALIZED (SELECT block, before FROM counted WHERE before + n > $? AND before < $? + $?),
            start AS MATERIALIZED (SELECT ($? - MIN(before))::bigint AS skip FROM needed),
            """,
            [offset, offset, offset, offset, size, offset]
        )
    }
}

extension PGAdmittedReads {
    /// A page of products with the caller's row, in one statement: each row carries the
    /// caller's columns, the total and one product (no product when the page is empty).
    static func productPage(
        _ access: Access, filter: PGFilter, total counter: PGCounters.Name?, page: PageRequest, in db: PGSession
    ) async throws -> Page<Product> {
        let totalSQL: String
        var arguments: [any PGArgument] = []
        if let counter {
            totalSQL = "SELECT value FROM counters WHERE name = '\(counter.rawValue)'"
        } else {
            totalSQL = "SELECT COUNT(*) FROM products \(filter.unnumberedWhereClause)"
            arguments += filter.arguments
        }
        arguments.append(access.userID)
        arguments += filter.arguments
        var conditions = filter.conditions
        let limit: String
        if page.offset == 0 {
            limit = "LIMIT \(page.size)"  // one generic plan, as in `userPage`
        } else {
            // A page past the end (or an offset that overflowed) reads no rows.
            let offset = page.offset ?? Int64.max
            conditions.append("$? < (\(totalSQL))")
            arguments.append(offset)
            if counter == nil { arguments += filter.arguments }
            arguments += [page.size, offset]
            limit = "LIMIT $? OFFSET $?"
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = PGFilter.numbered(
            """
            SELECT caller.*, (\(totalSQL)) AS total, page.*
            FROM (SELECT \(PGUsers.callerColumns) FROM users WHERE id = $?) AS caller
            LEFT JOIN LATERAL (
                SELECT \(PGProducts.columns) FROM products \(whereClause) ORDER BY id \(limit)
            ) AS page ON TRUE
            ORDER BY page.id
            """
        )
        let rows = try await db.rows(sql, arguments)
        try access.admit(caller: rows.first.map(PGUsers.decodeCaller))
        let base = PGUsers.callerColumnCount
        var items: [Product] = []
        items.reserveCapacity(rows.count)
        for row in rows where !row.isNull(base + 1) {
            items.append(PGProducts.decode(row.dropping(base + 1)))
        }
        return Page(items: items, total: rows[0].int64(base), request: page)
    }
}

extension PGAdmittedReads {
    /// A customer with every cart and line, with the caller's row, in one statement: each
    /// row carries the caller's columns, the customer's, one cart's and one line's (NULL
    /// where there is none), newest cart first, lines by id. Nil when no such customer.
    static func customerWithCarts(id: Int64, _ access: Access, in db: PGSession) async throws -> (User, [Cart])? {
        let rows = try await db.rows(
            """
            SELECT caller.*, customer.*, cart.*, item.*
            FROM (SELECT \(PGUsers.callerColumns) FROM users WHERE id = $1) AS caller
            LEFT JOIN (SELECT \(PGUsers.columns) FROM users WHERE id = $2 AND role = 'customer') AS customer ON TRUE
            LEFT JOIN LATERAL (SELECT \(PGCarts.cartColumns) FROM carts WHERE user_id = customer.id) AS cart ON TRUE
            LEFT JOIN LATERAL (SELECT \(PGCarts.itemColumns) FROM cart_items AS i WHERE i.cart_id = cart.id) AS item ON TRUE
            ORDER BY cart.created_at DESC, cart.id DESC, item.id
            """,
            [access.userID, id]
        )
        try access.admit(caller: rows.first.map(PGUsers.decodeCaller))
        let users = UserColumn.allCases.count, caller = PGUsers.callerColumnCount
        let cartStart = caller + users, itemStart = cartStart + CartColumn.allCases.count
        guard !rows[0].isNull(caller) else { return nil }
        let customer = PGUsers.decode(rows[0].dropping(caller))
        var carts: [Cart] = []
        for row in rows where !row.isNull(cartStart) {
            let cartID = row.int64(cartStart + Int(CartColumn.id.position))
            if carts.last?.id != cartID { carts.append(PGCarts.decodeCart(row.dropping(cartStart))) }
            if !row.isNull(itemStart) { carts[carts.count - 1].items.append(PGCarts.decodeItem(row.dropping(itemStart))) }
        }
        return (customer, carts)
    }
}

extension PGFilter {
    /// `WHERE a AND b` with its `$?` left unnumbered, for a statement that numbers them all.
    var unnumberedWhereClause: String {
        conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
    }
}
