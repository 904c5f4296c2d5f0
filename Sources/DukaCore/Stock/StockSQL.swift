/// The SQL of stock, shared by both engines (as `SellingSQL`): `$1, $2, …` in ascending
/// order of first use, booleans bare, no engine-only functions. A level changes only by
/// `move`, an upsert that answers the new level in the same statement: on PostgreSQL it
/// holds the level's row lock to the commit, so racing sales of the last units queue on
/// it and each sees the level the one before left.
public enum StockSQL {
    public static let move = """
        INSERT INTO stock_levels (product_id, branch_id, quantity_milli, last_cost_cents) VALUES ($1, $2, $3, $4)
        ON CONFLICT (product_id, branch_id) DO UPDATE
            SET quantity_milli = stock_levels.quantity_milli + excluded.quantity_milli,
                last_cost_cents = COALESCE(excluded.last_cost_cents, stock_levels.last_cost_cents)
        RETURNING quantity_milli
        """

    /// A level row to lock before reading it (an adjust to a counted level).
    public static let ensureLevel = "INSERT INTO stock_levels (product_id, branch_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"
    public static let level = "SELECT quantity_milli, last_cost_cents FROM stock_levels WHERE product_id = $1 AND branch_id = $2"

    /// Whether a product is counted, and whether it may go below zero.
    public static let stockRules = "SELECT track_stock, allow_negative_stock FROM products WHERE id = $1"

    public static let insertMovement = """
        INSERT INTO stock_movements (product_id, branch_id, type, quantity_milli, unit_cost_cents, reason, reference, cart_id, refund_id,
                                     created_by, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        RETURNING id
        """

    public static let movementColumns = """
        id, product_id, branch_id, type, quantity_milli, unit_cost_cents, reason, reference, cart_id, refund_id, created_by, created_at
        """
    public static let movement = "SELECT \(movementColumns) FROM stock_movements WHERE id = $1"

    public static func decodeMovement(_ row: some SQLRowReading) -> StockMovement {
        StockMovement(
            id: row.int64(at: 0), productID: row.int64(at: 1), branchID: row.int64(at: 2),
            kind: StockMovement.Kind(rawValue: row.string(at: 3)) ?? .adjust, quantityMilli: row.int64(at: 4),
            unitCostCents: row.optionalInt64(at: 5), reason: row.optionalString(at: 6), reference: row.optionalString(at: 7),
            cartID: row.optionalInt64(at: 8), refundID: row.optionalInt64(at: 9), createdBy: row.string(at: 10), createdAt: row.int64(at: 11)
        )
    }

    public static func movementsPage(_ filter: MovementFilter) -> PagedQuery {
        var conditions: [String] = []
        var values: [FilterValue] = []
        if let productID = filter.productID { values.append(.int(productID)); conditions.append("product_id = $\(values.count)") }
        if let branchID = filter.branchID { values.append(.int(branchID)); conditions.append("branch_id = $\(values.count)") }
        if let kind = filter.kind { values.append(.text(kind.rawValue)); conditions.append("type = $\(values.count)") }
        let sql = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return PagedQuery(
            count: "SELECT COUNT(*) FROM stock_movements \(sql)", values: values, columnsAndFrom: "\(movementColumns) FROM stock_movements",
            conditions: sql, order: "created_at DESC, id DESC"
        )
    }

    // MARK: Levels

    static let levelFrom = "FROM products AS p LEFT JOIN stock_levels AS l ON l.product_id = p.id AND l.branch_id = $1"

