import DukaCore
@testable import DukaSQLite
import DukaAssets
import Foundation
import HTTPTypes
import SQLite
import Testing

@testable import DukaHTTP

@Suite struct CartsTests {
    /// The v1 cart: the portal's keys plus section 5's total and section 7's selling fields.
    static let cartKeys = EmployeePortalTests.cartKeys.union([
        "total", "branch_id", "receipt_number", "payment_status", "payments", "change", "shift_id", "refunded_total",
        "vat", "vat_total",
    ])
    static let itemKeys = EmployeePortalTests.itemKeys.union(["tax_class", "vat"])

    struct Shop {
        let duka: TestDuka
        let alice: User
        let bob: User
        let flour: Int64
        let milk: Int64
        let retired: Int64
    }

    /// Staff of every role, two customers and three products (one inactive).
    static func shop(_ engine: TestEngine = .sqlite) async throws -> Shop {
        let duka = try await UsersAPITests.staff(engine)
        let alice = try await duka.makeUser("alice", role: .customer)
        let bob = try await duka.makeUser("bob", role: .customer)
        let flour = try await duka.makeProduct("FLOUR", priceCents: 3333, unit: "kg")
        let milk = try await duka.makeProduct("MILK", priceCents: 6500)
        let retired = try await duka.makeProduct("OLD", priceCents: 100, isActive: false)
        return Shop(duka: duka, alice: alice, bob: bob, flour: flour, milk: milk, retired: retired)
    }

    static func item(_ product: Int64, _ quantity: JSON) -> JSON {
        .object(["product_id": .int(product), "quantity": quantity])
    }

