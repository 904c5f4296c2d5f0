import DukaCore
import SQLite

/// The product import (API.md 8.3) on SQLite: the shared plan, run against the catalogue
/// inside the write transaction (the writer lock holds the catalogue still), then
/// written row by row with cached statements.
extension ProductStore {
    /// Every product, for the import's plan.
    static func all(in db: Connection) throws -> [Product] {
        try db.query("SELECT \(columns) FROM products ORDER BY id", row: decode)
    }

    static func importRows(
        _ rows: [ProductImportRow], dryRun: Bool, actor: User, now: Int64 = Timestamp.now(), in db: Connection
    ) throws -> ProductImportCounts {
        let plan = try ProductImportPlan.make(rows, catalogue: try all(in: db), now: now)
        guard !dryRun else { return plan.counts }
        // Codes leave the products that give them up before any product takes them.
        let recoded = plan.updates.filter { $0.product.barcodes != $0.barcodesBefore }.map(\.product)
        for product in recoded { try db.execute(BarcodeSQL.clear, product.id) }
        for (product, _) in plan.updates {
            try write(product, in: db)
            try AuditLogStore.record(actor: actor, action: "product.import", targetType: .product, targetID: String(product.id), at: now, in: db)
        }
        for product in recoded {
            for code in product.barcodes { try db.execute(BarcodeSQL.insert, code, product.id) }
        }
        for product in plan.creates {
            try db.execute(
                insertSQL, product.sku, product.name, product.description, product.unit, product.unitPriceCents, product.isActive, now, now,
                product.taxClass.rawValue, product.trackStock, product.allowNegativeStock, product.lowStockThresholdMilli,
                Barcodes.stored(product.barcodes)
            )
            let id = db.lastInsertRowID
            for code in product.barcodes { try db.execute(BarcodeSQL.insert, code, id) }
            try AuditLogStore.record(actor: actor, action: "product.import", targetType: .product, targetID: String(id), at: now, in: db)
        }
        return plan.counts
    }
}
