import DukaCore
@testable import DukaPostgres
import HTTPTypes
import Logging
import Testing

@testable import DukaHTTP

/// A chain: two Duka instances on one PostgreSQL database behave as one server. Every
/// racing request below alternates between the instances.
@Suite(.enabled(if: TestEngine.postgresURL != nil)) struct ChainTests {
    /// Two servers on one new database, each with its own in-process client.
    static func twoInstances(
        _ adjust: (inout DukaConfiguration) -> Void = { _ in }, _ body: @Sendable (TestDuka, [TestAPI]) async throws -> Void
    ) async throws {
        let first = try await TestDuka.make(.postgres, adjust)
        let url = try #require(first.postgresURL)
        let second = try await TestDuka.make(.postgres) { configuration in
            adjust(&configuration)
            configuration.databasePath = url
        }
        try await first.run { a in
            try await second.run { b in try await body(first, [a, b]) }
        }
    }

    /// `count` requests at once, the i-th on instance i % 2; their statuses.
    /// Whether every status but `winner` is a refusal: 409, or 503 (a request that waited
    /// past its bound, which writes nothing).
    static func refusedOnly(_ statuses: [HTTPResponse.Status: Int], besides winner: HTTPResponse.Status) -> Bool {
        statuses.keys.allSatisfy { $0 == winner || $0 == .conflict || $0 == .serviceUnavailable } && (statuses[.conflict] ?? 0) > 0
    }

    static func race(
        _ instances: [TestAPI], _ count: Int, _ request: @escaping @Sendable (TestAPI, Int) async throws -> APIResponse
    ) async throws -> [HTTPResponse.Status: Int] {
        try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
            for index in 0..<count {
                group.addTask { try await request(instances[index % instances.count], index).status }
            }
            return try await group.reduce(into: [:]) { $0[$1, default: 0] += 1 }
        }
    }

    /// One login count for the chain: of 1,000 wrong passwords for one account at once,
    /// over both instances, exactly 5 are checked (401) and the rest wait (429); then the
    /// right password waits too, on either instance.
    @Test func theLoginThrottleCountsOnceForTheChain() async throws {
        try await Self.twoInstances { duka, apis in
            try await duka.makeUser("kamau", role: .cashier)
            let statuses = try await Self.race(apis, 1000) { api, _ in try await api.login("kamau", "wrong-password") }
            // Exactly 5 checked. On a loaded machine the test's 8-connection pools may shed
            // some of the 1,000 with 503 busy (CI did): those never reached a check either.
            #expect(statuses[.unauthorized] == 5)
            #expect(statuses[.tooManyRequests, default: 0] + statuses[.serviceUnavailable, default: 0] == 995, "\(statuses)")
            // Most are refused by the count, not shed: under the whole suite's load on 2
            // cores over half were shed once (575 of 995), so the bound is loose.
            #expect(statuses[.tooManyRequests, default: 0] >= 100, "\(statuses)")
            for api in apis { #expect(try await api.login("kamau").status == .tooManyRequests) }
        }
    }

    /// A success on one instance forgets the failures counted on the other.
    @Test func aSuccessOnOneInstanceClearsFailuresFromTheOther() async throws {
        try await Self.twoInstances { duka, apis in
            try await duka.makeUser("atieno", role: .cashier)
            for _ in 0..<4 { #expect(try await apis[0].login("atieno", "wrong-password").status == .unauthorized) }
            #expect(try await apis[1].login("atieno").status == .ok)
            for _ in 0..<4 { #expect(try await apis[1].login("atieno", "wrong-password").status == .unauthorized) }
            #expect(try await apis[0].login("atieno").status == .ok)
        }
    }

    /// Registrations from one address are counted for the chain.
    @Test func theRegistrationThrottleCountsOnceForTheChain() async throws {
        try await Self.twoInstances({ $0.registrationLimits.perAddress = 3 }) { _, apis in
            for index in 0..<3 {
                #expect(try await apis[index % 2].request(.post, "/api/v1/auth/register", json: Self.signUp("walk\(index)")).status == .created)
            }
            for api in apis {
                let refused = try await api.request(.post, "/api/v1/auth/register", json: Self.signUp("walk-late"))
                #expect(refused.status == .tooManyRequests)
            }
        }
    }

    static func signUp(_ username: String, email: String? = nil) -> JSON {
        .object([
            "username": .string(username), "email": .string(email ?? "\(username)@example.co.ke"),
            "password": .string("sign-up-password"), "full_name": .string("Chain Customer"),
            "phone_number": .string("+254700000001"),
        ])
    }

    /// A logout, a password change, a deactivation or a role change on one instance ends
    /// the user's tokens on the other at once.
    @Test func revocationReachesEveryInstance() async throws {
        try await Self.twoInstances { duka, apis in
            let user = try await duka.makeUser("njeri", role: .cashier)
            let admin = try await apis[0].token("admin", TestDuka.adminPassword)
            let changes: [(String, (String) async throws -> APIResponse)] = [
                ("logout", { token in try await apis[1].request(.post, "/api/v1/auth/logout", token: token) }),
                ("password", { _ in try await apis[1].request(.put, "/api/v1/users/\(user.uuid)", json: .object(["password": .string("password-1")]), token: admin) }),
                ("role", { _ in try await apis[1].request(.put, "/api/v1/users/\(user.uuid)", json: .object(["role": .string("employee")]), token: admin) }),
                ("deactivation", { _ in try await apis[1].request(.post, "/api/v1/users/\(user.uuid)/toggle-status", token: admin) }),
            ]
            for (name, change) in changes {
                let token = try await apis[0].token("njeri")
                #expect(try await apis[0].request(.get, "/api/v1/auth/me", token: token).status == .ok, "\(name)")
                #expect(try await change(token).status == .ok, "\(name)")
                #expect(try await apis[0].request(.get, "/api/v1/auth/me", token: token).status == .unauthorized, "\(name)")
            }
        }
    }

    /// The read-then-write guards hold when the racing requests land on different
    /// instances: one username, one active cart, merged cart lines, one admin left.
    @Test func theGuardsHoldAcrossInstances() async throws {
        try await Self.twoInstances({ $0.registrationLimits.perAddress = 10_000 }) { duka, apis in
            let taken = try await Self.race(apis, 200) { api, index in
                try await api.request(.post, "/api/v1/auth/register", json: Self.signUp("same.name", email: "same\(index)@example.co.ke"))
            }
            // Under a loaded machine a request may wait past its bound and answer 503 (nothing
            // written); what the guard must hold is one winner, every other answer a refusal.
            #expect(taken[.created] == 1 && Self.refusedOnly(taken, besides: .created), "\(taken)")

            let admin = try await apis[0].token("admin", TestDuka.adminPassword)
            let customer = try await duka.makeUser("wambui", role: .customer)
            let opened = try await Self.race(apis, 200) { api, _ in
                try await api.request(.post, "/api/v1/carts", json: .object(["customer_uuid": .string(customer.uuid)]), token: admin)
            }
            #expect(opened[.created] == 1 && Self.refusedOnly(opened, besides: .created), "\(opened)")

            let product = try await duka.makeProduct("SUGAR-1KG", priceCents: 19_000)
            let cartID = try #require(try await duka.scalarInt("SELECT id FROM carts WHERE user_id = ? AND status = 'active'", .int(customer.id)))
            let added = try await Self.race(apis, 100) { api, _ in
                try await api.request(.post, "/api/v1/carts/\(cartID)/items", json: .object(["product_id": .int(product), "quantity": .string("1")]), token: admin)
            }
            // Every acknowledged add is in the one merged line; a 503 (waited past its bound
            // on a loaded machine) added nothing.
            #expect(added.keys.allSatisfy { $0 == .ok || $0 == .created || $0 == .serviceUnavailable }, "\(added)")
            let acknowledged = Int64((added[.ok] ?? 0) + (added[.created] ?? 0))
            // Enough adds must land for the merge to be tested; on a loaded machine only 48 of
            // 100 landed once (the rest answered 503), so the bar is well below that.
            #expect(acknowledged >= 10, "\(added)")
            let lines = try await duka.rows("SELECT quantity_milli FROM cart_items WHERE cart_id = ?", [.int(cartID)])
            #expect(lines.map { $0[0].int } == [acknowledged * 1_000])

            // Two admins deactivate each other at once, one on each instance: one stays.
            let second = try await duka.makeUser("admin.two", role: .admin)
            let firstAdmin = try #require(try await duka.scalarText("SELECT uuid FROM users WHERE username = 'admin'"))
            let secondToken = try await apis[1].token("admin.two")
            async let one = apis[0].request(.post, "/api/v1/users/\(second.uuid)/toggle-status", token: admin)
            async let two = apis[1].request(.post, "/api/v1/users/\(firstAdmin)/toggle-status", token: secondToken)
            _ = try await (one, two)
            let active = try await duka.scalarInt("SELECT COUNT(*) FROM users WHERE role = 'admin' AND is_active AND deleted_at IS NULL")
            #expect(active == 1)

            // The counters agree with the rows, read on either instance.
            let customers = try await duka.scalarInt("SELECT COUNT(*) FROM users WHERE role = 'customer' AND deleted_at IS NULL")
            let firstStays = try await duka.scalarInt("SELECT COUNT(*) FROM users WHERE username = 'admin' AND is_active") == 1
            let survivor = try await apis[0].token(firstStays ? "admin" : "admin.two", firstStays ? TestDuka.adminPassword : "password-1")
            for api in apis {
                let dashboard = try await api.request(.get, "/employee/dashboard", token: survivor)
                #expect(dashboard.json["total_customers"]?.intValue == customers)
            }
        }
    }

    /// A product deleted on one instance while carts on the other add it: each delete is
    /// refused (has_dependents) once a line refers to the product, or the add finds no
    /// product; never a line without its product. A checkout on one instance while lines
    /// are added on the other: the checked-out cart holds exactly the lines its answer
    /// showed, and later adds are refused (`cart_not_active`).
    @Test func dependentsAndCheckoutHoldAcrossInstances() async throws {
        try await Self.twoInstances { duka, apis in
            let admin = try await apis[0].token("admin", TestDuka.adminPassword)
            var carts: [Int64] = []
            for index in 0..<20 {
                let customer = try await duka.makeUser("buyer\(index)", role: .customer)
                let opened = try await apis[index % 2].request(.post, "/api/v1/carts", json: .object(["customer_uuid": .string(customer.uuid)]), token: admin)
                carts.append(try #require(opened.data?["id"]?.intValue))
            }
            let cartIDs = carts
            for round in 0..<5 {
                let product = try await duka.makeProduct("RACE-\(round)", priceCents: 5_000)
                let statuses = try await Self.race(apis, 21) { api, index in
                    if index == 20 { return try await api.request(.delete, "/api/v1/products/\(product)", token: admin) }
                    return try await api.request(
                        .post, "/api/v1/carts/\(cartIDs[index])/items", json: .object(["product_id": .int(product), "quantity": .string("1")]), token: admin
                    )
                }
                let lines = try await duka.scalarInt("SELECT COUNT(*) FROM cart_items WHERE product_id = ?", .int(product)) ?? -1
                let exists = try await duka.scalarInt("SELECT COUNT(*) FROM products WHERE id = ?", .int(product)) ?? -1
                #expect(statuses.keys.allSatisfy { [.ok, .created, .conflict, .notFound, .badRequest].contains($0) }, "\(statuses)")
                #expect(exists == 1 || lines == 0, "round \(round): product deleted under \(lines) lines")
            }

            let product = try await duka.makeProduct("HOLD", priceCents: 1_000)
            for cart in carts.prefix(10) {
                async let checkout = apis[0].request(.post, "/api/v1/carts/\(cart)/checkout", token: admin)
                async let add = apis[1].request(
                    .post, "/api/v1/carts/\(cart)/items", json: .object(["product_id": .int(product), "quantity": .string("2")]), token: admin
                )
                let (closed, added) = try await (checkout, add)
                let stored = try await duka.scalarInt("SELECT COUNT(*) FROM cart_items WHERE cart_id = ?", .int(cart)) ?? -1
                if closed.status == .ok {
                    #expect(Int64(closed.data?["items"]?.arrayValue?.count ?? -1) == stored, "cart \(cart)")
                    let late = try await apis[1].request(
                        .post, "/api/v1/carts/\(cart)/items", json: .object(["product_id": .int(product), "quantity": .string("1")]), token: admin
                    )
                    #expect(late.code == "cart_not_active")
                }
                #expect(added.status == .created || added.status == .ok || added.code == "cart_not_active", "\(added.status)")
            }
        }
    }

    /// Four instances started at once on an empty database with `--demo`: the schema is
    /// migrated once (under an advisory lock) and the demo shop loaded once.
    @Test func instancesStartingAtOnceMigrateAndSeedOnce() async throws {
        let url = try await TestPostgres.shared.makeEmptyDatabase()
        let instances = try await withThrowingTaskGroup(of: TestDuka.self) { group in
            for _ in 0..<4 {
                group.addTask { try await TestDuka.make(.postgres, demo: true) { $0.databasePath = url } }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let duka = instances[0]
        #expect(try await duka.scalarInt("SELECT COUNT(*) FROM duka_migrations") == PGMigrations.latestVersion)
        let alone = try await TestDuka.make(.sqlite, demo: true)
        for table in ["users", "products", "carts", "cart_items"] {
            let expected = try await alone.scalarInt("SELECT COUNT(*) FROM \(table)")
            #expect(try await duka.scalarInt("SELECT COUNT(*) FROM \(table)") == expected, "\(table)")
        }
        try await alone.run { _ in }
        for instance in instances.dropFirst() { await instance.server.storage.close() }
        try await duka.run { _ in }
    }

    /// A binary older than the database's schema refuses to start, and says why.
    @Test func anOlderBinaryRefusesANewerSchema() async throws {
        try await Self.twoInstances { duka, _ in
            let url = try #require(duka.postgresURL)
            try await duka.execute("INSERT INTO duka_migrations (version, name, applied_at) VALUES (?, 'from the future', 1)", .int(PGMigrations.latestVersion + 1))
            var quiet = Logger(label: "chain-test")
            quiet.logLevel = .error
            do {
                let storage = try await PostgresStorage.open(url: url, connections: 1, logger: quiet)
                await storage.close()
                Issue.record("a newer schema was accepted")
            } catch {
                #expect("\(error)".contains("written by a newer Duka"))
            }
        }
    }
}

/// The shared throttle's memory of refusals: a key the database found at its limit is
/// refused locally for at most a second, and the memory stays bounded.
@Suite struct RefusalMemoTests {
    @Test func aRefusalIsRememberedForAtMostASecond() {
        let memo = RefusalMemo(capacity: 4)
        memo.remember("login account user:1", wait: 600, now: 1_000)
        #expect(memo.wait(for: ["login account user:1", "login address 10.0.0.1"], now: 1_000) == 600)
        #expect(memo.wait(for: ["login address 10.0.0.1"], now: 1_000) == nil)
        #expect(memo.wait(for: ["login account user:1"], now: 1_001) == nil)
    }

    @Test func theMemoryIsBounded() {
        let memo = RefusalMemo(capacity: 4)
        for index in 0..<4 { memo.remember("key \(index)", wait: 5, now: 1_000) }
        // Full of fresh keys: the next one starts the memory over rather than growing it.
        memo.remember("key 4", wait: 5, now: 1_000)
        #expect(memo.wait(for: ["key 4"], now: 1_000) == 5)
        #expect(memo.wait(for: ["key 0"], now: 1_000) == nil)
    }
}