    @Test(arguments: TestEngine.available) func aCustomerShopsOnline(_ engine: TestEngine) async throws {
        let shop = try await Self.shop(engine)
        try await shop.duka.run { (api: TestAPI) async throws in
            let alice = try await api.token("alice")
            // A customer's POST /carts needs no body and no content type; customer_id is ignored.
            let opened = try await api.request(.post, "/api/v1/carts?customer_id=\(shop.bob.id)", token: alice)
            #expect(opened.status == .created)
            #expect(opened.json["message"] == .string("Cart created successfully"))
            #expect(APIResponse.keys(opened.data) == Self.cartKeys)
            #expect(opened.data?["user_id"] == .int(shop.alice.id))
            #expect(opened.data?["status"] == .string("active"))
            #expect(opened.data?["items"] == .array([]))
            #expect(opened.data?["items_count"] == .int(0))
            #expect(opened.data?["total"] == .string("0.00"))
            let cartID = try #require(opened.data?["id"]?.intValue)

            let again = try await api.request(.post, "/api/v1/carts", token: alice)
            #expect(again.status == .conflict)
            #expect(again.code == "active_cart_exists")

            let empty = try await api.request(.post, "/api/v1/carts/\(cartID)/checkout", token: alice)
            #expect(empty.status == .badRequest)
            #expect(empty.code == "empty_cart")

            let first = try await api.request(.post, "/api/v1/carts/\(cartID)/items", json: Self.item(shop.flour, .string("2.5")), token: alice)
            #expect(first.status == .created)
            #expect(first.json["message"] == .string("Cart item added successfully"))
            let line = try #require(first.data?["items"]?.arrayValue?.first)
            #expect(APIResponse.keys(line) == Self.itemKeys)
            #expect(line["quantity"] == .string("2.500"))
            #expect(line["unit_price"] == .string("33.33"))
            #expect(line["line_total"] == .string("83.33"))
            #expect(line["sale_channel"] == .string("online"))
            #expect(first.data?["total"] == .string("83.33"))

            let merged = try await api.request(.post, "/api/v1/carts/\(cartID)/items", json: Self.item(shop.flour, .number("0.333")), token: alice)
            let lines = merged.data?["items"]?.arrayValue ?? []
            #expect(lines.count == 1)
            #expect(lines.first?["quantity"] == .string("2.833"))
            #expect(lines.first?["line_total"] == .string("94.42"))  // 2.833 × 33.33 = 94.42389

            let second = try await api.request(.post, "/api/v1/carts/\(cartID)/items", json: Self.item(shop.milk, .number("2")), token: alice)
            #expect(second.data?["items_count"] == .int(2))
            #expect(second.data?["total"] == .string("224.42"))
            let milkLine = try #require(second.data?["items"]?.arrayValue?.last?["id"]?.intValue)
            let flourLine = try #require(lines.first?["id"]?.intValue)

            let patched = try await api.request(.patch, "/api/v1/carts/\(cartID)/items/\(flourLine)", json: .object(["quantity": .string("0.333")]), token: alice)
            #expect(patched.status == .ok)
            #expect(patched.json["message"] == .string("Cart item updated successfully"))
            #expect(patched.data?["items"]?.arrayValue?.first?["line_total"] == .string("11.10"))
            #expect(patched.data?["total"] == .string("141.10"))

            let removed = try await api.request(.delete, "/api/v1/carts/\(cartID)/items/\(milkLine)", token: alice)
            #expect(removed.json["message"] == .string("Cart item removed successfully"))
            #expect(removed.data?["items_count"] == .int(1))

            let checkedOut = try await api.request(.post, "/api/v1/carts/\(cartID)/checkout", token: alice)
            #expect(checkedOut.status == .ok)
            #expect(checkedOut.json["message"] == .string("Cart checked out successfully"))
            #expect(checkedOut.data?["status"] == .string("checked_out"))

            // Frozen now.
            for (method, path, body) in [
                (HTTPRequest.Method.post, "/items", Self.item(shop.milk, .number("1"))),
                (.patch, "/items/\(flourLine)", JSON.object(["quantity": .number("1")])),
                (.delete, "/items/\(flourLine)", nil), (.post, "/checkout", nil), (.post, "/abandon", nil),
            ] as [(HTTPRequest.Method, String, JSON?)] {
                let response = try await api.request(method, "/api/v1/carts/\(cartID)\(path)", json: body, token: alice)
                #expect(response.status == .badRequest, "\(path)")
                #expect(response.code == "cart_not_active", "\(path)")
            }
            // A new cart may be opened now, and abandoned.
            let next = try await api.request(.post, "/api/v1/carts", token: alice)
            let nextID = try #require(next.data?["id"]?.intValue)
            let abandoned = try await api.request(.post, "/api/v1/carts/\(nextID)/abandon", token: alice)
            #expect(abandoned.json["message"] == .string("Cart abandoned successfully"))
            #expect(abandoned.data?["status"] == .string("abandoned"))

            let mine = try await api.request(.get, "/api/v1/carts?customer_id=\(shop.bob.id)", token: alice)
            #expect(mine.json["message"] == .string("Carts retrieved successfully"))
            #expect(mine.data?["carts"]?.arrayValue?.compactMap { $0["id"]?.intValue } == [nextID, cartID])
            #expect(mine.data?["pagination"] == .object(["current_page": .int(1), "per_page": .int(10), "total_data": .int(2), "total_page": .int(1)]))
            let one = try await api.request(.get, "/api/v1/carts/\(cartID)", token: alice)
            #expect(one.json["message"] == .string("Cart retrieved successfully"))
            #expect(one.data == checkedOut.data)
            // Customers' own changes are not audited.
            #expect(try await shop.duka.auditRows().isEmpty)
        }
    }

