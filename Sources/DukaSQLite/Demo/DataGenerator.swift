import DukaCore
import SQLite

/// Fills a database with a large, deterministic shop for benchmarks (`duka generate`):
/// about 0.5 carts per customer with 1-5 lines each, 3% of customers soft-deleted, 200
/// products. Products go through the store code; customers, carts and lines are the rows
/// the store code would write, inserted directly (the store's look-ups and re-reads were
/// most of the time: 1,000,000 customers took 222 s), with the same triggers keeping
/// counters and the search index.
public enum DataGenerator {
    public struct Summary: Sendable, Equatable {
        public var customers = 0
        public var products = 0
        public var carts = 0
        public var lines = 0
        /// Seconds each step took, in order (`duka generate` prints them).
        public var steps: [Step] = []

        public struct Step: Sendable, Equatable {
            public let name: String
            public let seconds: Double
        }

        /// The same shop (the steps' times aside).
        public static func == (a: Summary, b: Summary) -> Bool {
            (a.customers, a.products, a.carts, a.lines) == (b.customers, b.products, b.carts, b.lines)
        }

        /// Runs `body` as the step `name`, timed.
        mutating func step<T>(_ name: String, _ body: () async throws -> T) async rethrows -> T {
            let started = ContinuousClock.now
            let result = try await body()
            steps.append(Step(name: name, seconds: (ContinuousClock.now - started) / .seconds(1)))
            return result
        }
    }

