/// The demo shop of `seed/`, read and hashed, ready for an engine to insert in one
/// transaction. Both engines load the same rows in the same order, so ids agree.
public struct DemoShop: Sendable {
    public struct Error: Swift.Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    public struct ProductRow: Sendable {
        public var sku, name, description, unit: String
        public var priceCents: Int64
        public var taxClass: TaxClass
        public var trackStock: Bool
        public var lowStockThresholdMilli: Int64?
        public var barcodes: [String]
        public var isActive: Bool
        public var createdAt: Int64
    }

    public struct CartRow: Sendable {
        public var customer: String
        public var status: String
        public var createdAt, updatedAt: Int64
        /// (sku, quantity in thousandths, sale channel, time).
        public var lines: [(sku: String, quantityMilli: Int64, channel: String, at: Int64)]
    }

    /// Tables a kiosk's reset empties, children first (then `SellingSQL.resetShop`).
    public static let resetTables = [
        "audit_log", "stock_movements", "stock_levels", "payments", "refund_lines", "refunds", "cart_items", "carts", "shift_cash", "shifts",
        "product_barcodes", "products", "users",
    ]

    /// Staff first, then customers, in file order.
    public var users: [NewUser]
    public var products: [ProductRow]
    public var carts: [CartRow]

    /// The demo logins, as the README lists them.
    public static func staffLogins(seed: [String: String]) throws -> [(username: String, password: String, role: Role)] {
        try array("staff.json", seed).map { entry in
            (try text(entry, "username"), try text(entry, "password"), Role(rawValue: try text(entry, "role"))!)
        }
    }

    public static func customerPassword(seed: [String: String]) -> String {
        (seed["customer_password.txt"] ?? "").trimmingWhitespace()
    }

    /// Reads `seed` and hashes the demo passwords. Carts are moved forward by whole days so
    /// the latest lands a day or two before `now`: a demo started today shows recent sales.
    public static func load(seed: [String: String], hasher: PasswordHasher, now: Int64 = Timestamp.now()) async throws -> DemoShop {
        let staff = try array("staff.json", seed)
        let customers = try array("customers.json", seed)
        let products = try array("products.json", seed)
        let carts = try array("carts.json", seed)

        var users: [NewUser] = []
        for entry in staff {
            users.append(NewUser(
                username: try text(entry, "username"), email: try text(entry, "email"),
                passwordHash: try await hasher.hash(try text(entry, "password")),
                role: Role(rawValue: try text(entry, "role")) ?? .employee,
                profile: .init(fullName: entry["full_name"]?.stringValue, phoneNumber: entry["phone_number"]?.stringValue),
                createdAt: try time(entry, "created_at")
            ))
        }
        // Customers share one hash: computing 150 bcrypt hashes would slow the first start for no gain.
        let customerHash = try await hasher.hash(customerPassword(seed: seed))
        for entry in customers {
            let created = try time(entry, "created_at")
            users.append(NewUser(
                username: try text(entry, "username"), email: try text(entry, "email"), passwordHash: customerHash, role: .customer,
                profile: .init(
                    fullName: entry["full_name"]?.stringValue, idNumber: entry["id_number"]?.stringValue,
                    phoneNumber: entry["phone_number"]?.stringValue, county: entry["county"]?.stringValue,
                    town: entry["town"]?.stringValue, street: entry["street"]?.stringValue
                ),
                isActive: entry["is_active"]?.boolValue ?? true,
                deletedAt: entry["deleted"]?.boolValue == true ? created + 30 * 86_400 : nil,
                createdAt: created
            ))
        }
        var productRows: [ProductRow] = []
        for entry in products {
            let sku = try text(entry, "sku")
            guard let price = FixedPoint.parse(try text(entry, "unit_price"), places: 2) else {
                throw Error(description: "seed: bad unit_price for \(sku)")
            }
            productRows.append(ProductRow(
                sku: sku, name: try text(entry, "name"), description: entry["description"]?.stringValue ?? "", unit: try text(entry, "unit"),
                priceCents: price, taxClass: TaxClass(rawValue: entry["tax_class"]?.stringValue ?? "B") ?? .b,
                trackStock: entry["track_stock"]?.boolValue ?? false,
                lowStockThresholdMilli: entry["low_stock_threshold"]?.stringValue.flatMap { FixedPoint.parse($0, places: 3) },
                barcodes: (entry["barcodes"]?.arrayValue ?? []).compactMap(\.stringValue), isActive: entry["is_active"]?.boolValue ?? true, createdAt: try time(entry, "created_at")
            ))
        }
        let latestCart = try carts.map { try time($0, "created_at") }.max() ?? now
        let shift = max(0, (now - latestCart) / SalesReport.secondsPerDay - 1) * SalesReport.secondsPerDay
        var cartRows: [CartRow] = []
        for entry in carts {
            let created = try time(entry, "created_at") + shift
            let status = try text(entry, "status")
            var lines: [(sku: String, quantityMilli: Int64, channel: String, at: Int64)] = []
            for (offset, item) in (entry["items"]?.arrayValue ?? []).enumerated() {
                let sku = try text(item, "sku")
                guard let quantity = FixedPoint.parse(try text(item, "quantity"), places: 3) else {
                    throw Error(description: "seed: bad cart line \(sku)")
                }
                lines.append((sku, quantity, try text(item, "sale_channel"), created + Int64(offset + 1) * 60))
            }
            cartRows.append(CartRow(
                customer: try text(entry, "customer"), status: status, createdAt: created,
                updatedAt: created + (status == "active" ? 0 : 900), lines: lines
            ))
        }
        return DemoShop(users: users, products: productRows, carts: cartRows)
    }

    // MARK: Reading the JSON

    static func array(_ file: String, _ seed: [String: String]) throws -> [JSON] {
        guard let source = seed[file] else { throw Error(description: "seed: \(file) missing") }
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
