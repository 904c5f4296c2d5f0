import DukaCore
@testable import DukaSQLite
import DukaAssets
import Foundation
import HTTPTypes
import SQLite
import Testing

@testable import DukaHTTP

@Suite struct EmployeePortalTests {
    static let customerKeys: Set<String> = [
        "id", "uuid", "username", "full_name", "id_number", "email", "phone_number", "role", "county", "town", "street",
        "is_active", "deleted_at", "created_at", "updated_at",
    ]
    static let paginationKeys: Set<String> = ["page", "per_page", "total", "pages", "has_next", "has_prev"]
    static let cartKeys: Set<String> = ["id", "user_id", "status", "created_at", "updated_at", "items", "items_count"]
    static let itemKeys: Set<String> = [
        "id", "cart_id", "product_id", "quantity", "sale_channel", "unit_price", "line_total", "created_at", "updated_at",
    ]

    /// A server with an employee, a manager, a cashier and `customers` customers (`c1`...).
    static func portal(_ engine: TestEngine = .sqlite, customers: Int = 3) async throws -> (TestDuka, [User]) {
        let duka = try await TestDuka.make(engine)
        try await duka.makeUser("staff.employee", role: .employee)
        try await duka.makeUser("staff.manager", role: .manager)
        try await duka.makeUser("staff.cashier", role: .cashier)
        var made: [User] = []
        for index in 1...max(customers, 1) where customers > 0 {
            made.append(try await duka.makeUser(
                "c\(index)", role: .customer,
                profile: .init(fullName: "Customer Number \(index)", idNumber: "\(30_000_000 + index)", phoneNumber: "+2547000\(String(format: "%05d", index))")
            ))
        }
        return (duka, made)
    }

    @Test(arguments: TestEngine.available) func onlyEmployeesAndAdminsGetIn(_ engine: TestEngine) async throws {
        let (duka, customers) = try await Self.portal(engine, customers: 2)
        let target = customers[0].id
        try await duka.run { (api: TestAPI) async throws in
            let paths: [(HTTPRequest.Method, String)] = [
                (.get, "/employee/dashboard"), (.get, "/employee/customers"), (.get, "/employee/customers/\(target)"),
                (.delete, "/employee/customers/\(target)"), (.post, "/employee/customers/\(target)/restore"),
                (.post, "/employee/customers/\(target)/activate"), (.post, "/employee/customers/\(target)/deactivate"),
            ]
            let denied = [try await api.token("staff.manager"), try await api.token("staff.cashier"), try await api.token("c2")]
            for (method, path) in paths {
                let anonymous = try await api.request(method, path)
                #expect(anonymous.status == .unauthorized, "\(path)")
                #expect(anonymous.headers[.wwwAuthenticate] == "Bearer")
                for token in denied {
                    let response = try await api.request(method, path, token: token)
                    #expect(response.status == .forbidden, "\(method) \(path)")
                    #expect(response.code == "forbidden")
                }
            }
            // 403 comes before the id is even looked at.
            #expect(try await api.request(.get, "/employee/customers/abc", token: denied[0]).status == .forbidden)
            let employee = try await api.token("staff.employee")
            let admin = try await api.token("admin", TestDuka.adminPassword)
            for token in [employee, admin] {
                #expect(try await api.request(.get, "/employee/dashboard", token: token).status == .ok)
                #expect(try await api.request(.get, "/employee/customers/\(target)", token: token).status == .ok)
            }
            #expect(try await duka.auditRows().isEmpty)
        }
    }

    @Test(arguments: TestEngine.available) func dashboardCountsLiveCustomersAllProductsAndAllCarts(_ engine: TestEngine) async throws {
        let (duka, customers) = try await Self.portal(engine, customers: 4)
        let product = try await duka.makeProduct("A", priceCents: 100)
        try await duka.makeProduct("B", priceCents: 100, isActive: false)
        try await duka.makeCart(userID: customers[0].id, createdAt: 10, items: [(product, 1000, 100, "online")])
        try await duka.makeCart(userID: customers[1].id, status: "abandoned", createdAt: 20)
        try await duka.execute("UPDATE users SET deleted_at = 5 WHERE id = ?", .int(customers[3].id))
        try await duka.execute("UPDATE users SET is_active = FALSE WHERE id = ?", .int(customers[2].id))
        try await duka.run { (api: TestAPI) async throws in
            let response = try await api.request(.get, "/employee/dashboard", token: try await api.token("staff.employee"))
            #expect(response.status == .ok)
            #expect(response.json == .object(["total_customers": .int(3), "total_products": .int(2), "total_carts": .int(2)]))
            #expect(response.body == #"{"total_carts":2,"total_customers":3,"total_products":2}"#)
        }
    }

