import DukaAssets
import DukaCore
import SQLite

/// Loads the demo shop of `seed/` (compiled in, read by `DemoShop`) into an empty database.
public enum DemoSeed {
    /// The demo logins, as the README lists them.
    public static var staffLogins: [(username: String, password: String, role: Role)] {
        get throws { try DemoShop.staffLogins(seed: EmbeddedResources.seed) }
    }

    public static var customerPassword: String {
        DemoShop.customerPassword(seed: EmbeddedResources.seed)
    }

    /// Hashes the demo passwords, then inserts everything in one transaction.
    /// Does nothing (and answers false) when the database already has users.
    public static func load(into database: Database, hasher: PasswordHasher, now: Int64 = Timestamp.now()) async throws -> Bool {
        let shop = try await DemoShop.load(seed: EmbeddedResources.seed, hasher: hasher, now: now)
        return try await database.write { db in
            guard try !UserStore.any(in: db) else { return false }
            try insert(shop, in: db)
            return true
        }
    }

    /// Puts the demo shop back as new in one transaction: readers see the old shop or the
    /// new one, never a mix. New users get new uuids, so every earlier token is refused.
    public static func reset(_ database: Database, hasher: PasswordHasher, now: Int64 = Timestamp.now()) async throws {
        let shop = try await DemoShop.load(seed: EmbeddedResources.seed, hasher: hasher, now: now)
        try await database.write { db in
            for table in DemoShop.resetTables { try db.exec("DELETE FROM \(table)") }
            for statement in SellingSQL.resetShop { try db.exec(statement) }
            try insert(shop, in: db)
        }
    }

    static func insert(_ shop: DemoShop, in db: Connection) throws {
            var userIDs: [String: Int64] = [:]
            for user in shop.users {
                userIDs[user.username] = try UserStore.insert(user, in: db).id
            }
            var productIDs: [String: (id: Int64, price: Int64, taxClass: String)] = [:]
            for product in shop.products {
                try db.execute(
                    """
                    INSERT INTO products (sku, name, description, unit, unit_price_cents, is_active, created_at, updated_at, tax_class,
                                          track_stock, low_stock_threshold_milli, barcodes)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    product.sku, product.name, product.description, product.unit, product.priceCents, product.isActive,
                    product.createdAt, product.createdAt, product.taxClass.rawValue, product.trackStock, product.lowStockThresholdMilli,
                    Barcodes.stored(product.barcodes)
                )
                let id = db.lastInsertRowID
                productIDs[product.sku] = (id, product.priceCents, product.taxClass.rawValue)
                for code in product.barcodes { try db.execute(BarcodeSQL.insert, code, id) }
            }
            for cart in shop.carts {
                guard let userID = userIDs[cart.customer] else { throw DemoShop.Error(description: "seed: unknown customer \(cart.customer)") }
                try db.execute(
                    "INSERT INTO carts (user_id, status, created_at, updated_at) VALUES (?, ?, ?, ?)",
                    userID, cart.status, cart.createdAt, cart.updatedAt
                )
                let cartID = db.lastInsertRowID
                for line in cart.lines {
                    guard let product = productIDs[line.sku] else { throw DemoShop.Error(description: "seed: bad cart line \(line.sku)") }
                    try db.execute(
                        """
                        INSERT INTO cart_items (cart_id, product_id, quantity_milli, sale_channel, unit_price_cents, created_at, updated_at, tax_class)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                        cartID, product.id, line.quantityMilli, line.channel, product.price, line.at, line.at, product.taxClass
                    )
                }
            }
            try SellingStore.numberSales(in: db)
    }
}
