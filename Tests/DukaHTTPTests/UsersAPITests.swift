import DukaCore
@testable import DukaSQLite
import DukaAssets
import Foundation
import HTTPTypes
import SQLite
import Testing

@testable import DukaHTTP

@Suite struct UsersAPITests {
    static let userKeys = LoginTests.userKeys
    static let pageKeys: Set<String> = ["current_page", "per_page", "total_data", "total_page"]

    /// A server with one user per staff role (`the.admin` is a second admin) and a customer.
    static func staff(_ engine: TestEngine = .sqlite) async throws -> TestDuka {
        let duka = try await TestDuka.make(engine)
        try await duka.makeUser("the.admin", role: .admin)
        try await duka.makeUser("the.manager", role: .manager)
        try await duka.makeUser("the.cashier", role: .cashier)
        try await duka.makeUser("the.employee", role: .employee)
        try await duka.makeUser("the.customer", role: .customer)
        return duka
    }

    static func createBody(_ overrides: [String: JSON] = [:]) -> JSON {
        var members: [String: JSON] = [
            "username": .string("new.cashier"), "email": .string("new.cashier@duka.local"),
            "password": .string("till-password"), "role": .string("cashier"),
        ]
        members.merge(overrides) { $1 }
        return .object(members.filter { $0.value != .string("<absent>") })
    }

    @Test(arguments: TestEngine.available) func roleMatrix(_ engine: TestEngine) async throws {
        let duka = try await Self.staff(engine)
        let target = try await duka.makeUser("target", role: .cashier)
        try await duka.run { (api: TestAPI) async throws in
            var tokens: [Role: String] = [:]
            for role in Role.allCases { tokens[role] = try await api.token("the.\(role.rawValue)") }
            let list = "/api/v1/users", one = "/api/v1/users/\(target.uuid)"
            let matrix: [(HTTPRequest.Method, String, JSON?, Set<Role>)] = [
                (.get, list, nil, [.admin, .manager, .cashier]),
                (.get, one, nil, [.admin, .manager]),
                (.post, list, Self.createBody(), [.admin]),
                (.put, one, .object(["town": .string("Thika")]), [.admin]),
                (.post, one + "/toggle-status", nil, [.admin]),
                (.get, "/api/v1/audit-log", nil, [.admin]),
            ]
            for (method, path, body, allowed) in matrix {
                #expect(try await api.request(method, path, json: body).status == .unauthorized, "\(method) \(path)")
                for role in Role.allCases where !allowed.contains(role) {
                    let response = try await api.request(method, path, json: body, token: tokens[role])
                    #expect(response.status == .forbidden, "\(role) \(method) \(path)")
                    #expect(response.code == "forbidden")
                }
            }
            for role in [Role.manager, .cashier, .employee, .customer] {
                #expect(try await api.request(.delete, one, token: tokens[role]).status == .forbidden)
            }
            for role in [Role.admin, .manager, .cashier] {
                #expect(try await api.request(.get, list, token: tokens[role]).status == .ok, "\(role)")
            }
            #expect(try await api.request(.get, one, token: tokens[.manager]).status == .ok)
            #expect(try await api.request(.post, list, json: Self.createBody(), token: tokens[.admin]).status == .created)
            #expect(try await api.request(.put, one, json: .object(["town": .string("Thika")]), token: tokens[.admin]).status == .ok)
            #expect(try await api.request(.post, one + "/toggle-status", token: tokens[.admin]).status == .ok)
            #expect(try await api.request(.delete, one, token: tokens[.admin]).status == .ok)
            #expect(try await duka.auditRows().map(\.action) == ["user.create", "user.update", "user.toggle_status", "user.delete"])
        }
    }