    @Test(arguments: TestEngine.available) func aCashierRingsUpAnInStoreSale(_ engine: TestEngine) async throws {
        let shop = try await Self.shop(engine)
        try await shop.duka.run { (api: TestAPI) async throws in
            let cashier = try await api.token("the.cashier")
            let byUUID = try await api.request(.post, "/api/v1/carts", json: .object(["customer_uuid": .string(shop.bob.uuid.uppercased())]), token: cashier)
            #expect(byUUID.status == .created)
            #expect(byUUID.data?["user_id"] == .int(shop.bob.id))
            let cartID = try #require(byUUID.data?["id"]?.intValue)
            let added = try await api.request(.post, "/api/v1/carts/\(cartID)/items", json: Self.item(shop.flour, .string("1.250")), token: cashier)
            #expect(added.data?["items"]?.arrayValue?.first?["sale_channel"] == .string("in_store"))
            let itemID = try #require(added.data?["items"]?.arrayValue?.first?["id"]?.intValue)
            _ = try await api.request(.patch, "/api/v1/carts/\(cartID)/items/\(itemID)", json: .object(["quantity": .number("1.5")]), token: cashier)
            _ = try await api.request(.post, "/api/v1/carts/\(cartID)/items", json: Self.item(shop.milk, .number("3")), token: cashier)
            let milkLine = try #require(try await api.request(.get, "/api/v1/carts/\(cartID)", token: cashier).data?["items"]?.arrayValue?.last?["id"]?.intValue)
            _ = try await api.request(.delete, "/api/v1/carts/\(cartID)/items/\(milkLine)", token: cashier)
            _ = try await api.request(.post, "/api/v1/carts/\(cartID)/items", json: Self.item(shop.milk, .number("2")), token: cashier)
            let done = try await api.request(.post, "/api/v1/carts/\(cartID)/checkout", token: cashier)
            #expect(done.data?["status"] == .string("checked_out"))
            #expect(done.data?["total"] == .string("180.00"))  // 1.5 × 33.33 = 49.995 -> 50.00; + 130.00

            let byID = try await api.request(.post, "/api/v1/carts", json: .object(["customer_id": .int(shop.alice.id)]), token: cashier)
            #expect(byID.status == .created)
            let aliceCart = try #require(byID.data?["id"]?.intValue)
            _ = try await api.request(.post, "/api/v1/carts/\(aliceCart)/abandon", token: cashier)

            let audit = try await shop.duka.auditRows()
            #expect(audit.map(\.action) == [
                "cart.create", "cart.add_item", "cart.update_item", "cart.add_item", "cart.remove_item", "cart.add_item",
                "cart.checkout", "cart.create", "cart.abandon",
            ])
            #expect(audit[0].targetType == "cart" && audit[0].targetID == String(cartID))
            #expect(audit[1].targetType == "cart_item" && audit[1].targetID == String(itemID))
            #expect(audit.allSatisfy { $0.actor == "the.cashier" })

            // The portal shows the sale.
            let employee = try await api.token("the.employee")
            let dashboard = try await api.request(.get, "/employee/dashboard", token: employee)
            #expect(dashboard.json["total_carts"] == .int(2))
            let detail = try await api.request(.get, "/employee/customers/\(shop.bob.id)", token: employee)
            #expect(detail.json["customer"]?["total_carts"] == .int(1))
            #expect(detail.json["customer"]?["carts"]?.arrayValue?.first?["items_count"] == .int(2))

