import DukaCore

/// The SQL of `carts` and `cart_items` on PostgreSQL. A change locks its cart's row first
/// (`FOR UPDATE`), so the checks on its lines and total, and the change, cannot be split by
/// another request on the same cart, whichever instance it reaches.
enum PGCarts {
    static let cartColumns = CartColumn.selectList()
    static let itemColumns = CartItemColumn.selectList(table: "i")

    static func decodeCart(_ row: PGRow) -> Cart {
        func at(_ column: CartColumn) -> Int { Int(column.position) }
        var cart = Cart(
            id: row.int64(at(.id)), userID: row.int64(at(.userID)), status: Cart.Status(rawValue: row.string(at(.status))) ?? .active,
            createdAt: row.int64(at(.createdAt)), updatedAt: row.int64(at(.updatedAt)), items: []
        )
        cart.branchID = row.int64(at(.branchID))
        cart.receiptNumber = row.optionalString(at(.receiptNumber))
        cart.isPaid = row.string(at(.paymentStatus)) == "paid"
        cart.changeCents = row.int64(at(.changeCents))
        cart.shiftID = row.optionalInt64(at(.shiftID))
        cart.cashier = row.optionalString(at(.cashier))
        cart.refundedCents = row.int64(at(.refundedCents))
        return cart
    }

    static func decodeItem(_ row: PGRow) -> CartItem {
        func number(_ column: CartItemColumn) -> Int64 { row.int64(Int(column.position)) }
        var item = CartItem(
            id: number(.id), cartID: number(.cartID), productID: number(.productID), quantityMilli: number(.quantityMilli),
            saleChannel: CartItem.SaleChannel(rawValue: row.string(Int(CartItemColumn.saleChannel.position))) ?? .inStore,
            unitPriceCents: number(.unitPriceCents), createdAt: number(.createdAt), updatedAt: number(.updatedAt)
        )
        item.taxClass = TaxClass(rawValue: row.string(Int(CartItemColumn.taxClass.position))) ?? .b
        return item
    }

    /// `carts` with their tenders filled in (one query for all the paid ones).
    static func withPayments(_ carts: [Cart], in db: PGSession) async throws -> [Cart] {
        let paid = carts.filter(\.isPaid).map(\.id)
        guard !paid.isEmpty else { return carts }
        var byCart: [Int64: [Payment]] = [:]
        for row in try await db.rows(SellingSQL.payments(of: "cart_id", idCondition: PGSelling.idIn("cart_id")), PGSelling.idList(paid)) {
            byCart[row.int64(5), default: []].append(SellingSQL.decodePayment(row))
        }
        return carts.map { cart in
            var cart = cart
            cart.payments = byCart[cart.id] ?? []
            return cart
        }
    }

    static func count(in db: PGSession) async throws -> Int64 {
        try await PGCounters.value(.carts, in: db)
    }

    /// `carts` with their lines filled in (one query for all of them).
    static func withItems(_ carts: [Cart], in db: PGSession) async throws -> [Cart] {
        guard !carts.isEmpty else { return carts }
        let ids = carts.map { String($0.id) }.joined(separator: ",")
        let items = try await db.rows(
            "SELECT \(itemColumns) FROM cart_items AS i WHERE i.cart_id = ANY(('{' || $1 || '}')::bigint[]) ORDER BY i.cart_id, i.id", ids
        ).map(decodeItem)
        let byCart = Dictionary(grouping: items, by: \.cartID)
        return try await withPayments(carts.map { cart in
            var cart = cart
            cart.items = byCart[cart.id] ?? []
            return cart
        }, in: db)
    }