    @Test(arguments: TestEngine.available) func paginationMaths(_ engine: TestEngine) async throws {
        let (duka, customers) = try await Self.portal(engine, customers: 45)
        try await duka.run { (api: TestAPI) async throws in
            let token = try await api.token("staff.employee")
            let expectations: [(page: Int, count: Int, hasNext: Bool, hasPrev: Bool)] = [
                (1, 20, true, false), (2, 20, true, true), (3, 5, false, true), (4, 0, false, true),
            ]
            var seen: [Int64] = []
            for expected in expectations {
                let response = try await api.request(.get, "/employee/customers?page=\(expected.page)&per_page=20", token: token)
                #expect(response.status == .ok)
                #expect(APIResponse.keys(response.json) == ["customers", "pagination"])
                let pagination = response.json["pagination"]
                #expect(APIResponse.keys(pagination) == Self.paginationKeys)
                #expect(pagination == .object([
                    "page": .int(expected.page), "per_page": .int(20), "total": .int(45), "pages": .int(3),
                    "has_next": .bool(expected.hasNext), "has_prev": .bool(expected.hasPrev),
                ]))
                let list = response.json["customers"]?.arrayValue ?? []
                #expect(list.count == expected.count)
                for customer in list {
                    #expect(APIResponse.keys(customer) == Self.customerKeys)
                    #expect(customer["role"] == .string("customer"))
                    if case .number = customer["id"] {} else { Issue.record("id must be an integer") }
                    #expect(customer["is_active"] == .bool(true))
                    #expect(customer["deleted_at"] == .null)
                    seen.append(customer["id"]?.intValue ?? 0)
                }
            }
            #expect(seen == customers.map(\.id))  // ascending ids, staff excluded
            let defaults = try await api.request(.get, "/employee/customers", token: token)
            #expect(defaults.json["pagination"]?["per_page"] == .int(20))
            #expect(defaults.json["pagination"]?["page"] == .int(1))
            let far = try await api.request(.get, "/employee/customers?page=9223372036854775807&per_page=100", token: token)
            #expect(far.status == .ok)
            #expect(far.json["customers"] == .array([]))
            #expect(far.json["pagination"]?["total"] == .int(45))
        }
    }

    @Test(arguments: TestEngine.available) func emptyListHasZeroPages(_ engine: TestEngine) async throws {
        let (duka, _) = try await Self.portal(engine, customers: 0)
        try await duka.run { (api: TestAPI) async throws in
            let response = try await api.request(.get, "/employee/customers", token: try await api.token("staff.employee"))
            #expect(response.json["pagination"] == .object([
                "page": .int(1), "per_page": .int(20), "total": .int(0), "pages": .int(0), "has_next": .bool(false), "has_prev": .bool(false),
            ]))
        }
    }

    @Test(arguments: TestEngine.available) func invalidParametersAre400NamingThem(_ engine: TestEngine) async throws {
        let (duka, _) = try await Self.portal(engine)
        try await duka.run { (api: TestAPI) async throws in
            let token = try await api.token("staff.employee")
            for (query, parameter) in [
                ("page=0", "page"), ("page=-1", "page"), ("page=abc", "page"), ("page=1.5", "page"), ("page=", "page"),
                ("page=99999999999999999999", "page"), ("per_page=0", "per_page"), ("per_page=101", "per_page"),
                ("per_page=ten", "per_page"), ("include_deleted=yes", "include_deleted"), ("is_active=maybe", "is_active"),
            ] {
                let response = try await api.request(.get, "/employee/customers?\(query)", token: token)
                #expect(response.status == .badRequest, "\(query)")
                #expect(response.code == "validation_failed", "\(query)")
                #expect(TestSupportKeys.errors(response) == [parameter], "\(query)")
            }
            #expect(try await api.request(.get, "/employee/customers?per_page=100&include_deleted=1&is_active=0&unknown=x", token: token).status == .ok)
        }
    }

    @Test(arguments: TestEngine.available) func filters(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.makeUser("staff.employee", role: .employee)
        let wanjiku = try await duka.makeUser("wanjiku", role: .customer, profile: .init(fullName: "Wanjiku Kamau", idNumber: "12345678", phoneNumber: "+254712000001"))
        let otieno = try await duka.makeUser("otieno", role: .customer, isActive: false, profile: .init(fullName: "Otieno 100%_Real", phoneNumber: "+254733000002"))
        let gone = try await duka.makeUser("gone", role: .customer, deleted: true, profile: .init(fullName: "Gone Kamau"))
        try await duka.makeUser("kamau.staff", role: .cashier, profile: .init(fullName: "Kamau Staff"))
        try await duka.run { (api: TestAPI) async throws in
            let token = try await api.token("staff.employee")
            func ids(_ query: String) async throws -> [Int64] {
                let response = try await api.request(.get, "/employee/customers?\(query)", token: token)
                #expect(response.status == .ok, "\(query)")
                return (response.json["customers"]?.arrayValue ?? []).compactMap { $0["id"]?.intValue }
            }
            #expect(try await ids("") == [wanjiku.id, otieno.id])
            #expect(try await ids("include_deleted=true") == [wanjiku.id, otieno.id, gone.id])
            #expect(try await ids("include_deleted=false") == [wanjiku.id, otieno.id])
            #expect(try await ids("search=KAMAU") == [wanjiku.id])
            #expect(try await ids("search=kamau&include_deleted=1") == [wanjiku.id, gone.id])
            #expect(try await ids("search=OTIENO%40example") == [otieno.id])  // email
            #expect(try await ids("search=%2B2547330") == [otieno.id])  // phone, with a literal +
            #expect(try await ids("search=345678") == [wanjiku.id])  // id number
            #expect(try await ids("search=100%25_") == [otieno.id])  // % and _ match themselves
            #expect(try await ids("search=%25") == [otieno.id])
            #expect(try await ids("search=_") == [otieno.id])
            #expect(try await ids("search=%27%20OR%201%3D1%20--") == [])
            #expect(try await ids("is_active=true") == [wanjiku.id])
            #expect(try await ids("is_active=0") == [otieno.id])
            #expect(try await ids("is_active=false&search=wanjiku") == [])
            let total = try await api.request(.get, "/employee/customers?search=kamau", token: token)
            #expect(total.json["pagination"]?["total"] == .int(1))
        }
    }

    @Test(arguments: TestEngine.available) func detailWithCartsAndLines(_ engine: TestEngine) async throws {
        let (duka, customers) = try await Self.portal(engine, customers: 2)
        let customer = customers[0]
        let flour = try await duka.makeProduct("FLOUR", priceCents: 3333, unit: "kg")
        let milk = try await duka.makeProduct("MILK", priceCents: 10_000)
        let older = try await duka.makeCart(userID: customer.id, status: "checked_out", createdAt: 1_000, items: [
            (flour, 2_500, 3333, "in_store"), (flour, 333, 3333, "in_store"), (milk, 2_000, 10_000, "in_store"),
        ])
        let newer = try await duka.makeCart(userID: customer.id, status: "active", createdAt: 2_000, items: [(milk, 1_000, 10_000, "online")])
        let empty = try await duka.makeCart(userID: customer.id, status: "abandoned", createdAt: 1_500)
        try await duka.makeCart(userID: customers[1].id, createdAt: 3_000, items: [(milk, 1_000, 10_000, "online")])
        try await duka.run { (api: TestAPI) async throws in
            let response = try await api.request(.get, "/employee/customers/\(customer.id)", token: try await api.token("staff.employee"))
            #expect(response.status == .ok)
            #expect(APIResponse.keys(response.json) == ["customer"])
            let body = try #require(response.json["customer"])
            #expect(APIResponse.keys(body) == Self.customerKeys.union(["carts", "total_carts"]))
            #expect(body["total_carts"] == .int(3))
            #expect(body["uuid"] == .string(customer.uuid))
            let carts = body["carts"]?.arrayValue ?? []
            #expect(carts.map { $0["id"]?.intValue } == [newer, empty, older])
            for cart in carts {
                #expect(APIResponse.keys(cart) == Self.cartKeys)
                #expect(cart["user_id"] == .int(customer.id))
            }
            #expect(carts.map { $0["items_count"] } == [.int(1), .int(0), .int(3)])
            #expect(carts[1]["items"] == .array([]))
            let lines = carts[2]["items"]?.arrayValue ?? []
            for line in lines { #expect(APIResponse.keys(line) == Self.itemKeys) }
            #expect(lines.map { $0["quantity"] } == [.string("2.500"), .string("0.333"), .string("2.000")])
            #expect(lines.map { $0["unit_price"] } == [.string("33.33"), .string("33.33"), .string("100.00")])
            #expect(lines.map { $0["line_total"] } == [.string("83.33"), .string("11.10"), .string("200.00")])
            #expect(lines.map { $0["sale_channel"] } == Array(repeating: .string("in_store"), count: 3))
            #expect(lines.map { $0["cart_id"] } == Array(repeating: .int(older), count: 3))
            #expect(lines[0]["product_id"] == .int(flour))
            #expect(carts[0]["status"] == .string("active"))
            #expect(carts[0]["created_at"] == .string("1970-01-01T00:33:20Z"))
            let ids = lines.compactMap { $0["id"]?.intValue }
            #expect(ids == ids.sorted())
        }
    }

    @Test(arguments: TestEngine.available) func idsThatAreNotACustomersAre404AndMalformedOnes400(_ engine: TestEngine) async throws {
        let (duka, customers) = try await Self.portal(engine, customers: 1)
        let deleted = try await duka.makeUser("deleted.one", role: .customer, deleted: true)
        try await duka.run { (api: TestAPI) async throws in
            let token = try await api.token("staff.employee")
            let staffID = try await duka.scalarInt("SELECT id FROM users WHERE username = 'staff.manager'")!
            for suffix in ["", "/restore", "/activate", "/deactivate"] {
                let method: HTTPRequest.Method = suffix.isEmpty ? .delete : .post
                for bad in ["abc", "-1", "1.5", "9223372036854775808", "1e3", "%20"] {
                    let response = try await api.request(method, "/employee/customers/\(bad)\(suffix)", token: token)
                    #expect(response.status == .badRequest, "\(bad)\(suffix)")
                    #expect(response.code == "invalid_id")
                }
                for unknown in ["0", "99999", "\(staffID)", "1"] {
                    let response = try await api.request(method, "/employee/customers/\(unknown)\(suffix)", token: token)
                    #expect(response.status == .notFound, "\(unknown)\(suffix)")
                    #expect(response.json == .object(["message": .string("Customer not found"), "code": .string("not_found")]))
                }
            }
            #expect(try await api.request(.get, "/employee/customers/abc", token: token).code == "invalid_id")
            #expect(try await api.request(.get, "/employee/customers/\(staffID)", token: token).status == .notFound)
            let shown = try await api.request(.get, "/employee/customers/\(deleted.id)", token: token)
            #expect(shown.status == .ok)
            #expect(shown.json["customer"]?["deleted_at"]?.stringValue != nil)
            #expect(try await api.request(.get, "/employee/customers/\(customers[0].id)", token: token).status == .ok)
            #expect(try await duka.auditRows().isEmpty)
        }
    }

    @Test(arguments: TestEngine.available) func softDeleteRestoreActivateDeactivate(_ engine: TestEngine) async throws {
        let (duka, customers) = try await Self.portal(engine, customers: 1)
        let customer = customers[0]
        try await duka.execute("UPDATE users SET updated_at = 1000 WHERE id = ?", .int(customer.id))
        try await duka.run { (api: TestAPI) async throws in
            let token = try await api.token("staff.employee")
            let path = "/employee/customers/\(customer.id)"
            let customerToken = try await api.token("c1")

            func act(_ method: HTTPRequest.Method, _ suffix: String) async throws -> APIResponse {
                try await api.request(method, path + suffix, token: token)
            }

            let deleted = try await act(.delete, "")
            #expect(deleted.status == .ok)
            #expect(APIResponse.keys(deleted.json) == ["message", "customer"])
            #expect(deleted.json["message"] == .string("Customer deleted successfully"))
            #expect(APIResponse.keys(deleted.json["customer"]) == Self.customerKeys)
            #expect(deleted.json["customer"]?["deleted_at"]?.stringValue != nil)
            #expect(deleted.json["customer"]?["is_active"] == .bool(true))
            #expect(deleted.json["customer"]?["updated_at"] != .string("1970-01-01T00:16:40Z"))
            // The customer's live token died, and they cannot log in meanwhile.
            #expect(try await api.request(.get, "/api/v1/auth/me", token: customerToken).status == .unauthorized)
            #expect(try await api.login("c1").status == .unauthorized)
            let twice = try await act(.delete, "")
            #expect(twice.status == .badRequest)
            #expect(twice.code == "already_deleted")

            // Activate and deactivate work on a soft-deleted customer too.
            let deactivated = try await act(.post, "/deactivate")
            #expect(deactivated.json["message"] == .string("Customer deactivated successfully"))
            #expect(deactivated.json["customer"]?["is_active"] == .bool(false))
            #expect(try await act(.post, "/deactivate").code == "already_inactive")

            let restored = try await act(.post, "/restore")
            #expect(restored.json["message"] == .string("Customer restored successfully"))
            #expect(restored.json["customer"]?["deleted_at"] == .null)
            #expect(try await act(.post, "/restore").code == "not_deleted")
            #expect(try await api.login("c1").code == "account_inactive")

            let activated = try await act(.post, "/activate")
            #expect(activated.json["message"] == .string("Customer activated successfully"))
            #expect(activated.json["customer"]?["is_active"] == .bool(true))
            #expect(try await act(.post, "/activate").code == "already_active")

            // The old token stays dead after restore and re-activation; a new login works.
            #expect(try await api.request(.get, "/api/v1/auth/me", token: customerToken).status == .unauthorized)
            let fresh = try await api.token("c1")
            #expect(try await api.request(.get, "/api/v1/auth/me", token: fresh).status == .ok)
            _ = try await act(.post, "/deactivate")
            #expect(try await api.request(.get, "/api/v1/auth/me", token: fresh).status == .unauthorized)

            let audit = try await duka.auditRows()
            #expect(audit.map(\.action) == [
                "customer.soft_delete", "customer.deactivate", "customer.restore", "customer.activate", "customer.deactivate",
            ])
            for row in audit {
                #expect(row.actor == "staff.employee")
                #expect(row.targetType == "user")
                #expect(row.targetID == customer.uuid)
            }
        }
    }

    /// Deep pages start at the block holding their first row (search_blocks; here blocks
    /// of 64 customer ids and 16 seconds of sign-ups): each page is exactly the slice an
    /// OFFSET would give, also across blocks, at the list's end and right after a change
    /// moves every later row; on the portal and the users API, newest or oldest first.
    @Test(arguments: TestEngine.available) func deepPagesAreExactSlices(_ engine: TestEngine) async throws {
        let (duka, _) = try await Self.portal(engine, customers: 0)
        try await duka.useSmallSearchBlocks(usersShift: 4, customersShift: 6)
        try await duka.execute(
            """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1700)
            INSERT INTO users (uuid, username, email, password_hash, role, created_at, updated_at, deleted_at)
            SELECT 'bulk-uuid-' || i, 'bulk' || i, 'bulk' || i || '@x.test', 'h', 'customer', i, i,
                   CASE WHEN i % 7 = 0 THEN 5 ELSE NULL END
            FROM n
            """
        )
        try await duka.run { (api: TestAPI) async throws in
            let token = try await api.token("staff.employee")
            let adminToken = try await api.token("admin", TestDuka.adminPassword)
            func expected(_ includeDeleted: Bool) async throws -> [Int64] {
                try await duka.rows(
                    "SELECT id FROM users WHERE role = 'customer'\(includeDeleted ? "" : " AND deleted_at IS NULL") ORDER BY id", []
                ).compactMap { $0[0].int }
            }
            func check(_ includeDeleted: Bool) async throws {
                let ids = try await expected(includeDeleted)
                for (page, size) in [(27, 20), (26, 20), (11, 50), (21, 50), (31, 50), (6, 100), (10, 100), (12, 100), (16, 100), (17, 100), (18, 100)] {
                    let response = try await api.request(
                        .get, "/employee/customers?page=\(page)&per_page=\(size)&include_deleted=\(includeDeleted)", token: token
                    )
                    let found = response.json["customers"]?.arrayValue?.compactMap { $0["id"]?.intValue } ?? []
                    let start = min((page - 1) * size, ids.count)
                    #expect(found == Array(ids[start..<min(start + size, ids.count)]), "\(engine) page \(page) × \(size)")
                    #expect(response.json["pagination"]?["total"]?.intValue == Int64(ids.count))
                }
                // The users API, by creation (the bulk rows' created_at is their number).
                let usernames = try await duka.rows(
                    "SELECT username FROM users WHERE role = 'customer'\(includeDeleted ? "" : " AND deleted_at IS NULL") ORDER BY created_at, id", []
                ).compactMap { $0[0].text }
                for order in ["asc", "desc"] {
                    let ordered = order == "asc" ? usernames : usernames.reversed()
                    for (page, size) in [(6, 100), (11, 50), (17, 100), (27, 20), (99, 10)] {
                        let response = try await api.request(
                            .get, "/api/v1/users?role=customer&status=\(includeDeleted ? "all" : "active")&sort_order=\(order)&page=\(page)&limit=\(size)",
                            token: adminToken
                        )
                        let found = response.data?["users"]?.arrayValue?.compactMap { $0["username"]?.stringValue } ?? []
                        let start = min((page - 1) * size, ordered.count)
                        #expect(found == Array(ordered[start..<min(start + size, ordered.count)]), "\(engine) users \(order) page \(page) × \(size)")
                        #expect(response.data?["pagination"]?["total_data"]?.intValue == Int64(ordered.count))
                    }
                }
            }
            // Many deep pages at once: every page is its exact slice.
            let ids = try await expected(false)
            let pages = try await withThrowingTaskGroup(of: (Int, [Int64]).self) { group in
                for page in 26...57 {
                    group.addTask {
                        let response = try await api.request(.get, "/employee/customers?page=\(page)&per_page=20", token: token)
                        return (page, response.json["customers"]?.arrayValue?.compactMap { $0["id"]?.intValue } ?? [])
                    }
                }
                return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
            }
            for (page, found) in pages {
                let start = min((page - 1) * 20, ids.count)
                #expect(found == Array(ids[start..<min(start + 20, ids.count)]), "\(engine) page \(page) at once")
            }
            try await check(false)
            try await check(true)
            // A soft delete early in the list moves every later row.
            let early = try await expected(false)[3]
            #expect(try await api.request(.delete, "/employee/customers/\(early)", token: token).status == .ok)
            try await check(false)
            try await check(true)
            if engine == .postgres {
                // The triggers kept every level of the lists' blocks through the inserts, the
                // soft delete, a hard delete and a change of role.
                try await duka.execute("DELETE FROM users WHERE username IN ('bulk1700', 'bulk1699')")
                try await duka.execute("UPDATE users SET role = 'employee' WHERE username = 'bulk1698'")
                let blocks = "SELECT list, level, parent, block, bucket, count FROM"
                #expect(try await duka.scalarInt(
                    "SELECT COUNT(*) FROM ((\(blocks) list_blocks WHERE count <> 0 EXCEPT \(blocks) duka_list_block_counts()) UNION ALL (\(blocks) duka_list_block_counts() EXCEPT \(blocks) list_blocks)) AS differing"
                ) == 0)
                #expect(try await duka.scalarInt("SELECT COUNT(DISTINCT level) FROM list_blocks WHERE list = 'c'") == 4)
            }
        }
    }
}