            // Staff see everyone's carts, with filters.
            func ids(_ query: String) async throws -> [Int64] {
                let response = try await api.request(.get, "/api/v1/carts?\(query)", token: employee)
                #expect(response.status == .ok, "\(query)")
                return (response.data?["carts"]?.arrayValue ?? []).compactMap { $0["id"]?.intValue }
            }
            #expect(try await ids("") == [aliceCart, cartID])
            #expect(try await ids("status=checked_out") == [cartID])
            #expect(try await ids("customer_id=\(shop.alice.id)") == [aliceCart])
            #expect(try await ids("customer_id=\(shop.alice.id)&status=checked_out") == [])
            #expect(try await api.request(.get, "/api/v1/carts?status=paid", token: employee).code == "validation_failed")
            #expect(try await api.request(.get, "/api/v1/carts?customer_id=x", token: employee).code == "validation_failed")
        }
    }

    @Test(arguments: TestEngine.available) func openingACartForACustomer(_ engine: TestEngine) async throws {
        let shop = try await Self.shop(engine)
        let inactive = try await shop.duka.makeUser("inactive", role: .customer, isActive: false)
        let deleted = try await shop.duka.makeUser("deleted", role: .customer, deleted: true)
        try await shop.duka.run { (api: TestAPI) async throws in
            let cashier = try await api.token("the.cashier")
            let manager = try #require(try await shop.duka.user(login: "the.manager"))
            let cases: [(JSON, String)] = [
                (.object([:]), "customer_id"),
                (.object(["customer_id": .int(shop.alice.id), "customer_uuid": .string(shop.alice.uuid)]), "customer_id"),
                (.object(["customer_id": .string("5")]), "customer_id"),
                (.object(["customer_id": .number("-1")]), "customer_id"),
                (.object(["customer_id": .number("1.5")]), "customer_id"),
                (.object(["customer_uuid": .string("not-a-uuid")]), "customer_uuid"),
                (.object(["customer_uuid": .int(4)]), "customer_uuid"),
                (.object(["customer_id": .int(99_999)]), "customer_id"),
                (.object(["customer_id": .int(inactive.id)]), "customer_id"),
                (.object(["customer_id": .int(deleted.id)]), "customer_id"),
                (.object(["customer_id": .int(manager.id)]), "customer_id"),
                (.object(["customer_uuid": .string(manager.uuid)]), "customer_uuid"),
                (.object(["customer_uuid": .string("1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed")]), "customer_uuid"),
                (.object(["customer_uuid": .null]), "customer_id"),
                (.object(["customer_id": .null]), "customer_id"),
            ]
            for (body, field) in cases {
                let response = try await api.request(.post, "/api/v1/carts", json: body, token: cashier)
                #expect(response.status == .badRequest, "\(body)")
                #expect(response.code == "validation_failed", "\(body)")
                #expect(TestSupportKeys.errors(response) == [field], "\(body): \(response.body)")
            }
            let nullUUID = try await api.request(.post, "/api/v1/carts", json: .object(["customer_uuid": .null]), token: cashier)
            #expect(nullUUID.json["errors"]?["customer_id"] == .string("must name an active customer"))
            #expect(try await api.request(.post, "/api/v1/carts", token: cashier).status == .unsupportedMediaType)
            #expect(try await api.request(.post, "/api/v1/carts", json: .object(["customer_id": .int(shop.alice.id)]), token: cashier).status == .created)
            let twice = try await api.request(.post, "/api/v1/carts", json: .object(["customer_uuid": .string(shop.alice.uuid)]), token: cashier)
            #expect(twice.code == "active_cart_exists")
            #expect(try await api.request(.post, "/api/v1/carts").status == .unauthorized)
        }
    }

    @Test(arguments: TestEngine.available) func linesAreValidated(_ engine: TestEngine) async throws {
        let shop = try await Self.shop(engine)
        try await shop.duka.run { (api: TestAPI) async throws in
            let alice = try await api.token("alice")
            let cartID = try #require(try await api.request(.post, "/api/v1/carts", token: alice).data?["id"]?.intValue)
            let path = "/api/v1/carts/\(cartID)/items"
            let cases: [(JSON, String)] = [
                (.object(["quantity": .number("1")]), "product_id"),
                (.object(["product_id": .int(shop.milk)]), "quantity"),
                (.object(["product_id": .string("1"), "quantity": .number("1")]), "product_id"),
                (Self.item(shop.milk, .number("0")), "quantity"),
                (Self.item(shop.milk, .string("0.000")), "quantity"),
                (Self.item(shop.milk, .number("-1")), "quantity"),
                (Self.item(shop.milk, .number("1.2345")), "quantity"),
                (Self.item(shop.milk, .number("1000000.001")), "quantity"),
                (Self.item(shop.milk, .string("92233720368547758.08")), "quantity"),
                (Self.item(shop.milk, .number("1e2")), "quantity"),
                (Self.item(shop.milk, .bool(true)), "quantity"),
                (Self.item(shop.milk, .null), "quantity"),
                (Self.item(99_999, .number("1")), "product_id"),
                (Self.item(shop.retired, .number("1")), "product_id"),
            ]
            for (body, field) in cases {
                let response = try await api.request(.post, path, json: body, token: alice)
                #expect(response.status == .badRequest, "\(body)")
                #expect(response.code == "validation_failed", "\(body)")
                #expect(TestSupportKeys.errors(response) == [field], "\(body): \(response.body)")
            }
            let maximum = try await api.request(.post, path, json: Self.item(shop.milk, .string("1000000.000")), token: alice)
            #expect(maximum.status == .created)
            #expect(maximum.data?["total"] == .string("65000000.00"))
            let past = try await api.request(.post, path, json: Self.item(shop.milk, .string("0.001")), token: alice)
            #expect(past.code == "validation_failed")
            #expect(TestSupportKeys.errors(past) == ["quantity"])
            let itemID = try #require(maximum.data?["items"]?.arrayValue?.first?["id"]?.intValue)
            #expect(try await api.request(.patch, "\(path)/\(itemID)", json: .object(["quantity": .number("0")]), token: alice).code == "validation_failed")
            #expect(try await api.request(.patch, "\(path)/\(itemID)", json: .object([:]), token: alice).code == "validation_failed")
            #expect(try await api.request(.patch, "\(path)/abc", json: .object(["quantity": .number("1")]), token: alice).code == "invalid_id")
            #expect(try await api.request(.patch, "\(path)/99999", json: .object(["quantity": .number("1")]), token: alice).json
                == .object(["message": .string("Cart item not found"), "code": .string("not_found")]))
            #expect(try await api.request(.delete, "\(path)/99999", token: alice).status == .notFound)
            #expect(try await api.request(.post, path, rawBody: "quantity=1", token: alice, headers: [.contentType: "text/plain"]).status == .unsupportedMediaType)
        }
    }

    @Test(arguments: TestEngine.available) func customersSeeOnlyTheirOwnCarts(_ engine: TestEngine) async throws {
        let shop = try await Self.shop(engine)
        try await shop.duka.run { (api: TestAPI) async throws in
            let alice = try await api.token("alice")
            let bob = try await api.token("bob")
            let bobsCart = try #require(try await api.request(.post, "/api/v1/carts", token: bob).data?["id"]?.intValue)
            let added = try await api.request(.post, "/api/v1/carts/\(bobsCart)/items", json: Self.item(shop.milk, .number("1")), token: bob)
            let bobsLine = try #require(added.data?["items"]?.arrayValue?.first?["id"]?.intValue)
            for (method, path, body) in [
                (HTTPRequest.Method.get, "", nil), (.post, "/items", Self.item(shop.milk, .number("1"))),
                (.patch, "/items/\(bobsLine)", JSON.object(["quantity": .number("2")])), (.delete, "/items/\(bobsLine)", nil),
                (.post, "/checkout", nil), (.post, "/abandon", nil),
            ] as [(HTTPRequest.Method, String, JSON?)] {
                let response = try await api.request(method, "/api/v1/carts/\(bobsCart)\(path)", json: body, token: alice)
                #expect(response.status == .notFound, "\(method) \(path)")
                #expect(response.json == .object(["message": .string("Cart not found"), "code": .string("not_found")]))
            }
            #expect(try await api.request(.get, "/api/v1/carts", token: alice).data?["carts"] == .array([]))
            for bad in ["abc", "-1", "1.5", "99999999999999999999"] {
                #expect(try await api.request(.get, "/api/v1/carts/\(bad)", token: alice).code == "invalid_id")
            }
            #expect(try await api.request(.get, "/api/v1/carts/0", token: alice).status == .notFound)
            // Bob's cart is untouched.
            let cart = try await api.request(.get, "/api/v1/carts/\(bobsCart)", token: bob)
            #expect(cart.data?["items"]?.arrayValue?.first?["quantity"] == .string("1.000"))
        }
    }

    @Test(arguments: TestEngine.available) func aPriceChangeLeavesExistingLinesAlone(_ engine: TestEngine) async throws {
        let shop = try await Self.shop(engine)
        try await shop.duka.run { (api: TestAPI) async throws in
            let alice = try await api.token("alice")
            let manager = try await api.token("the.manager")
            let cartID = try #require(try await api.request(.post, "/api/v1/carts", token: alice).data?["id"]?.intValue)
            _ = try await api.request(.post, "/api/v1/carts/\(cartID)/items", json: Self.item(shop.milk, .number("1")), token: alice)
            _ = try await api.request(.put, "/api/v1/products/\(shop.milk)", json: .object(["unit_price": .string("70.00")]), token: manager)
            let cart = try await api.request(.post, "/api/v1/carts/\(cartID)/items", json: Self.item(shop.milk, .number("1")), token: alice)
            let lines = cart.data?["items"]?.arrayValue ?? []
            #expect(lines.map { $0["unit_price"] } == [.string("65.00"), .string("70.00")])
            #expect(lines.map { $0["quantity"] } == [.string("1.000"), .string("1.000")])
            #expect(cart.data?["total"] == .string("135.00"))
        }
    }

    @Test(arguments: TestEngine.available) func concurrentOpensAndAddsStayConsistent(_ engine: TestEngine) async throws {
        let shop = try await Self.shop(engine)
        try await shop.duka.run { (api: TestAPI) async throws in
            let alice = try await api.token("alice")
            let cashier = try await api.token("the.cashier")
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<10 {
                    group.addTask {
                        index % 2 == 0
                            ? try await api.request(.post, "/api/v1/carts", token: alice).status
                            : try await api.request(.post, "/api/v1/carts", json: .object(["customer_id": .int(shop.alice.id)]), token: cashier).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count == 1)
            #expect(statuses.filter { $0 == .conflict }.count == 9)
            let active = try await shop.duka.scalarInt("SELECT COUNT(*) FROM carts WHERE user_id = ? AND status = 'active'", .int(shop.alice.id))
            #expect(active == 1)

            let cartID = try #require(try await api.request(.get, "/api/v1/carts", token: alice).data?["carts"]?.arrayValue?.first?["id"]?.intValue)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        let response = try await api.request(.post, "/api/v1/carts/\(cartID)/items", json: Self.item(shop.flour, .string("0.250")), token: alice)
                        #expect(response.status == .created)
                    }
                }
                try await group.waitForAll()
            }
            let cart = try await api.request(.get, "/api/v1/carts/\(cartID)", token: alice)
            #expect(cart.data?["items"]?.arrayValue?.count == 1)
            #expect(cart.data?["items"]?.arrayValue?.first?["quantity"] == .string("5.000"))
        }
    }
}

