import DukaCore

/// The SQL of `products` on PostgreSQL.
enum PGProducts {
    static let columns = ProductColumn.selectList()

    static func decode(_ row: PGRow) -> Product {
        Product.decoded(row)
    }

    static func find(id: Int64, in db: PGSession) async throws -> Product? {
        try await db.first("SELECT \(columns) FROM products WHERE id = $1", id).map(decode)
    }

    /// A page of products by id; `search` matches name or sku as a substring (ASCII case
    /// folded at any length, as SQLite's LIKE).
    /// ... with the caller's row admitted first, in one statement (`PGAdmittedReads.productPage`).
    static func list(_ productFilter: ProductFilter, page: PageRequest, _ access: Access, in db: PGSession) async throws -> Page<Product> {
        var filter = PGFilter()
        if !productFilter.includeInactive { filter.add("is_active") }
        if let search = productFilter.search, !search.isEmpty {
            let pattern = likeSubstringPattern(search)
            // The pattern folded once (a subquery), not for every product a generic plan
            // tests; `\` is LIKE's escape character by default.
            filter.add(#"(lower(name) LIKE (SELECT lower($? COLLATE "C")) OR lower(sku) LIKE (SELECT lower($? COLLATE "C")))"#, pattern, pattern)
        }
        let counter: PGCounters.Name? = filter.conditions.isEmpty ? .products : nil
        return try await PGAdmittedReads.productPage(access, filter: filter, total: counter, page: page, in: db)
    }

    static func skuTaken(_ sku: String, exceptID: Int64?, in db: PGSession) async throws -> Bool {
        try await db.scalarInt(#"SELECT 1 FROM products WHERE lower(sku) = lower($1 COLLATE "C") AND id IS DISTINCT FROM $2"#, sku, exceptID) != nil
    }

    static func refusingDuplicateSKU<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error where PGErrors.isUniqueViolation(error, constraint: "products_sku_key") {
            throw ProductChangeError.duplicateSKU
        }
    }

    static func create(_ fields: ProductFields, actor: User?, now: Int64 = Timestamp.now(), in db: PGSession) async throws -> Product {
        guard let sku = fields.sku, let name = fields.name, let price = fields.unitPriceCents else {
            preconditionFailure("sku, name and unit price are checked by the caller")
        }
        guard try await !skuTaken(sku, exceptID: nil, in: db) else { throw ProductChangeError.duplicateSKU }
        let product = try await refusingDuplicateSKU {
            decode(try await db.rows(
                """
                INSERT INTO products (sku, name, description, unit, unit_price_cents, is_active, created_at, updated_at, tax_class,
                                      track_stock, allow_negative_stock, low_stock_threshold_milli, barcodes)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9, $10, $11, $12)
                RETURNING \(columns)
                """,
                [sku, name, fields.description ?? "", fields.unit ?? "piece", price, fields.isActive ?? true, now, (fields.taxClass ?? .b).rawValue,
                 fields.trackStock ?? false, fields.allowNegativeStock ?? false, fields.lowStockThresholdMilli ?? nil,
                 Barcodes.stored(fields.barcodes ?? [])]
            )[0])
        }
        try await saveBarcodes(fields.barcodes ?? [], of: product.id, in: db)
        if let actor {
            try await PGAuditLog.record(actor: actor, action: "product.create", targetType: .product, targetID: String(product.id), at: now, in: db)
        }
        return product
    }

    /// A partial update; prices already in carts are untouched (lines keep their own price).
    static func update(id: Int64, _ fields: ProductFields, actor: User, now: Int64 = Timestamp.now(), in db: PGSession) async throws -> Product {
        guard let current = try await db.first("SELECT \(columns) FROM products WHERE id = $1 FOR UPDATE", id).map(decode) else {
            throw ProductChangeError.notFound
        }
        let next = fields.applied(to: current)
        guard next != current else { return current }
        if next.sku.lowercased() != current.sku.lowercased(), try await skuTaken(next.sku, exceptID: id, in: db) {
            throw ProductChangeError.duplicateSKU
        }
        let updated = try await refusingDuplicateSKU {
            try await db.rows(
                """
                UPDATE products SET sku = $1, name = $2, description = $3, unit = $4, unit_price_cents = $5, is_active = $6, updated_at = $7,
                    tax_class = $8, track_stock = $9, allow_negative_stock = $10, low_stock_threshold_milli = $11, barcodes = $12
                WHERE id = $13
                RETURNING \(columns)
                """,
                [next.sku, next.name, next.description, next.unit, next.unitPriceCents, next.isActive, now, next.taxClass.rawValue,
                 next.trackStock, next.allowNegativeStock, next.lowStockThresholdMilli, Barcodes.stored(next.barcodes), id]
            )
        }
        if next.barcodes != current.barcodes { try await saveBarcodes(next.barcodes, of: id, in: db) }
        try await PGAuditLog.record(actor: actor, action: "product.update", targetType: .product, targetID: String(id), at: now, in: db)
        return decode(updated[0])
    }

    /// The product's rows in `product_barcodes` become `codes`; a code another product
    /// carries is refused (its primary key refuses a racing one: the same answer).
    static func saveBarcodes(_ codes: [String], of productID: Int64, in db: PGSession) async throws {
        try Barcodes.refuseRepeats(codes)
        for (index, code) in codes.enumerated() {
            if let owner = try await db.scalarInt(BarcodeSQL.owner, code), owner != productID {
                throw ProductChangeError.duplicateBarcode(field: "barcodes.\(index)")
            }
        }
        try await db.execute(BarcodeSQL.clear, productID)
        for (index, code) in codes.enumerated() {
            do {
                try await db.execute(BarcodeSQL.insert, code, productID)
            } catch let error where PGErrors.isUniqueViolation(error, constraint: "product_barcodes_pkey") {
                throw ProductChangeError.duplicateBarcode(field: "barcodes.\(index)")
            }
        }
    }

    static func find(barcode: String, in db: PGSession) async throws -> Product? {
        try await db.first(BarcodeSQL.product(columns: columns), barcode).map(decode)
    }

    /// Hard delete, refused while any cart line refers to the product.
    static func delete(id: Int64, actor: User, now: Int64 = Timestamp.now(), in db: PGSession) async throws {
        guard try await db.scalarInt("SELECT 1 FROM products WHERE id = $1 FOR UPDATE", id) != nil else { throw ProductChangeError.notFound }
        guard try await db.scalarInt(
            "SELECT 1 FROM cart_items WHERE product_id = $1 UNION ALL SELECT 1 FROM stock_movements WHERE product_id = $1 LIMIT 1", id
        ) == nil else {
            throw ProductChangeError.hasDependents
        }
        do {
            try await db.execute("DELETE FROM products WHERE id = $1", id)
        } catch let error where PGErrors.isForeignKeyViolation(error) {
            throw ProductChangeError.hasDependents
        }
        try await PGAuditLog.record(actor: actor, action: "product.delete", targetType: .product, targetID: String(id), at: now, in: db)
    }
}