    /// SplitMix64: a small seeded generator, so a seed always gives the same data.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let firstNames = ["Wanjiku", "Kamau", "Achieng", "Otieno", "Njeri", "Mwangi", "Akinyi", "Ochieng", "Wambui", "Kiprono",
                             "Chebet", "Nyambura", "Mutua", "Mwende", "Kimani", "Atieno", "Wairimu", "Njoroge", "Muthoni", "Baraka"]
    static let lastNames = ["Kariuki", "Omondi", "Mutiso", "Wanyama", "Cheruiyot", "Njenga", "Onyango", "Maina", "Kiptoo", "Owino",
                            "Gitau", "Korir", "Mugo", "Makori", "Chege", "Rotich", "Barasa", "Wekesa", "Mbugua", "Langat"]
    static let places = [("Nairobi", "Westlands"), ("Mombasa", "Nyali"), ("Kisumu", "Kondele"), ("Nakuru", "Naivasha"),
                         ("Kiambu", "Thika"), ("Uasin Gishu", "Eldoret"), ("Machakos", "Athi River"), ("Nyeri", "Karatina")]

    /// Generates into an empty-of-customers database. `passwordHash` is shared by every
    /// generated customer (hashing 100,000 passwords would only measure bcrypt).
    public static func run(
        customers: Int, seed: UInt64, passwordHash: String, database: Database, batch: Int = 5000
    ) async throws -> Summary {
        var rng = SeededGenerator(state: seed)
        let base: Int64 = 1_735_718_400  // 2025-01-01T08:00:00Z
        var summary = Summary()

        let productCount = 200
        var productSeeds: [(sku: String, name: String, unit: String, price: Int64)] = []
        for index in 0..<productCount {
            let weighed = index % 4 == 0
            productSeeds.append((
                String(format6: index), "Bench product \(index)", weighed ? "kg" : "piece",
                Int64.random(in: 2_000...150_000, using: &rng)
            ))
        }
        let seeds = productSeeds
        let productIDs = try await database.write { db -> [Int64] in
            try seeds.enumerated().map { offset, seed in
                var fields = ProductFields()
                fields.sku = "GEN-" + seed.sku
                fields.name = seed.name
                fields.unit = seed.unit
                fields.unitPriceCents = seed.price
                return try ProductStore.create(fields, actor: nil, now: base + Int64(offset), in: db).id
            }
        }
        summary.products = productCount

        // The shop opened before its first customer came: the users already there (the
        // admin, made just now) are dated back to the opening, so that sign-up times
        // follow ids as in a shop that grew over time (`UserStore.signUpsFollowIDs`).
        try await database.write { try $0.execute("UPDATE users SET created_at = min(created_at, ?1), updated_at = min(updated_at, ?1)", base) }
        // The counts of short searches are made once at the end, not per customer.
        try await database.write { try SearchGramCounts.pause(in: $0) }
        // The trigram index takes every customer as a bulk load (merged at "search index").
        try await database.write { try FullTextBulkLoad.begin("users_search", in: $0) }
        let started = ContinuousClock.now
        do {
            try await load(
                customers: customers, batch: batch, base: base, passwordHash: passwordHash, productIDs: productIDs,
                productSeeds: productSeeds, rng: &rng, into: &summary, database: database
            )
        } catch {
            _ = try? await database.write { db in
                try SearchGramCounts.resume(in: db)
                try FullTextBulkLoad.end("users_search", in: db)
            }
            throw error
        }
        summary.steps.append(.init(name: "rows", seconds: (ContinuousClock.now - started) / .seconds(1)))
        try await summary.step("short-search counts") { try await database.write { try SearchGramCounts.resume(in: $0) } }
        // The commonest long texts kept before the first search (`KeptSearchSeeds`).
        try await summary.step("kept texts") { try await KeptSearchStore.seed(in: database) }
        // Receipt numbers in checkout order, as the checkouts would have taken them.
        try await summary.step("receipt numbers") { try await database.write { try SellingStore.numberSales(in: $0) } }
        try await summary.step("search index") { try await database.write { try FullTextBulkLoad.end("users_search", in: $0) } }
        return summary
    }

    /// The customers, their carts and lines, in batches of `batch` (one transaction each).
    private static func load(
        customers: Int, batch: Int, base: Int64, passwordHash: String, productIDs: [Int64],
        productSeeds: [(sku: String, name: String, unit: String, price: Int64)], rng: inout SeededGenerator, into summary: inout Summary,
        database: Database
    ) async throws {
        let prices = Dictionary(uniqueKeysWithValues: zip(productIDs, productSeeds.map(\.price)))
        var made = 0
        while made < customers {
            let count = min(batch, customers - made)
            var plans: [(user: NewUser, carts: [(lines: [(product: Int64, quantity: Int64)], status: Cart.Status)])] = []
            for index in made..<(made + count) {
                let first = firstNames[Int.random(in: 0..<firstNames.count, using: &rng)]
                let last = lastNames[Int.random(in: 0..<lastNames.count, using: &rng)]
                let place = places[Int.random(in: 0..<places.count, using: &rng)]
                let created = base + 86_400 + Int64(index) * 60
                let username = "gen\(index)"
                let user = NewUser(
                    uuid: uuid(using: &rng), username: username, email: "\(username)@example.co.ke", passwordHash: passwordHash,
                    role: .customer,
                    profile: .init(
                        fullName: "\(first) \(last)", idNumber: String(20_000_000 + index), phoneNumber: "+2547\(10_000_000 + index)",
                        county: place.0, town: place.1, street: "\(Int.random(in: 1...400, using: &rng)) Moi Avenue"
                    ),
                    isActive: Int.random(in: 0..<50, using: &rng) != 0,
                    deletedAt: Int.random(in: 0..<100, using: &rng) < 3 ? created + 86_400 : nil,
                    createdAt: created
                )
                // About 0.5 carts per customer (55%: none, 40%: one, 5%: two); only the last may stay active.
                let roll = Int.random(in: 0..<100, using: &rng)
                let cartCount = roll < 55 ? 0 : (roll < 95 ? 1 : 2)
                var carts: [(lines: [(product: Int64, quantity: Int64)], status: Cart.Status)] = []
                for cartIndex in 0..<cartCount {
                    let lineCount = Int.random(in: 1...5, using: &rng)
                    var lines: [(product: Int64, quantity: Int64)] = []
                    for _ in 0..<lineCount {
                        let product = Int.random(in: 0..<productIDs.count, using: &rng)
                        let quantity = productSeeds[product].unit == "kg" ? Int64.random(in: 250...5_000, using: &rng) : Int64.random(in: 1...4, using: &rng) * 1000
                        lines.append((productIDs[product], quantity))
                    }
                    let roll = Int.random(in: 0..<10, using: &rng)
                    let status: Cart.Status = roll < 7 ? .checkedOut : (roll < 9 ? .abandoned : .active)
                    carts.append((lines, cartIndex == cartCount - 1 ? status : .checkedOut))
                }
                plans.append((user, carts))
            }
            let batchPlans = plans
            let batchSummary = try await database.write { db -> Summary in
                try insert(batchPlans, prices: prices, in: db)
            }
            summary.customers += batchSummary.customers
            summary.carts += batchSummary.carts
            summary.lines += batchSummary.lines
            made += count
        }
    }

    /// The rows the sign-ups and the till's open, add-item and close would leave
    /// (`UserStore`, `CartStore`), with the ids those would take, several rows to a
    /// statement (`Connection.insertRows`): a line per product at its price, in store (a
    /// product rung up twice grows its line), and a closed cart updated when it was
    /// closed, ten minutes later. Carts are rung up before any soft delete: only a live,
    /// active customer has them.
    private static func insert(
        _ plans: [(user: NewUser, carts: [(lines: [(product: Int64, quantity: Int64)], status: Cart.Status)])],
        prices: [Int64: Int64], in db: Connection
    ) throws -> Summary {
        var summary = Summary()
        var userID = (try db.scalarInt("SELECT MAX(id) FROM users") ?? 0) + 1
        var cartID = (try db.scalarInt("SELECT MAX(id) FROM carts") ?? 0) + 1
        var users: [(id: Int64, user: NewUser)] = []
        var carts: [any SQLBindable] = []
        var lines: [any SQLBindable] = []
        for plan in plans {
            users.append((userID, plan.user))
            defer { userID += 1 }
            guard plan.user.isActive, plan.user.deletedAt == nil else { continue }
            let at = plan.user.createdAt + 3_600
            for cart in plan.carts {
                carts += [cartID, userID, cart.status.rawValue, at, cart.status == .active ? at : at + 600] as [any SQLBindable]
                var merged: [(product: Int64, quantity: Int64)] = []
                for line in cart.lines {
                    if let index = merged.firstIndex(where: { $0.product == line.product }) {
                        merged[index].quantity += line.quantity
                    } else {
                        merged.append(line)
                    }
                }
                for line in merged { lines += [cartID, line.product, line.quantity, "in_store", prices[line.product]!, at, at] as [any SQLBindable] }
                cartID += 1
            }
        }
        try UserStore.insertRows(users, in: db)
        try db.insertRows("INSERT INTO carts (id, user_id, status, created_at, updated_at) VALUES", columns: 5, values: carts)
        try db.insertRows(
            "INSERT INTO cart_items (cart_id, product_id, quantity_milli, sale_channel, unit_price_cents, created_at, updated_at) VALUES",
            columns: 7, values: lines
        )
        summary.customers = users.count
        summary.carts = carts.count / 5
        summary.lines = lines.count / 7
        return summary
    }

    static func uuid(using rng: inout SeededGenerator) -> String {
        UUIDString.random(using: &rng)
    }
}

extension String {
    /// Six digits with leading zeros.
    init(format6 value: Int) {
        let digits = String(value)
        self = String(repeating: "0", count: Swift.max(0, 6 - digits.count)) + digits
    }
}
