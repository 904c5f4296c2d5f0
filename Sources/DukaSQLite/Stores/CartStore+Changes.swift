import DukaCore
import SQLite

/// Cart changes (API.md section 5). Each runs inside the caller's write transaction, so a
/// check and its change cannot be split by another writer. `owner` limits a customer to
/// their own carts (another's is "not found"); `auditActor` is set when staff act.
extension CartStore {
    /// The cart with its lines, if `owner` (when given) owns it.
    static func find(id: Int64, owner: Int64? = nil, in db: Connection) throws -> Cart? {
        guard var cart = try db.queryFirst("SELECT \(cartColumns) FROM carts WHERE id = ?", id, row: decodeCart) else { return nil }
        if let owner, cart.userID != owner { return nil }
        cart.items = try db.query(
            "SELECT \(itemColumns) FROM cart_items AS i WHERE i.cart_id = ? ORDER BY i.id", id, row: decodeItem
        )
        return try withPayments([cart], in: db)[0]
    }

    /// A page of carts, newest first, with their lines (two queries).
    static func list(userID: Int64?, _ request: CartListFilter, page: PageRequest, in db: Connection) throws -> Page<Cart> {
        var filter = SQLFilter()
        if let userID { filter.add("user_id = ?", userID) }
        if let status = request.status { filter.add("status = ?", status.rawValue) }
        if let branchID = request.branchID { filter.add("branch_id = ?", branchID) }
        if let receiptNumber = request.receiptNumber { filter.add("receipt_number = ?", receiptNumber) }
        var result = try db.page(
            of: "carts", filter: filter, knownTotal: filter.conditions.isEmpty ? try count(in: db) : nil, page: page,
            select: "SELECT \(cartColumns) FROM carts \(filter.whereClause) ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
            row: decodeCart
        )
        let carts = result.items
        if !carts.isEmpty {
            let placeholders = Array(repeating: "?", count: carts.count).joined(separator: ", ")
            let items = try db.query(
                "SELECT \(itemColumns) FROM cart_items AS i WHERE i.cart_id IN (\(placeholders)) ORDER BY i.id",
                arguments: carts.map(\.id), row: decodeItem
            )
            let byCart = Dictionary(grouping: items, by: \.cartID)
            for index in result.items.indices { result.items[index].items = byCart[result.items[index].id] ?? [] }
            result.items = try withPayments(result.items, in: db)
        }
        return result
    }

    /// Opens an active cart for a customer (at most one active cart each) in `branchID`.
    static func open(customerID: Int64, branchID: Int64, auditActor: User?, now: Int64 = Timestamp.now(), in db: Connection) throws -> Cart {
        guard let customer = try UserStore.find(id: customerID, in: db), customer.role == .customer,
              customer.isActive, !customer.isDeleted else {
            throw CartChangeError.customerNotAllowed
        }
        guard try db.scalarInt("SELECT 1 FROM carts WHERE user_id = ? AND status = 'active'", customerID) == nil else {
            throw CartChangeError.activeCartExists
        }
        do {
            try db.execute(
                "INSERT INTO carts (user_id, status, created_at, updated_at, branch_id) VALUES (?, 'active', ?, ?, ?)", customerID, now, now, branchID
            )
        } catch let error as SQLiteError where error.isUniqueViolation {
            // The partial unique index `carts_one_active` backs the check above.
            throw CartChangeError.activeCartExists
        }
        let id = db.lastInsertRowID
        if let auditActor {
            try AuditLogStore.record(actor: auditActor, action: "cart.create", targetType: .cart, targetID: String(id), at: now, in: db)
        }
        return try find(id: id, in: db)!
    }

    /// The active cart `id` (owned by `owner` when given), or the reason it cannot change.
    static func activeCart(_ id: Int64, owner: Int64?, in db: Connection) throws -> Cart {
        guard let cart = try find(id: id, owner: owner, in: db) else { throw CartChangeError.notFound }
        guard cart.status == .active else { throw CartChangeError.cartNotActive }
        return cart
    }

