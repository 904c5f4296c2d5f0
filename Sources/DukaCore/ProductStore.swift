import SQLite

/// The SQL of `products`.
public enum ProductStore {
    static let columns = "id, sku, name, description, unit, unit_price_cents, is_active, created_at, updated_at"

    static func decode(_ row: Row) -> Product {
        Product(
            id: row.int64(0), sku: row.string(1), name: row.string(2), description: row.string(3), unit: row.string(4),
            unitPriceCents: row.int64(5), isActive: row.bool(6), createdAt: row.int64(7), updatedAt: row.int64(8)
        )
    }

    public static func count(in db: Connection) throws -> Int64 {
        try Counters.value(.products, in: db)
    }

    public static func find(id: Int64, in db: Connection) throws -> Product? {
        try db.queryFirst("SELECT \(columns) FROM products WHERE id = ?", id, row: decode)
    }

    /// A page of products by id; `search` matches name or sku as a substring.
    public static func list(search: String?, includeInactive: Bool, page: PageRequest, in db: Connection) throws -> Page<Product> {
        var filter = SQLFilter()
        if !includeInactive { filter.add("is_active = 1") }
        if let search, !search.isEmpty {
            let pattern = likeSubstringPattern(search)
            filter.add(#"(name LIKE ? ESCAPE '\' OR sku LIKE ? ESCAPE '\')"#, pattern, pattern)
        }
        return try db.page(
            of: "products", filter: filter, page: page,
            select: "SELECT \(columns) FROM products \(filter.whereClause) ORDER BY id LIMIT ? OFFSET ?", row: decode
        )
    }

    public enum ChangeError: Error, Equatable {
        case notFound
        case duplicateSKU
        case hasDependents
    }

    public struct Fields: Sendable {
        public var sku: String?
        public var name: String?
        public var description: String?
        public var unit: String?
        public var unitPriceCents: Int64?
        public var isActive: Bool?

        public init() {}
    }

    static func skuTaken(_ sku: String, exceptID: Int64?, in db: Connection) throws -> Bool {
        try db.scalarInt("SELECT 1 FROM products WHERE sku = ? AND id IS NOT ?", sku, exceptID) != nil
    }

    /// Inserts a product (sku, name and price required) with its audit row (when an actor is named).
    public static func create(_ fields: Fields, actor: User?, now: Int64 = Timestamp.now(), in db: Connection) throws -> Product {
        guard let sku = fields.sku, let name = fields.name, let price = fields.unitPriceCents else {
            preconditionFailure("sku, name and unit price are checked by the caller")
        }
        guard try !skuTaken(sku, exceptID: nil, in: db) else { throw ChangeError.duplicateSKU }
        try db.execute(
            """
            INSERT INTO products (sku, name, description, unit, unit_price_cents, is_active, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            sku, name, fields.description ?? "", fields.unit ?? "piece", price, fields.isActive ?? true, now, now
        )
        let id = db.lastInsertRowID
        if let actor {
            try AuditLog.record(actor: actor, action: "product.create", targetType: .product, targetID: String(id), at: now, in: db)
        }
        return try find(id: id, in: db)!
    }

    /// A partial update; prices already in carts are untouched (lines keep their own price).
    public static func update(id: Int64, _ fields: Fields, actor: User, now: Int64 = Timestamp.now(), in db: Connection) throws -> Product {
        guard let current = try find(id: id, in: db) else { throw ChangeError.notFound }
        var next = current
        if let value = fields.sku { next.sku = value }
        if let value = fields.name { next.name = value }
        if let value = fields.description { next.description = value }
        if let value = fields.unit { next.unit = value }
        if let value = fields.unitPriceCents { next.unitPriceCents = value }
        if let value = fields.isActive { next.isActive = value }
        guard next != current else { return current }
        if next.sku.lowercased() != current.sku.lowercased(), try skuTaken(next.sku, exceptID: id, in: db) {
            throw ChangeError.duplicateSKU
        }
        try db.execute(
            """
            UPDATE products SET sku = ?, name = ?, description = ?, unit = ?, unit_price_cents = ?, is_active = ?, updated_at = ?
            WHERE id = ?
            """,
            next.sku, next.name, next.description, next.unit, next.unitPriceCents, next.isActive, now, id
        )
        try AuditLog.record(actor: actor, action: "product.update", targetType: .product, targetID: String(id), at: now, in: db)
        return try find(id: id, in: db)!
    }

    /// Hard delete, refused while any cart line refers to the product.
    public static func delete(id: Int64, actor: User, now: Int64 = Timestamp.now(), in db: Connection) throws {
        guard try find(id: id, in: db) != nil else { throw ChangeError.notFound }
        guard try db.scalarInt("SELECT 1 FROM cart_items WHERE product_id = ? LIMIT 1", id) == nil else {
            throw ChangeError.hasDependents
        }
        try db.execute("DELETE FROM products WHERE id = ?", id)
        try AuditLog.record(actor: actor, action: "product.delete", targetType: .product, targetID: String(id), at: now, in: db)
    }
}