extension CartsTests {
    /// Staff may filter carts by the customer's uuid (what the users API shows a cashier).
    @Test(arguments: TestEngine.available) func staffFilterCartsByCustomerUUID(_ engine: TestEngine) async throws {
        let shop = try await Self.shop(engine)
        let aliceCart = try await shop.duka.makeCart(userID: shop.alice.id, status: "active", createdAt: 100)
        try await shop.duka.makeCart(userID: shop.bob.id, status: "active", createdAt: 100)
        try await shop.duka.run { (api: TestAPI) async throws in
            let cashier = try await api.token("the.cashier")
            let found = try await api.request(.get, "/api/v1/carts?status=active&customer_uuid=\(shop.alice.uuid.uppercased())", token: cashier)
            #expect(found.status == .ok)
            #expect(found.data?["carts"]?.arrayValue?.map { $0["id"]?.intValue } == [aliceCart])
            #expect(found.data?["pagination"]?["total_data"] == .int(1))

            let nobody = try await api.request(.get, "/api/v1/carts?customer_uuid=\(UUID().uuidString)", token: cashier)
            #expect(nobody.status == .ok)
            #expect(nobody.data?["carts"] == .array([]))

            let malformed = try await api.request(.get, "/api/v1/carts?customer_uuid=42", token: cashier)
            #expect(malformed.status == .badRequest)
            #expect(malformed.json["errors"]?["customer_uuid"] != nil)
            let both = try await api.request(.get, "/api/v1/carts?customer_id=\(shop.alice.id)&customer_uuid=\(shop.alice.uuid)", token: cashier)
            #expect(both.status == .badRequest)
            #expect(both.json["errors"]?["customer_id"] != nil)

            // A customer's filter is ignored: they see their own carts only.
            let bob = try await api.request(.get, "/api/v1/carts?customer_uuid=\(shop.alice.uuid)", token: try await api.token("bob"))
            #expect(bob.data?["carts"]?.arrayValue?.allSatisfy { $0["user_id"]?.intValue == shop.bob.id } == true)
            #expect(bob.data?["carts"]?.arrayValue?.count == 1)
        }
    }
}