    @Test(arguments: TestEngine.available) func createAnswersTheUserAndStoresAHash(_ engine: TestEngine) async throws {
        let duka = try await Self.staff(engine)
        try await duka.run { (api: TestAPI) async throws in
            let admin = try await api.token("the.admin")
            let response = try await api.request(
                .post, "/api/v1/users",
                json: Self.createBody(["full_name": .string("Peter Kamau"), "phone_number": .string("+254722000111"), "is_active": .bool(false), "extra": .int(1)]),
                token: admin
            )
            #expect(response.status == .created)
            #expect(response.json["message"] == .string("User created successfully"))
            #expect(APIResponse.keys(response.json) == ["message", "data"])
            #expect(APIResponse.keys(response.data) == Self.userKeys)
            #expect(response.data?["role"] == .string("cashier"))
            #expect(response.data?["is_active"] == .bool(false))
            #expect(!response.body.contains("till-password"))
            let uuid = try #require(response.data?["id"]?.stringValue)
            #expect(UUIDString.normalized(uuid) == uuid)
            let detail = try await api.request(.get, "/api/v1/users/\(uuid)", token: admin)
            #expect(detail.json["message"] == .string("User retrieved successfully"))
            #expect(APIResponse.keys(detail.data) == LoginTests.detailKeys)
            #expect(detail.data?["full_name"] == .string("Peter Kamau"))
            #expect(detail.data?["county"] == .null)
            let stored = try await duka.scalarText("SELECT password_hash FROM users WHERE uuid = ?", .text(uuid))
            #expect(stored?.hasPrefix("$2b$04$") == true)
            let active = try await api.request(.post, "/api/v1/users", json: Self.createBody(["username": .string("second"), "email": .string("s@duka.local")]), token: admin)
            #expect(active.data?["is_active"] == .bool(true))
            #expect(try await api.login("second", "till-password").status == .ok)
            let audit = try await duka.auditRows()
            #expect(audit.map(\.action) == ["user.create", "user.create"])
            #expect(audit[0].targetID == uuid)
            #expect(audit[0].actor == "the.admin")
        }
    }

    @Test(arguments: TestEngine.available) func everyValidationRule(_ engine: TestEngine) async throws {
        let duka = try await Self.staff(engine)
        try await duka.run { (api: TestAPI) async throws in
            let admin = try await api.token("the.admin")
            let cases: [(String, JSON)] = [
                ("username", .string("ab")),
                ("username", .string(String(repeating: "u", count: 51))),
                ("username", .string("bad/name")),
                ("username", .string("<absent>")),
                ("username", .int(12)),
                ("email", .string(String(repeating: "e", count: 60) + "@" + String(repeating: "d", count: 36) + ".com")),
                ("email", .string("no-at-sign.example.com")),
                ("email", .string("<absent>")),
                ("password", .string("12345")),
                ("password", .string(String(repeating: "p", count: 101))),
                ("password", .string("<absent>")),
                ("role", .string("owner")),
                ("role", .string("<absent>")),
                ("role", .string("Admin")),
                ("is_active", .string("yes")),
                ("phone_number", .string("0712345678")),
                ("phone_number", .string("+254 712 345 678")),
                ("full_name", .string(String(repeating: "f", count: 101))),
                ("street", .bool(true)),
            ]
            for (field, value) in cases {
                let response = try await api.request(.post, "/api/v1/users", json: Self.createBody([field: value]), token: admin)
                #expect(response.status == .badRequest, "\(field) = \(value)")
                #expect(response.code == "validation_failed", "\(field)")
                #expect(TestSupportKeys.errors(response) == [field], "\(field): \(response.body)")
            }
            // The bounds themselves are fine.
            let edges = try await api.request(.post, "/api/v1/users", json: Self.createBody([
                "username": .string("abc"), "password": .string("123456"),
                "email": .string(String(repeating: "e", count: 60) + "@" + String(repeating: "d", count: 35) + ".com"),
                "full_name": .string(String(repeating: "f", count: 100)),
            ]), token: admin)
            #expect(edges.status == .created, "\(edges.body)")
            let count = try await duka.server.storage.userCount()
            #expect(count == 7)
        }
    }