    /// Tracked products' levels in a branch, by product id. A search folds ASCII case on
    /// both sides (the text is lowered by `asciiLowercased` before it is bound), as
    /// SQLite's LIKE and the product list do.
    public static func levelsPage(_ filter: StockFilter) -> PagedQuery {
        var conditions = ["p.track_stock"]
        var values: [FilterValue] = [.int(filter.branchID)]
        if filter.lowOnly {
            conditions.append("p.low_stock_threshold_milli IS NOT NULL AND COALESCE(l.quantity_milli, 0) <= p.low_stock_threshold_milli")
        }
        if let search = filter.search, !search.isEmpty {
            values.append(.text(likeSubstringPattern(asciiLowercased(search))))
            let n = values.count
            conditions.append(#"(lower(p.name) LIKE $\#(n) ESCAPE '\' OR lower(p.sku) LIKE $\#(n) ESCAPE '\')"#)
        }
        let sql = "WHERE " + conditions.joined(separator: " AND ")
        return PagedQuery(
            count: "SELECT COUNT(*) \(levelFrom) \(sql)", values: values,
            columnsAndFrom: "p.id, p.sku, p.name, p.unit, COALESCE(l.quantity_milli, 0), p.low_stock_threshold_milli, l.last_cost_cents \(levelFrom)",
            conditions: sql, order: "p.id"
        )
    }

    public static func decodeLevel(_ row: some SQLRowReading, branchID: Int64) -> StockLevel {
        StockLevel(
            productID: row.int64(at: 0), sku: row.string(at: 1), name: row.string(at: 2), unit: row.string(at: 3), branchID: branchID,
            quantityMilli: row.int64(at: 4), lowStockThresholdMilli: row.optionalInt64(at: 5), lastCostCents: row.optionalInt64(at: 6)
        )
    }

    /// One product's level in every branch, by branch id (0.000 where nothing moved).
    public static let productLevels = """
        SELECT p.id, p.sku, p.name, p.unit, COALESCE(l.quantity_milli, 0), p.low_stock_threshold_milli, l.last_cost_cents, b.id
        FROM products AS p CROSS JOIN branches AS b
        LEFT JOIN stock_levels AS l ON l.product_id = p.id AND l.branch_id = b.id
        WHERE p.id = $1
        ORDER BY b.id
        """

    /// Tracked products' value in a branch: quantity and last cost, by product id.
    public static let valuation = """
        SELECT p.id, p.sku, p.name, COALESCE(l.quantity_milli, 0), l.last_cost_cents \(levelFrom)
        WHERE p.track_stock
        ORDER BY p.id
        """

    public static func decodeValuation(_ row: some SQLRowReading) -> ValuationLine {
        ValuationLine(
            productID: row.int64(at: 0), sku: row.string(at: 1), name: row.string(at: 2), quantityMilli: row.int64(at: 3),
            lastCostCents: row.optionalInt64(at: 4)
        )
    }
}

/// `text` with only ASCII letters lowered: what SQLite's `lower()` and PostgreSQL's under
/// the "C" collation both do, so a search folds the same on both engines.
public func asciiLowercased(_ text: String) -> String {
    String(decoding: text.utf8.map(asciiLowercased), as: UTF8.self)
}

/// One byte, as `asciiLowercased(_: String)` lowers it.
public func asciiLowercased(_ byte: UInt8) -> UInt8 {
    (0x41...0x5A).contains(byte) ? byte + 0x20 : byte
}

extension Product {
    /// A `products` row read in `ProductColumn` order, on either engine.
    public static func decoded(_ row: some SQLRowReading) -> Product {
        func at(_ column: ProductColumn) -> Int { Int(column.position) }
        var product = Product(
            id: row.int64(at: at(.id)), sku: row.string(at: at(.sku)), name: row.string(at: at(.name)),
            description: row.string(at: at(.description)), unit: row.string(at: at(.unit)),
            unitPriceCents: row.int64(at: at(.unitPriceCents)), isActive: row.bool(at: at(.isActive)),
            createdAt: row.int64(at: at(.createdAt)), updatedAt: row.int64(at: at(.updatedAt)),
            taxClass: TaxClass(rawValue: row.string(at: at(.taxClass))) ?? .b
        )
        product.trackStock = row.bool(at: at(.trackStock))
        product.allowNegativeStock = row.bool(at: at(.allowNegativeStock))
        product.lowStockThresholdMilli = row.optionalInt64(at: at(.lowStockThresholdMilli))
        product.barcodes = Barcodes.read(row.string(at: at(.barcodes)))
        return product
    }
}