    /// The cart with its lines, if `owner` (when given) owns it; `forUpdate` locks its row.
    /// Unlocked: one statement, each row carrying the cart's columns and one line's (NULL
    /// when none). Locked: the lines are read by a second statement, after the lock is
    /// held: a statement that waited for the lock re-reads the locked row but not what it
    /// joined, so lines added by the transaction it waited for would be missed (found by
    /// `concurrentOpensAndAddsStayConsistent`: one product's adds became 8 lines).
    static func find(id: Int64, owner: Int64? = nil, forUpdate: Bool = false, in db: PGSession) async throws -> Cart? {
        var cart: Cart
        if forUpdate {
            guard let locked = try await db.first("SELECT \(cartColumns) FROM carts WHERE id = $1 FOR UPDATE", id).map(decodeCart)
            else { return nil }
            cart = locked
            if let owner, cart.userID != owner { return nil }
            cart.items = try await db.rows("SELECT \(itemColumns) FROM cart_items AS i WHERE i.cart_id = $1 ORDER BY i.id", id).map(decodeItem)
            return try await withPayments([cart], in: db)[0]
        }
        let rows = try await db.rows(
            """
            SELECT cart.*, item.*
            FROM (SELECT \(cartColumns) FROM carts WHERE id = $1) AS cart
            LEFT JOIN LATERAL (SELECT \(itemColumns) FROM cart_items AS i WHERE i.cart_id = cart.id) AS item ON TRUE
            ORDER BY item.id
            """,
            [id]
        )
        guard let first = rows.first else { return nil }
        cart = decodeCart(first)
        if let owner, cart.userID != owner { return nil }
        let itemStart = CartColumn.allCases.count
        cart.items = rows.filter { !$0.isNull(itemStart) }.map { decodeItem($0.dropping(itemStart)) }
        return try await withPayments([cart], in: db)[0]
    }

    /// A page of carts, newest first, with their lines.
    static func list(userID: Int64?, _ request: CartListFilter, page: PageRequest, in db: PGSession) async throws -> Page<Cart> {
        var filter = PGFilter()
        if let userID { filter.add("user_id = $?", userID) }
        if let status = request.status { filter.add("status = $?", status.rawValue) }
        if let branchID = request.branchID { filter.add("branch_id = $?", branchID) }
        if let receiptNumber = request.receiptNumber { filter.add("receipt_number = $?", receiptNumber) }
        let knownTotal = filter.conditions.isEmpty ? try await count(in: db) : nil
        var result = try await db.page(
            from: "carts", filter: filter, knownTotal: knownTotal, page: page, columns: cartColumns, orderBy: "created_at DESC, id DESC",
            decode: decodeCart
        )
        result.items = try await withItems(result.items, in: db)
        return result
    }

    /// Opens an active cart for a customer (at most one active cart each).
    static func open(customerID: Int64, branchID: Int64, auditActor: User?, now: Int64 = Timestamp.now(), in db: PGSession) async throws -> Cart {
        // FOR SHARE: the customer cannot be deleted, deactivated or demoted until this commits.
        guard let customer = try await db.first("SELECT \(PGUsers.columns) FROM users WHERE id = $1 FOR SHARE", customerID).map(PGUsers.decode),
              customer.role == .customer, customer.isActive, !customer.isDeleted else {
            throw CartChangeError.customerNotAllowed
        }
        // One statement: the cart, unless the customer has an active one (no row then, and
        // no id used up), and its audit row.
        let created: Int64?
        do {
            created = try await PGAuditLog.change(
                (
                    """
                    INSERT INTO carts (user_id, status, created_at, updated_at, branch_id)
                    SELECT $?::int8, 'active', $?::int8, $?::int8, $?::int8
                    WHERE NOT EXISTS (SELECT 1 FROM carts WHERE user_id = $? AND status = 'active')
                    RETURNING id
                    """,
                    [customerID, now, now, branchID, customerID]
                ),
                noted: auditActor.map { .init(actor: $0, action: "cart.create", targetType: .cart) }, at: now, in: db
            )
        } catch let error where PGErrors.isUniqueViolation(error, constraint: "carts_one_active") {
            // The partial unique index backs the check against a racing request.
            throw CartChangeError.activeCartExists
        }
        guard let id = created else { throw CartChangeError.activeCartExists }
        var cart = Cart(id: id, userID: customerID, status: .active, createdAt: now, updatedAt: now, items: [])
        cart.branchID = branchID
        return cart
    }

    /// The active cart `id` (owned by `owner` when given), locked, or the reason it cannot change.
    static func activeCart(_ id: Int64, owner: Int64?, in db: PGSession) async throws -> Cart {
        guard let cart = try await find(id: id, owner: owner, forUpdate: true, in: db) else { throw CartChangeError.notFound }
        guard cart.status == .active else { throw CartChangeError.cartNotActive }
        return cart
    }

    static func touch(_ cartID: Int64, now: Int64, in db: PGSession) async throws {
        try await db.execute("UPDATE carts SET updated_at = $1 WHERE id = $2", now, cartID)
    }

