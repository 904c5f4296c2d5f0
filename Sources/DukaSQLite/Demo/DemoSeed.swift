import DukaAssets
import DukaCore
import SQLite

/// Loads the demo shop of `seed/` (compiled in) into an empty database.
public enum DemoSeed {
    public struct Error: Swift.Error, CustomStringConvertible {
        public let description: String
    }

    /// The demo logins, as the README lists them.
    public static var staffLogins: [(username: String, password: String, role: Role)] {
        get throws {
            try array("staff.json").map { entry in
                (try text(entry, "username"), try text(entry, "password"), Role(rawValue: try text(entry, "role"))!)
            }
        }
    }

    public static var customerPassword: String {
        (EmbeddedResources.seed["customer_password.txt"] ?? "").trimmingWhitespace()
    }

    /// Hashes the demo passwords, then inserts everything in one transaction.
    /// Does nothing (and answers false) when the database already has users.
    /// Carts are moved forward by whole days so the latest lands a day or two before `now`:
    /// a demo started today shows recent sales on the console's dashboard.
    public static func load(into database: Database, hasher: PasswordHasher, now: Int64 = Timestamp.now()) async throws -> Bool {
        let staff = try array("staff.json")
        let customers = try array("customers.json")
        let products = try array("products.json")
        let carts = try array("carts.json")

        var hashes: [String] = []
        for entry in staff { hashes.append(try await hasher.hash(try text(entry, "password"))) }
        let staffHashes = hashes
        // Customers share one hash: computing 150 bcrypt hashes would slow the first start for no gain.
        let customerHash = try await hasher.hash(customerPassword)

        let latestCart = try carts.map { try time($0, "created_at") }.max() ?? now
        let shift = max(0, (now - latestCart) / SalesReport.secondsPerDay - 1) * SalesReport.secondsPerDay

        return try await database.write { db in
            guard try UserStore.count(in: db) == 0 else { return false }
            var userIDs: [String: Int64] = [:]
            for (entry, hash) in zip(staff, staffHashes) {
                let user = try UserStore.insert(
                    NewUser(
                        username: try text(entry, "username"), email: try text(entry, "email"), passwordHash: hash,
                        role: Role(rawValue: try text(entry, "role")) ?? .employee,
                        profile: .init(fullName: entry["full_name"]?.stringValue, phoneNumber: entry["phone_number"]?.stringValue),
                        createdAt: try time(entry, "created_at")
                    ),
                    in: db
                )
                userIDs[user.username] = user.id
            }
            for entry in customers {
                let created = try time(entry, "created_at")
                let user = try UserStore.insert(
                    NewUser(
                        username: try text(entry, "username"), email: try text(entry, "email"), passwordHash: customerHash,
                        role: .customer,
                        profile: .init(
                            fullName: entry["full_name"]?.stringValue, idNumber: entry["id_number"]?.stringValue,
                            phoneNumber: entry["phone_number"]?.stringValue, county: entry["county"]?.stringValue,
                            town: entry["town"]?.stringValue, street: entry["street"]?.stringValue
                        ),
                        isActive: entry["is_active"]?.boolValue ?? true,
                        deletedAt: entry["deleted"]?.boolValue == true ? created + 30 * 86_400 : nil,
                        createdAt: created
                    ),
                    in: db
                )
                userIDs[user.username] = user.id
            }
            var productIDs: [String: (id: Int64, price: Int64)] = [:]
            for entry in products {
                let sku = try text(entry, "sku")
                guard let price = FixedPoint.parse(try text(entry, "unit_price"), places: 2) else {
                    throw Error(description: "seed: bad unit_price for \(sku)")
                }
                let created = try time(entry, "created_at")
                try db.execute(
                    """
                    INSERT INTO products (sku, name, description, unit, unit_price_cents, is_active, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    sku, try text(entry, "name"), entry["description"]?.stringValue ?? "", try text(entry, "unit"), price,
                    entry["is_active"]?.boolValue ?? true, created, created
                )
                productIDs[sku] = (db.lastInsertRowID, price)
            }
            for entry in carts {
                let owner = try text(entry, "customer")
                guard let userID = userIDs[owner] else { throw Error(description: "seed: unknown customer \(owner)") }
                let created = try time(entry, "created_at") + shift
                let items = entry["items"]?.arrayValue ?? []
                let status = try text(entry, "status")
                let updated = created + (status == "active" ? 0 : 900)
                try db.execute(
                    "INSERT INTO carts (user_id, status, created_at, updated_at) VALUES (?, ?, ?, ?)",
                    userID, status, created, updated
                )
                let cartID = db.lastInsertRowID
                for (offset, item) in items.enumerated() {
                    let sku = try text(item, "sku")
                    guard let product = productIDs[sku],
                          let quantity = FixedPoint.parse(try text(item, "quantity"), places: 3) else {
                        throw Error(description: "seed: bad cart line \(sku)")
                    }
                    let lineTime = created + Int64(offset + 1) * 60
                    try db.execute(
                        """
                        INSERT INTO cart_items (cart_id, product_id, quantity_milli, sale_channel, unit_price_cents, created_at, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                        cartID, product.id, quantity, try text(item, "sale_channel"), product.price, lineTime, lineTime
                    )
                }
            }
            return true
        }
    }

    // MARK: Reading the embedded JSON

    static func array(_ file: String) throws -> [JSON] {
        guard let source = EmbeddedResources.seed[file] else { throw Error(description: "seed: \(file) missing") }
        guard let values = try JSON.parse(source).arrayValue else { throw Error(description: "seed: \(file) is not an array") }
        return values
    }

    static func text(_ entry: JSON, _ key: String) throws -> String {
        guard let value = entry[key]?.stringValue else { throw Error(description: "seed: missing \(key)") }
        return value
    }

    static func time(_ entry: JSON, _ key: String) throws -> Int64 {
        guard let value = Timestamp.parseISO8601(try text(entry, key)) else { throw Error(description: "seed: bad \(key)") }
        return value
    }
}