    @Test(arguments: TestEngine.available) func duplicatesAreCaseInsensitive409s(_ engine: TestEngine) async throws {
        let duka = try await Self.staff(engine)
        try await duka.run { (api: TestAPI) async throws in
            let admin = try await api.token("the.admin")
            let byName = try await api.request(.post, "/api/v1/users", json: Self.createBody(["username": .string("THE.Manager")]), token: admin)
            #expect(byName.status == .conflict)
            #expect(byName.code == "duplicate")
            #expect(TestSupportKeys.errors(byName) == ["username"])
            let byEmail = try await api.request(.post, "/api/v1/users", json: Self.createBody(["email": .string("The.Manager@Example.com")]), token: admin)
            #expect(TestSupportKeys.errors(byEmail) == ["email"])
            let both = try await api.request(.post, "/api/v1/users", json: Self.createBody(["username": .string("the.cashier"), "email": .string("the.cashier@example.com")]), token: admin)
            #expect(TestSupportKeys.errors(both) == ["username", "email"])

            let cashier = try await duka.user(login: "the.cashier")!
            let update = try await api.request(.put, "/api/v1/users/\(cashier.uuid)", json: .object(["email": .string("THE.employee@example.com")]), token: admin)
            #expect(update.status == .conflict)
            #expect(TestSupportKeys.errors(update) == ["email"])
            // Changing only the case of one's own name is not a duplicate.
            let recase = try await api.request(.put, "/api/v1/users/\(cashier.uuid)", json: .object(["username": .string("The.Cashier")]), token: admin)
            #expect(recase.status == .ok)
            #expect(recase.data?["username"] == .string("The.Cashier"))
            #expect(try await duka.auditRows().map(\.action) == ["user.update"])
        }
    }

