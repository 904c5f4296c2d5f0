import DukaCore
import SQLite

/// The SQL of `products`.
enum ProductStore {
    static let columns = ProductColumn.selectList()

    static func decode(_ row: Row) -> Product {
        Product.decoded(row)
    }

    static func count(in db: Connection) throws -> Int64 {
        try Counters.value(.products, in: db)
    }

    static func find(id: Int64, in db: Connection) throws -> Product? {
        try db.queryFirst("SELECT \(columns) FROM products WHERE id = ?", id, row: decode)
    }

    /// A page of products by id; `search` matches name or sku as a substring.
    static func list(_ productFilter: ProductFilter, page: PageRequest, in db: Connection) throws -> Page<Product> {
        var filter = SQLFilter()
        if !productFilter.includeInactive { filter.add("is_active = 1") }
        if let search = productFilter.search, !search.isEmpty {
            let pattern = likeSubstringPattern(search)
            filter.add(#"(name LIKE ? ESCAPE '\' OR sku LIKE ? ESCAPE '\')"#, pattern, pattern)
        }
        return try db.page(
            of: "products", filter: filter, page: page,
            select: "SELECT \(columns) FROM products \(filter.whereClause) ORDER BY id LIMIT ? OFFSET ?", row: decode
        )
    }

    static func skuTaken(_ sku: String, exceptID: Int64?, in db: Connection) throws -> Bool {
        try db.scalarInt("SELECT 1 FROM products WHERE sku = ? AND id IS NOT ?", sku, exceptID) != nil
    }

    /// Runs `body`, turning the sku index's refusal into `.duplicateSKU` (only reachable
    /// if the check before it raced with another process's writer).
    @discardableResult
    static func refusingDuplicateSKU<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as SQLiteError where error.isUniqueViolation {
            throw ProductChangeError.duplicateSKU
        }
    }

    static let insertSQL = """
        INSERT INTO products (sku, name, description, unit, unit_price_cents, is_active, created_at, updated_at, tax_class,
                              track_stock, allow_negative_stock, low_stock_threshold_milli, barcodes)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// Saves every field of an existing product (its id and created_at aside).
    static func write(_ product: Product, in db: Connection) throws {
        try db.execute(
            """
            UPDATE products SET sku = ?, name = ?, description = ?, unit = ?, unit_price_cents = ?, is_active = ?, tax_class = ?,
                updated_at = ?, track_stock = ?, allow_negative_stock = ?, low_stock_threshold_milli = ?, barcodes = ?
            WHERE id = ?
            """,
            product.sku, product.name, product.description, product.unit, product.unitPriceCents, product.isActive, product.taxClass.rawValue,
            product.updatedAt, product.trackStock, product.allowNegativeStock, product.lowStockThresholdMilli, Barcodes.stored(product.barcodes),
            product.id
        )
    }

    /// Inserts a product (sku, name and price required) with its audit row (when an actor is named).
    static func create(_ fields: ProductFields, actor: User?, now: Int64 = Timestamp.now(), in db: Connection) throws -> Product {
        guard let sku = fields.sku, let name = fields.name, let price = fields.unitPriceCents else {
            preconditionFailure("sku, name and unit price are checked by the caller")
        }
        guard try !skuTaken(sku, exceptID: nil, in: db) else { throw ProductChangeError.duplicateSKU }
        try refusingDuplicateSKU { try db.execute(
            insertSQL,
            sku, name, fields.description ?? "", fields.unit ?? "piece", price, fields.isActive ?? true, now, now,
            (fields.taxClass ?? .b).rawValue, fields.trackStock ?? false, fields.allowNegativeStock ?? false, fields.lowStockThresholdMilli ?? nil,
            Barcodes.stored(fields.barcodes ?? [])
        ) }
        let id = db.lastInsertRowID
        try saveBarcodes(fields.barcodes ?? [], of: id, in: db)
        if let actor {
            try AuditLogStore.record(actor: actor, action: "product.create", targetType: .product, targetID: String(id), at: now, in: db)
        }
        return try find(id: id, in: db)!
    }

    /// A partial update; prices already in carts are untouched (lines keep their own price).
    static func update(id: Int64, _ fields: ProductFields, actor: User, now: Int64 = Timestamp.now(), in db: Connection) throws -> Product {
        guard let current = try find(id: id, in: db) else { throw ProductChangeError.notFound }
        let next = fields.applied(to: current)
        guard next != current else { return current }
        if next.sku.lowercased() != current.sku.lowercased(), try skuTaken(next.sku, exceptID: id, in: db) {
            throw ProductChangeError.duplicateSKU
        }
        var saved = next
        saved.updatedAt = now
        try refusingDuplicateSKU { try write(saved, in: db) }
        if next.barcodes != current.barcodes { try saveBarcodes(next.barcodes, of: id, in: db) }
        try AuditLogStore.record(actor: actor, action: "product.update", targetType: .product, targetID: String(id), at: now, in: db)
        return try find(id: id, in: db)!
    }

    /// The product's rows in `product_barcodes` become `codes`; a code another product
    /// carries is refused (the primary key refuses it too, if a racing writer got there first).
    static func saveBarcodes(_ codes: [String], of productID: Int64, in db: Connection) throws {
        try Barcodes.refuseRepeats(codes)
        for (index, code) in codes.enumerated() {
            if let owner = try db.scalarInt(BarcodeSQL.owner, code), owner != productID {
                throw ProductChangeError.duplicateBarcode(field: "barcodes.\(index)")
            }
        }
        try db.execute(BarcodeSQL.clear, productID)
        for (index, code) in codes.enumerated() {
            do {
                try db.execute(BarcodeSQL.insert, code, productID)
            } catch let error as SQLiteError where error.isUniqueViolation {
                throw ProductChangeError.duplicateBarcode(field: "barcodes.\(index)")
            }
        }
    }

    static func find(barcode: String, in db: Connection) throws -> Product? {
        try db.queryFirst(BarcodeSQL.product(columns: columns), barcode, row: decode)
    }

    /// Hard delete, refused while any cart line refers to the product.
    static func delete(id: Int64, actor: User, now: Int64 = Timestamp.now(), in db: Connection) throws {
        guard try find(id: id, in: db) != nil else { throw ProductChangeError.notFound }
        guard try db.scalarInt(
            "SELECT 1 FROM cart_items WHERE product_id = ? UNION ALL SELECT 1 FROM stock_movements WHERE product_id = ? LIMIT 1", id, id
        ) == nil else {
            throw ProductChangeError.hasDependents
        }
        try db.execute("DELETE FROM products WHERE id = ?", id)
        try AuditLogStore.record(actor: actor, action: "product.delete", targetType: .product, targetID: String(id), at: now, in: db)
    }
}