    /// Adds a line at the product's current price; a line with the same product, price
    /// and channel grows instead.
    static func addItem(
        cartID: Int64, productID: Int64, quantityMilli: Int64, channel: CartItem.SaleChannel, owner: Int64?, auditActor: User?,
        now: Int64 = Timestamp.now(), in db: PGSession
    ) async throws -> Cart {
        let cart = try await activeCart(cartID, owner: owner, in: db)
        // FOR SHARE: the price read here is the price written, and the product stays.
        guard let product = try await db.first("SELECT \(PGProducts.columns) FROM products WHERE id = $1 FOR SHARE", productID)
            .map(PGProducts.decode) else { throw CartChangeError.productUnknown }
        guard product.isActive else { throw CartChangeError.productInactive }
        // The line's change, the cart's `updated_at` and the audit row: one statement. The
        // answer is the locked cart with the change applied (what a re-read would give).
        let touch: (sql: String, arguments: [any PGArgument]) = ("UPDATE carts SET updated_at = $? WHERE id = $?", [now, cartID])
        let note = auditActor.map { PGAuditLog.Note(actor: $0, action: "cart.add_item", targetType: .cartItem) }
        var answer = cart
        answer.updatedAt = now
        if let line = cart.line(for: productID, priceCents: product.unitPriceCents, taxClass: product.taxClass, channel: channel) {
            let sum = try Cart.grown(line, by: quantityMilli)
            try cart.checkTotal(replacing: line.id, with: (product.unitPriceCents, sum))
            _ = try await PGAuditLog.change(
                ("UPDATE cart_items SET quantity_milli = $?, updated_at = $? WHERE id = $? RETURNING id", [sum, now, line.id]),
                alongside: [touch], noted: note, at: now, in: db
            )
            let index = answer.items.firstIndex { $0.id == line.id }!
            answer.items[index].quantityMilli = sum
            answer.items[index].updatedAt = now
        } else {
            try cart.checkTotal(replacing: nil, with: (product.unitPriceCents, quantityMilli))
            let itemID = try await PGAuditLog.change(
                (
                    """
                    INSERT INTO cart_items (cart_id, product_id, quantity_milli, sale_channel, unit_price_cents, created_at, updated_at, tax_class)
                    VALUES ($?, $?, $?, $?, $?, $?, $?, $?) RETURNING id
                    """,
                    [cartID, productID, quantityMilli, channel.rawValue, product.unitPriceCents, now, now, product.taxClass.rawValue]
                ),
                alongside: [touch], noted: note, at: now, in: db
            )!
            var item = CartItem(
                id: itemID, cartID: cartID, productID: productID, quantityMilli: quantityMilli, saleChannel: channel,
                unitPriceCents: product.unitPriceCents, createdAt: now, updatedAt: now
            )
            item.taxClass = product.taxClass
            answer.items.append(item)
        }
        return answer
    }

    /// Sets a line's quantity (nil: removes the line).
    static func changeItem(
        cartID: Int64, itemID: Int64, quantityMilli: Int64?, owner: Int64?, auditActor: User?, now: Int64 = Timestamp.now(), in db: PGSession
    ) async throws -> Cart {
        let cart = try await activeCart(cartID, owner: owner, in: db)
        guard let line = cart.items.first(where: { $0.id == itemID }) else { throw CartChangeError.itemNotFound }
        let action: String
        if let quantityMilli {
            guard quantityMilli != line.quantityMilli else { return cart }
            try cart.checkTotal(replacing: line.id, with: (line.unitPriceCents, quantityMilli))
            try await db.execute("UPDATE cart_items SET quantity_milli = $1, updated_at = $2 WHERE id = $3", quantityMilli, now, itemID)
            action = "cart.update_item"
        } else {
            try await db.execute("DELETE FROM cart_items WHERE id = $1", itemID)
            action = "cart.remove_item"
        }
        try await touch(cartID, now: now, in: db)
        if let auditActor {
            try await PGAuditLog.record(actor: auditActor, action: action, targetType: .cartItem, targetID: String(itemID), at: now, in: db)
        }
        return try await find(id: cartID, in: db)!
    }

    /// `active` to `abandoned`; the lines freeze.
    static func abandon(cartID: Int64, owner: Int64?, auditActor: User?, now: Int64 = Timestamp.now(), in db: PGSession) async throws -> Cart {
        var cart = try await activeCart(cartID, owner: owner, in: db)
        _ = try await PGAuditLog.change(
            ("UPDATE carts SET status = 'abandoned', updated_at = $? WHERE id = $? RETURNING id", [now, cartID]),
            noted: auditActor.map { .init(actor: $0, action: "cart.abandon", targetType: .cart) }, at: now, in: db
        )
        cart.status = .abandoned
        cart.updatedAt = now
        return cart
    }
}