    @Test(arguments: TestEngine.available) func listShapesAndPagination(_ engine: TestEngine) async throws {
        let duka = try await Self.staff(engine)
        for index in 1...17 { try await duka.makeUser(String(format: "extra%02d", index), role: .cashier) }
        try await duka.run { (api: TestAPI) async throws in
            let token = try await api.token("the.cashier")
            let first = try await api.request(.get, "/api/v1/users", token: token)
            #expect(first.status == .ok)
            #expect(first.json["message"] == .string("Users retrieved successfully"))
            #expect(APIResponse.keys(first.data) == ["users", "pagination"])
            #expect(first.data?["pagination"] == .object(["current_page": .int(1), "per_page": .int(10), "total_data": .int(23), "total_page": .int(3)]))
            for user in first.data?["users"]?.arrayValue ?? [] { #expect(APIResponse.keys(user) == Self.userKeys) }
            let last = try await api.request(.get, "/api/v1/users?page=3&limit=10", token: token)
            #expect(last.data?["users"]?.arrayValue?.count == 3)
            let past = try await api.request(.get, "/api/v1/users?page=4", token: token)
            #expect(past.data?["users"] == .array([]))
            #expect(past.data?["pagination"]?["total_data"] == .int(23))
            let big = try await api.request(.get, "/api/v1/users?limit=100", token: token)
            #expect(big.data?["users"]?.arrayValue?.count == 23)
            for (query, parameter) in [
                ("page=0", "page"), ("limit=0", "limit"), ("limit=101", "limit"), ("limit=x", "limit"),
                ("role=owner", "role"), ("status=gone", "status"), ("sort_by=email", "sort_by"), ("sort_order=up", "sort_order"),
            ] {
                let response = try await api.request(.get, "/api/v1/users?\(query)", token: token)
                #expect(response.status == .badRequest, "\(query)")
                #expect(TestSupportKeys.errors(response) == [parameter], "\(query)")
            }
        }
    }

    @Test(arguments: TestEngine.available) func filtersAndSortOrders(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        // created_at chosen so that ties exist and break by id.
        let specs: [(String, Role, Int64, Bool)] = [
            ("bravo", .cashier, 300, false), ("alpha", .customer, 100, false), ("delta", .cashier, 300, true),
            ("Charlie", .manager, 200, false), ("echo_1%", .customer, 500, false),
        ]

        for (name, role, created, deleted) in specs {
            let user = try await duka.makeUser(name, role: role, deleted: deleted)

            try await duka.execute("UPDATE users SET created_at = ? WHERE id = ?", .int(created), .int(user.id))
        }
        try await duka.execute("UPDATE users SET created_at = 50 WHERE username = 'admin'")
        try await duka.run { (api: TestAPI) async throws in
            let token = try await api.token("admin", TestDuka.adminPassword)
            func names(_ query: String) async throws -> [String] {
                let response = try await api.request(.get, "/api/v1/users?limit=100&\(query)", token: token)
                #expect(response.status == .ok, "\(query): \(response.body)")
                return (response.data?["users"]?.arrayValue ?? []).compactMap { $0["username"]?.stringValue }
            }
            #expect(try await names("") == ["echo_1%", "bravo", "Charlie", "alpha", "admin"])
            #expect(try await names("sort_order=asc") == ["admin", "alpha", "Charlie", "bravo", "echo_1%"])
            #expect(try await names("status=all") == ["echo_1%", "delta", "bravo", "Charlie", "alpha", "admin"])
            #expect(try await names("status=all&sort_order=asc") == ["admin", "alpha", "Charlie", "bravo", "delta", "echo_1%"])
            #expect(try await names("sort_by=username") == ["echo_1%", "Charlie", "bravo", "alpha", "admin"])
            #expect(try await names("sort_by=username&sort_order=asc") == ["admin", "alpha", "bravo", "Charlie", "echo_1%"])
            #expect(try await names("sort_by=created_at&sort_order=desc&status=deleted") == ["delta"])
            #expect(try await names("role=cashier&status=all") == ["delta", "bravo"])
            #expect(try await names("role=cashier&status=all&sort_order=asc") == ["bravo", "delta"])
            #expect(try await names("role=customer&sort_by=username&sort_order=asc") == ["alpha", "echo_1%"])
            #expect(try await names("search=CHAR") == ["Charlie"])
            #expect(try await names("search=example.com&role=manager") == ["Charlie"])
            #expect(try await names("search=%25") == ["echo_1%"])
            #expect(try await names("search=_") == ["echo_1%"])
            #expect(try await names("search=o_1") == ["echo_1%"])
            #expect(try await names("search=a%25") == [])
            #expect(try await names("search=%27") == [])
            #expect(try await names("search=%5C") == [])
        }
    }

    @Test(arguments: TestEngine.available) func customerTotalsByStatus(_ engine: TestEngine) async throws {
        let duka = try await Self.staff(engine)
        try await duka.makeUser("gone.customer", role: .customer, deleted: true)
        try await duka.makeUser("gone.cashier", role: .cashier, deleted: true)
        try await duka.makeUser("another.customer", role: .customer)
        try await duka.run { (api: TestAPI) async throws in
            let token = try await api.token("the.admin")
            for (status, total) in [("active", 2), ("all", 3), ("deleted", 1)] {
                let response = try await api.request(.get, "/api/v1/users?role=customer&status=\(status)&limit=1", token: token)
                #expect(response.data?["pagination"]?["total_data"] == .int(Int64(total)), "\(status)")
                #expect(response.data?["pagination"]?["total_page"] == .int(Int64(total)), "\(status)")
            }
            let deleted = try await api.request(.get, "/api/v1/users?role=customer&status=deleted", token: token)
            #expect(deleted.data?["users"]?.arrayValue?.compactMap { $0["username"]?.stringValue } == ["gone.customer"])
        }
    }

    @Test(arguments: TestEngine.available) func detailAndIds(_ engine: TestEngine) async throws {
        let duka = try await Self.staff(engine)
        let deleted = try await duka.makeUser("deleted.staff", role: .cashier, deleted: true)
        try await duka.run { (api: TestAPI) async throws in
            let token = try await api.token("the.manager")
            let shown = try await api.request(.get, "/api/v1/users/\(deleted.uuid.uppercased())", token: token)
            #expect(shown.status == .ok)
            #expect(shown.data?["deleted_at"]?.stringValue != nil)
            for bad in ["abc", "12", "\(deleted.uuid)x", "1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4beg"] {
                let response = try await api.request(.get, "/api/v1/users/\(bad)", token: token)
                #expect(response.status == .badRequest, "\(bad)")
                #expect(response.code == "invalid_id")
            }
            let unknown = try await api.request(.get, "/api/v1/users/1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed", token: token)
            #expect(unknown.status == .notFound)
            #expect(unknown.json == .object(["message": .string("User not found"), "code": .string("not_found")]))
            let admin = try await api.token("the.admin")
            for (method, suffix) in [(HTTPRequest.Method.put, ""), (.post, "/toggle-status"), (.delete, "")] {
                let body: JSON? = method == .put ? .object(["town": .string("Nyeri")]) : nil
                #expect(try await api.request(method, "/api/v1/users/nope\(suffix)", json: body, token: admin).code == "invalid_id")
                #expect(try await api.request(method, "/api/v1/users/1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed\(suffix)", json: body, token: admin).status == .notFound)
            }
            // Syntax errors come before the 404.
            let bad = try await api.request(.put, "/api/v1/users/1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed", json: .object(["email": .string("x")]), token: admin)
            #expect(bad.code == "validation_failed")
        }
    }

    @Test(arguments: TestEngine.available) func partialUpdatesAndNoOps(_ engine: TestEngine) async throws {
        let duka = try await Self.staff(engine)
        let user = try await duka.makeUser("kipchoge", role: .cashier, profile: .init(fullName: "Eliud K", county: "Nandi", town: "Kapsabet"))
        try await duka.execute("UPDATE users SET updated_at = 1000 WHERE id = ?", .int(user.id))
        try await duka.run { (api: TestAPI) async throws in
            let admin = try await api.token("the.admin")
            let path = "/api/v1/users/\(user.uuid)"
            let response = try await api.request(.put, path, json: .object(["town": .string("Eldoret"), "county": .null, "full_name": .string("Eliud Kipchoge")]), token: admin)
            #expect(response.status == .ok)
            #expect(response.json["message"] == .string("User updated successfully"))
            #expect(APIResponse.keys(response.data) == Self.userKeys)
            #expect(response.data?["updated_at"] != .string("1970-01-01T00:16:40Z"))
            let detail = try await api.request(.get, path, token: admin)
            #expect(detail.data?["town"] == .string("Eldoret"))
            #expect(detail.data?["county"] == .null)
            #expect(detail.data?["full_name"] == .string("Eliud Kipchoge"))
            #expect(detail.data?["username"] == .string("kipchoge"))

            for field in ["username", "email", "password", "role", "is_active"] {
                let nulled = try await api.request(.put, path, json: .object([field: .null]), token: admin)
                #expect(nulled.code == "validation_failed", "\(field)")
                #expect(TestSupportKeys.errors(nulled) == [field])
            }
            #expect(try await api.request(.put, path, rawBody: "{", token: admin, headers: [.contentType: "application/json"]).code == "bad_request")
            #expect(try await api.request(.put, path, rawBody: "{}", token: admin, headers: [.contentType: "text/plain"]).status == .unsupportedMediaType)

            // Nothing changes: 200, and no audit row.
            let before = try await duka.auditRows().count
            let same = try await api.request(.put, path, json: .object(["town": .string("Eldoret"), "role": .string("cashier")]), token: admin)
            #expect(same.status == .ok)
            let empty = try await api.request(.put, path, json: .object([:]), token: admin)
            #expect(empty.status == .ok)
            #expect(try await duka.auditRows().count == before)
        }
    }

    @Test(arguments: TestEngine.available) func passwordRoleAndStatusChangesRevokeTokens(_ engine: TestEngine) async throws {
        let duka = try await Self.staff(engine)
        let user = try await duka.makeUser("wafula", role: .cashier)
        try await duka.run { (api: TestAPI) async throws in
            let admin = try await api.token("the.admin")
            let path = "/api/v1/users/\(user.uuid)"
            func alive(_ token: String) async throws -> Bool {
                try await api.request(.get, "/api/v1/auth/me", token: token).status == .ok
            }
            var token = try await api.token("wafula")
            _ = try await api.request(.put, path, json: .object(["town": .string("Bungoma")]), token: admin)
            #expect(try await alive(token))  // a profile change keeps the session

            _ = try await api.request(.put, path, json: .object(["password": .string("brand-new-pass")]), token: admin)
            #expect(!(try await alive(token)))
            #expect(try await api.login("wafula").status == .unauthorized)
            token = try await api.token("wafula", "brand-new-pass")

            _ = try await api.request(.put, path, json: .object(["role": .string("manager")]), token: admin)
            #expect(!(try await alive(token)))
            token = try await api.token("wafula", "brand-new-pass")

            let toggled = try await api.request(.post, path + "/toggle-status", token: admin)
            #expect(toggled.json["message"] == .string("User status toggled successfully"))
            #expect(toggled.data?["is_active"] == .bool(false))
            #expect(!(try await alive(token)))
            #expect(try await api.login("wafula", "brand-new-pass").code == "account_inactive")
            let back = try await api.request(.post, path + "/toggle-status", token: admin)
            #expect(back.data?["is_active"] == .bool(true))
            #expect(!(try await alive(token)))
            #expect(try await api.login("wafula", "brand-new-pass").status == .ok)
        }
    }

    @Test(arguments: TestEngine.available) func guards(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        let buyer = try await duka.makeUser("buyer", role: .customer)
        let product = try await duka.makeProduct("P", priceCents: 100)
        try await duka.makeCart(userID: buyer.id, createdAt: 1, items: [(product, 1000, 100, "online")])
        try await duka.run { (api: TestAPI) async throws in
            let admin = try await api.token("admin", TestDuka.adminPassword)
            let me = try await api.request(.get, "/api/v1/auth/me", token: admin)
            let myUUID = try #require(me.data?["id"]?.stringValue)

            let selfDelete = try await api.request(.delete, "/api/v1/users/\(myUUID)", token: admin)
            #expect(selfDelete.status == .conflict)
            #expect(selfDelete.code == "cannot_delete_self")

            for body: JSON in [.object(["role": .string("manager")]), .object(["is_active": .bool(false)])] {
                let response = try await api.request(.put, "/api/v1/users/\(myUUID)", json: body, token: admin)
                #expect(response.status == .conflict)
                #expect(response.code == "last_admin")
            }
            let toggle = try await api.request(.post, "/api/v1/users/\(myUUID)/toggle-status", token: admin)
            #expect(toggle.code == "last_admin")

            let owner = try await api.request(.delete, "/api/v1/users/\(buyer.uuid)", token: admin)
            #expect(owner.status == .conflict)
            #expect(owner.code == "has_dependents")
            #expect(try await duka.user(id: buyer.id) != nil)
            #expect(try await duka.auditRows().isEmpty)

            // With a second admin, demoting oneself is fine.
            let created = try await api.request(.post, "/api/v1/users", json: Self.createBody(["username": .string("admin2"), "email": .string("a2@duka.local"), "role": .string("admin")]), token: admin)
            let second = try #require(created.data?["id"]?.stringValue)
            let demote = try await api.request(.put, "/api/v1/users/\(myUUID)", json: .object(["role": .string("manager")]), token: admin)
            #expect(demote.status == .ok)
            // ... and the demoted admin's token is dead at once.
            #expect(try await api.request(.get, "/api/v1/users", token: admin).status == .unauthorized)
            let admin2 = try await api.token("admin2", "till-password")
            #expect(try await api.request(.post, "/api/v1/users/\(second)/toggle-status", token: admin2).code == "last_admin")

            let deleted = try await api.request(.delete, "/api/v1/users/\(myUUID)", token: admin2)
            #expect(deleted.status == .ok)
            #expect(deleted.json == .object(["message": .string("User deleted successfully")]))
            #expect(try await api.request(.get, "/api/v1/users/\(myUUID)", token: admin2).status == .notFound)
            #expect(try await api.request(.delete, "/api/v1/users/\(myUUID)", token: admin2).status == .notFound)
        }
    }

    @Test(arguments: TestEngine.available) func twoAdminsDemotingEachOtherLeaveOne(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        let first = try await duka.makeUser("first.admin", role: .admin)
        let second = try await duka.makeUser("second.admin", role: .admin)
        try await duka.execute("UPDATE users SET role = 'manager' WHERE username = 'admin'")
        try await duka.run { (api: TestAPI) async throws in
            for round in 0..<20 {
                try await duka.execute("UPDATE users SET role = 'admin', is_active = TRUE WHERE id IN (?, ?)", .int(first.id), .int(second.id))
                let tokenA = try await api.token("first.admin")
                let tokenB = try await api.token("second.admin")
                let demote = round % 2 == 0
                let body: JSON? = demote ? .object(["role": .string("cashier")]) : nil
                let method: HTTPRequest.Method = demote ? .put : .post
                let suffix = demote ? "" : "/toggle-status"
                async let a = api.request(method, "/api/v1/users/\(second.uuid)\(suffix)", json: body, token: tokenA)
                async let b = api.request(method, "/api/v1/users/\(first.uuid)\(suffix)", json: body, token: tokenB)
                let statuses = [try await a.status, try await b.status]
                #expect(statuses.filter { $0 == .ok }.count == 1, "round \(round): \(statuses)")
                #expect(statuses.allSatisfy { [.ok, .conflict, .unauthorized].contains($0) }, "round \(round): \(statuses)")
                let remaining = try await duka.scalarInt("SELECT COUNT(*) FROM users WHERE role = 'admin' AND is_active = TRUE AND deleted_at IS NULL")
                #expect(remaining == 1, "round \(round)")
            }
        }
    }

    @Test(arguments: TestEngine.available) func auditLogEndpoint(_ engine: TestEngine) async throws {
        let duka = try await Self.staff(engine)
        let customer = try await duka.makeUser("cust", role: .customer)
        try await duka.makeUser("helper", role: .employee)
        try await duka.run { (api: TestAPI) async throws in
            let admin = try await api.token("the.admin")
            let helper = try await api.token("helper")
            _ = try await api.request(.post, "/employee/customers/\(customer.id)/deactivate", token: helper)
            let created = try await api.request(.post, "/api/v1/users", json: Self.createBody(), token: admin)
            let newUUID = try #require(created.data?["id"]?.stringValue)
            _ = try await api.request(.post, "/api/v1/users/\(newUUID)/toggle-status", token: admin)
            let helperUUID = try await duka.user(login: "helper")!.uuid
            _ = try await api.request(.delete, "/api/v1/users/\(helperUUID)", token: admin)

            let all = try await api.request(.get, "/api/v1/audit-log", token: admin)
            #expect(all.status == .ok)
            #expect(all.json["message"] == .string("Audit log retrieved successfully"))
            #expect(APIResponse.keys(all.data) == ["entries", "pagination"])
            let entries = all.data?["entries"]?.arrayValue ?? []
            #expect(entries.map { $0["action"]?.stringValue } == ["user.delete", "user.toggle_status", "user.create", "customer.deactivate"])
            for entry in entries {
                #expect(APIResponse.keys(entry) == ["id", "actor_id", "actor_username", "action", "target_type", "target_id", "created_at"])
                #expect(entry["target_type"] == .string("user"))
            }
            // The row outlives its actor's hard delete and keeps the name.
            #expect(entries[3]["actor_username"] == .string("helper"))
            #expect(entries[3]["actor_id"] == .string(helperUUID))
            #expect(entries[3]["target_id"] == .string(customer.uuid))
            #expect(all.data?["pagination"] == .object(["current_page": .int(1), "per_page": .int(10), "total_data": .int(4), "total_page": .int(1)]))

            let byAction = try await api.request(.get, "/api/v1/audit-log?action=user.create", token: admin)
            #expect(byAction.data?["entries"]?.arrayValue?.count == 1)
            let byActor = try await api.request(.get, "/api/v1/audit-log?actor=\(helperUUID)", token: admin)
            #expect(byActor.data?["entries"]?.arrayValue?.map { $0["action"] } == [.string("customer.deactivate")])
            let paged = try await api.request(.get, "/api/v1/audit-log?limit=3&page=2", token: admin)
            #expect(paged.data?["entries"]?.arrayValue?.count == 1)
            #expect(try await api.request(.get, "/api/v1/audit-log?action=user.explode", token: admin).code == "validation_failed")
            #expect(TestSupportKeys.errors(try await api.request(.get, "/api/v1/audit-log?actor=bob", token: admin)) == ["actor"])
        }
    }
}

extension UsersAPITests {
    /// Text-index searches count their matches in the page's own statement; the totals
    /// must not depend on which page is asked for, past the end included.
    @Test(arguments: TestEngine.available) func searchTotalsOnEveryPage(_ engine: TestEngine) async throws {
        let duka = try await Self.staff(engine)
        for n in 1...7 { try await duka.makeUser("shopper\(n)", role: .customer, profile: .init(fullName: "Shopper Number \(n)")) }
        try await duka.run { (api: TestAPI) async throws in
            let admin = try await api.token("the.admin")
            for page in 1...4 {
                let users = try await api.request(.get, "/api/v1/users?search=shopper&limit=3&page=\(page)", token: admin)
                #expect(users.data?["pagination"]?["total_data"] == .int(7), "users page \(page)")
                #expect(users.data?["pagination"]?["total_page"] == .int(3))
                #expect(users.data?["users"]?.arrayValue?.count == [3, 3, 1, 0][page - 1])
                let customers = try await api.request(.get, "/employee/customers?search=number&per_page=3&page=\(page)", token: admin)
                #expect(customers.json["pagination"]?["total"] == .int(7), "customers page \(page)")
                #expect(customers.json["customers"]?.arrayValue?.count == [3, 3, 1, 0][page - 1])
            }
            let none = try await api.request(.get, "/api/v1/users?search=nobody-here", token: admin)
            #expect(none.data?["pagination"]?["total_data"] == .int(0))
            let far = try await api.request(.get, "/api/v1/users?search=shopper&page=9223372036854775807", token: admin)
            #expect(far.data?["pagination"]?["total_data"] == .int(7))
        }
    }
}
