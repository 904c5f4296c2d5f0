import DukaCore

/// The product import (API.md 8.3) on PostgreSQL: the shared plan, run against the
/// catalogue read under a lock that keeps other writers of products out until the commit
/// (readers and checkouts go on), then written in batches of a few thousand rows.
extension PGProducts {
    static func all(in db: PGSession) async throws -> [Product] {
        try await db.rows("SELECT \(columns) FROM products ORDER BY id", []).map(decode)
    }

    static func importRows(
        _ rows: [ProductImportRow], dryRun: Bool, actor: User, now: Int64 = Timestamp.now(), in db: PGSession
    ) async throws -> ProductImportCounts {
        if !dryRun { try await db.execute("LOCK TABLE products IN SHARE ROW EXCLUSIVE MODE") }
        let plan = try ProductImportPlan.make(rows, catalogue: try await all(in: db), now: now)
        guard !dryRun else { return plan.counts }
        // Codes leave the products that give them up before any product takes them.
        let recoded = plan.updates.filter { $0.product.barcodes != $0.barcodesBefore }.map(\.product)
        _ = try await db.batched(recoded.map { [$0.id] }) { "DELETE FROM product_barcodes WHERE product_id IN (VALUES \($0))" }
        _ = try await db.batched(plan.updates.map { update in
            let product = update.product
            return [product.id, product.sku, product.name, product.description, product.unit, product.unitPriceCents, product.isActive,
                    product.updatedAt, product.taxClass.rawValue, product.trackStock, product.allowNegativeStock,
                    product.lowStockThresholdMilli, Barcodes.stored(product.barcodes)]
        }) { values in
            """
            UPDATE products AS p SET sku = v.sku, name = v.name, description = v.description, unit = v.unit,
                unit_price_cents = v.unit_price_cents, is_active = v.is_active, updated_at = v.updated_at, tax_class = v.tax_class,
                track_stock = v.track_stock, allow_negative_stock = v.allow_negative_stock,
                low_stock_threshold_milli = v.low_stock_threshold_milli, barcodes = v.barcodes
            FROM (VALUES \(values)) AS v (id, sku, name, description, unit, unit_price_cents, is_active, updated_at, tax_class,
                                         track_stock, allow_negative_stock, low_stock_threshold_milli, barcodes)
            WHERE p.id = v.id
            """
        }
        let created = try await db.batched(plan.creates.map { product in
            [product.sku, product.name, product.description, product.unit, product.unitPriceCents, product.isActive, now, now,
             product.taxClass.rawValue, product.trackStock, product.allowNegativeStock, product.lowStockThresholdMilli,
             Barcodes.stored(product.barcodes)]
        }) { values in
            """
            INSERT INTO products (sku, name, description, unit, unit_price_cents, is_active, created_at, updated_at, tax_class,
                                  track_stock, allow_negative_stock, low_stock_threshold_milli, barcodes)
            VALUES \(values)
            RETURNING id, sku
            """
        }
        var newID: [String: Int64] = [:]
        for row in created { newID[row.string(1)] = row.int64(0) }
        let createdIDs = plan.creates.map { newID[$0.sku] ?? 0 }
        var codes: [[any PGArgument]] = []
        for product in recoded { codes += product.barcodes.map { [$0, product.id] } }
        for (product, id) in zip(plan.creates, createdIDs) { codes += product.barcodes.map { [$0, id] } }
        _ = try await db.batched(codes) { "INSERT INTO product_barcodes (code, product_id) VALUES \($0)" }
        let targets = plan.updates.map(\.product.id) + createdIDs
        _ = try await db.batched(targets.map { id in
            [actor.id, actor.uuid, actor.username, "product.import", AuditLog.TargetType.product.rawValue, String(id), now]
        }) { "INSERT INTO audit_log (actor_id, actor_uuid, actor_username, action, target_type, target_id, created_at) VALUES \($0)" }
        return plan.counts
    }
}