    static func touch(_ cartID: Int64, now: Int64, in db: Connection) throws {
        try db.execute("UPDATE carts SET updated_at = ? WHERE id = ?", now, cartID)
    }

    /// Adds a line at the product's current price; a line with the same product, price
    /// and channel grows instead. Answers the cart and the line's id.
    static func addItem(
        cartID: Int64, productID: Int64, quantityMilli: Int64, channel: CartItem.SaleChannel, owner: Int64?, auditActor: User?,
        now: Int64 = Timestamp.now(), in db: Connection
    ) throws -> Cart {
        let cart = try activeCart(cartID, owner: owner, in: db)
        guard let product = try ProductStore.find(id: productID, in: db) else { throw CartChangeError.productUnknown }
        guard product.isActive else { throw CartChangeError.productInactive }
        let itemID: Int64
        if let line = cart.line(for: productID, priceCents: product.unitPriceCents, taxClass: product.taxClass, channel: channel) {
            let sum = try Cart.grown(line, by: quantityMilli)
            try cart.checkTotal(replacing: line.id, with: (product.unitPriceCents, sum))
            try db.execute("UPDATE cart_items SET quantity_milli = ?, updated_at = ? WHERE id = ?", sum, now, line.id)
            itemID = line.id
        } else {
            try cart.checkTotal(replacing: nil, with: (product.unitPriceCents, quantityMilli))
            try db.execute(
                """
                INSERT INTO cart_items (cart_id, product_id, quantity_milli, sale_channel, unit_price_cents, created_at, updated_at, tax_class)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
                cartID, productID, quantityMilli, channel.rawValue, product.unitPriceCents, now, now, product.taxClass.rawValue
            )
            itemID = db.lastInsertRowID
        }
        try touch(cartID, now: now, in: db)
        if let auditActor {
            try AuditLogStore.record(actor: auditActor, action: "cart.add_item", targetType: .cartItem, targetID: String(itemID), at: now, in: db)
        }
        return try find(id: cartID, in: db)!
    }

    /// Sets a line's quantity (nil: removes the line).
    static func changeItem(
        cartID: Int64, itemID: Int64, quantityMilli: Int64?, owner: Int64?, auditActor: User?,
        now: Int64 = Timestamp.now(), in db: Connection
    ) throws -> Cart {
        let cart = try activeCart(cartID, owner: owner, in: db)
        guard let line = cart.items.first(where: { $0.id == itemID }) else { throw CartChangeError.itemNotFound }
        let action: String
        if let quantityMilli {
            guard quantityMilli != line.quantityMilli else { return cart }
            try cart.checkTotal(replacing: line.id, with: (line.unitPriceCents, quantityMilli))
            try db.execute("UPDATE cart_items SET quantity_milli = ?, updated_at = ? WHERE id = ?", quantityMilli, now, itemID)
            action = "cart.update_item"
        } else {
            try db.execute("DELETE FROM cart_items WHERE id = ?", itemID)
            action = "cart.remove_item"
        }
        try touch(cartID, now: now, in: db)
        if let auditActor {
            try AuditLogStore.record(actor: auditActor, action: action, targetType: .cartItem, targetID: String(itemID), at: now, in: db)
        }
        return try find(id: cartID, in: db)!
    }

    /// `active` to `abandoned`; the lines freeze.
    static func abandon(cartID: Int64, owner: Int64?, auditActor: User?, now: Int64 = Timestamp.now(), in db: Connection) throws -> Cart {
        _ = try activeCart(cartID, owner: owner, in: db)
        try db.execute("UPDATE carts SET status = 'abandoned', updated_at = ? WHERE id = ?", now, cartID)
        if let auditActor {
            try AuditLogStore.record(actor: auditActor, action: "cart.abandon", targetType: .cart, targetID: String(cartID), at: now, in: db)
        }
        return try find(id: cartID, in: db)!
    }
}