extension CartsTests {
    /// A cart's total is bounded (100,000,000,000,000.00), so it can never overflow: the
    /// change that would pass it is a 400 on `quantity` and leaves the cart as it was.
    @Test(arguments: TestEngine.available) func aCartTotalPastTheBoundIsRefused(_ engine: TestEngine) async throws {
        let shop = try await Self.shop(engine)
        var dear: [Int64] = []
        for n in 0..<11 { dear.append(try await shop.duka.makeProduct("DEAR-\(n)", priceCents: CatalogueRules.maximumPriceCents)) }
        let products = dear
        try await shop.duka.run { (api: TestAPI) async throws in
            let alice = try await api.token("alice")
            let cartID = try #require(try await api.request(.post, "/api/v1/carts", token: alice).data?["id"]?.intValue)
            // Ten lines at the largest price and quantity reach the bound exactly.
            for product in products.prefix(10) {
                let added = try await api.request(.post, "/api/v1/carts/\(cartID)/items", json: Self.item(product, .string("1000000")), token: alice)
                #expect(added.status == .created)
            }
            let full = try await api.request(.get, "/api/v1/carts/\(cartID)", token: alice)
            #expect(full.data?["total"] == .string("100000000000000.00"))
            // One more line, or more of a line, would pass it.
            for (product, quantity) in [(products[10], "0.001"), (shop.milk, "1")] {
                let refused = try await api.request(.post, "/api/v1/carts/\(cartID)/items", json: Self.item(product, .string(quantity)), token: alice)
                #expect(refused.status == .badRequest)
                #expect(refused.code == "validation_failed")
                #expect(refused.json["errors"]?["quantity"] != nil)
            }
            let lineID = try #require(full.data?["items"]?.arrayValue?.first?["id"]?.intValue)
            let lowered = try await api.request(.patch, "/api/v1/carts/\(cartID)/items/\(lineID)", json: .object(["quantity": .string("999999")]), token: alice)
            #expect(lowered.status == .ok)
            let raised = try await api.request(.patch, "/api/v1/carts/\(cartID)/items/\(lineID)", json: .object(["quantity": .string("1000000")]), token: alice)
            #expect(raised.status == .ok)
            let again = try await api.request(.patch, "/api/v1/carts/\(cartID)/items/\(lineID)", json: .object(["quantity": .string("999999")]), token: alice)
            #expect(again.status == .ok)
            let unchanged = try await api.request(.get, "/api/v1/carts/\(cartID)", token: alice)
            #expect(unchanged.data?["items_count"] == .int(10))
            #expect(unchanged.data?["total"] == .string("99999990000000.00"))
        }
    }
}
