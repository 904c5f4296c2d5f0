import DukaCore
@testable import DukaSQLite
import DukaAssets
import Foundation
import HTTPTypes
import SQLite
import Testing

@testable import DukaHTTP

@Suite struct ProductsTests {
    static let productKeys: Set<String> = ["id", "sku", "name", "description", "unit", "unit_price", "is_active", "created_at", "updated_at", "tax_class",
                                                    "track_stock", "allow_negative_stock", "low_stock_threshold", "barcodes"]

    static func body(_ overrides: [String: JSON] = [:]) -> JSON {
        var members: [String: JSON] = ["sku": .string("UNGA-2KG"), "name": .string("Unga 2kg"), "unit_price": .string("185.50")]
        members.merge(overrides) { $1 }
        return .object(members.filter { $0.value != .string("<absent>") })
    }

    @Test(arguments: TestEngine.available) func rolesAndShapes(_ engine: TestEngine) async throws {
        let duka = try await UsersAPITests.staff(engine)
        try await duka.run { (api: TestAPI) async throws in
            var tokens: [Role: String] = [:]
            for role in Role.allCases { tokens[role] = try await api.token("the.\(role.rawValue)") }
            for role in [Role.cashier, .employee, .customer] {
                #expect(try await api.request(.post, "/api/v1/products", json: Self.body(), token: tokens[role]).status == .forbidden)
            }
            #expect(try await api.request(.get, "/api/v1/products").status == .unauthorized)
            let created = try await api.request(.post, "/api/v1/products", json: Self.body(["description": .string("Maize meal"), "unit": .string("piece")]), token: tokens[.manager])
            #expect(created.status == .created)
            #expect(created.json["message"] == .string("Product created successfully"))
            #expect(APIResponse.keys(created.data) == Self.productKeys)
            #expect(created.data?["unit_price"] == .string("185.50"))
            #expect(created.data?["is_active"] == .bool(true))
            let id = try #require(created.data?["id"]?.intValue)
            for role in Role.allCases {
                let one = try await api.request(.get, "/api/v1/products/\(id)", token: tokens[role])
                #expect(one.status == .ok)
                #expect(one.json["message"] == .string("Product retrieved successfully"))
                #expect(one.data == created.data)
                let list = try await api.request(.get, "/api/v1/products", token: tokens[role])
                #expect(list.json["message"] == .string("Products retrieved successfully"))
                #expect(APIResponse.keys(list.data) == ["products", "pagination"])
            }
            for role in [Role.cashier, .employee, .customer] {
                #expect(try await api.request(.put, "/api/v1/products/\(id)", json: .object(["name": .string("x")]), token: tokens[role]).status == .forbidden)
                #expect(try await api.request(.delete, "/api/v1/products/\(id)", token: tokens[role]).status == .forbidden)
            }
            let updated = try await api.request(.put, "/api/v1/products/\(id)", json: .object(["unit_price": .number("190")]), token: tokens[.admin])
            #expect(updated.json["message"] == .string("Product updated successfully"))
            #expect(updated.data?["unit_price"] == .string("190.00"))
            #expect(updated.data?["name"] == .string("Unga 2kg"))
            let deleted = try await api.request(.delete, "/api/v1/products/\(id)", token: tokens[.manager])
            #expect(deleted.json == .object(["message": .string("Product deleted successfully")]))
            #expect(try await api.request(.get, "/api/v1/products/\(id)", token: tokens[.manager]).json
                == .object(["message": .string("Product not found"), "code": .string("not_found")]))
            let audit = try await duka.auditRows()
            #expect(audit.map(\.action) == ["product.create", "product.update", "product.delete"])
            #expect(audit.allSatisfy { $0.targetType == "product" && $0.targetID == String(id) })
        }
    }

    @Test(arguments: TestEngine.available) func validation(_ engine: TestEngine) async throws {
        let duka = try await UsersAPITests.staff(engine)
        try await duka.run { (api: TestAPI) async throws in
            let token = try await api.token("the.manager")
            let cases: [(String, JSON)] = [
                ("sku", .string("<absent>")), ("sku", .string("")), ("sku", .string(String(repeating: "S", count: 65))),
                ("sku", .string("has space")), ("name", .string("<absent>")), ("name", .string("")),
                ("name", .string(String(repeating: "n", count: 201))), ("description", .string(String(repeating: "d", count: 2001))),
                ("unit", .string("")), ("unit", .string(String(repeating: "u", count: 17))), ("unit", .null),
                ("unit_price", .string("<absent>")), ("unit_price", .string("1.234")), ("unit_price", .number("1.234")),
                ("unit_price", .number("-1")), ("unit_price", .string("-1.00")), ("unit_price", .number("1e2")),
                ("unit_price", .string("10000000.01")), ("unit_price", .string("99999999999999999999")), ("unit_price", .bool(true)),
                ("unit_price", .string("abc")), ("is_active", .string("true")),
            ]
            for (field, value) in cases {
                let response = try await api.request(.post, "/api/v1/products", json: Self.body([field: value]), token: token)
                #expect(response.status == .badRequest, "\(field)=\(value)")
                #expect(TestSupportKeys.errors(response) == [field], "\(field)=\(value): \(response.body)")
            }
            let edge = try await api.request(.post, "/api/v1/products", json: Self.body([
                "unit_price": .number("10000000.00"), "sku": .string(String(repeating: "S", count: 64)),
                "name": .string(String(repeating: "n", count: 200)), "description": .null, "unit": .string("kg"),
            ]), token: token)
            #expect(edge.status == .created, "\(edge.body)")
            #expect(edge.data?["unit_price"] == .string("10000000.00"))
            #expect(edge.data?["description"] == .string(""))
            let free = try await api.request(.post, "/api/v1/products", json: Self.body(["sku": .string("FREE"), "unit_price": .number("0")]), token: token)
            #expect(free.data?["unit_price"] == .string("0.00"))
            #expect(free.data?["unit"] == .string("piece"))

            let duplicate = try await api.request(.post, "/api/v1/products", json: Self.body(["sku": .string("free")]), token: token)
            #expect(duplicate.status == .conflict)
            #expect(duplicate.code == "duplicate")
            #expect(TestSupportKeys.errors(duplicate) == ["sku"])
            let freeID = try #require(free.data?["id"]?.intValue)
            let clash = try await api.request(.put, "/api/v1/products/\(freeID)", json: .object(["sku": .string(String(repeating: "s", count: 64))]), token: token)
            #expect(clash.code == "duplicate")
            for bad in ["abc", "-1", "1.5"] {
                #expect(try await api.request(.get, "/api/v1/products/\(bad)", token: token).code == "invalid_id")
            }
            #expect(try await api.request(.put, "/api/v1/products/0", json: .object(["name": .string("x")]), token: token).status == .notFound)
            #expect(try await api.request(.put, "/api/v1/products/0", json: .object(["name": .int(1)]), token: token).code == "validation_failed")
        }
    }

    @Test(arguments: TestEngine.available) func listSearchAndInactive(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.makeUser("buyer", role: .customer)
        for (sku, active) in [("MILK-1", true), ("BREAD_2", true), ("MILKSHAKE", false), ("100%JUICE", true)] {
            try await duka.makeProduct(sku, priceCents: 100, isActive: active)
        }
        try await duka.run { (api: TestAPI) async throws in
            let token = try await api.token("buyer")
            func skus(_ query: String) async throws -> [String] {
                let response = try await api.request(.get, "/api/v1/products?\(query)", token: token)
                #expect(response.status == .ok, "\(query)")
                return (response.data?["products"]?.arrayValue ?? []).compactMap { $0["sku"]?.stringValue }
            }
            #expect(try await skus("") == ["MILK-1", "BREAD_2", "100%JUICE"])
            #expect(try await skus("include_inactive=true") == ["MILK-1", "BREAD_2", "MILKSHAKE", "100%JUICE"])
            #expect(try await skus("search=milk") == ["MILK-1"])
            #expect(try await skus("search=milk&include_inactive=1") == ["MILK-1", "MILKSHAKE"])
            #expect(try await skus("search=product%20bread") == ["BREAD_2"])  // by name
            #expect(try await skus("search=_") == ["BREAD_2"])
            #expect(try await skus("search=%25") == ["100%JUICE"])
            #expect(try await skus("limit=2&page=2") == ["100%JUICE"])
            let paged = try await api.request(.get, "/api/v1/products?limit=2", token: token)
            #expect(paged.data?["pagination"] == .object(["current_page": .int(1), "per_page": .int(2), "total_data": .int(3), "total_page": .int(2)]))
            #expect(try await api.request(.get, "/api/v1/products?include_inactive=maybe", token: token).code == "validation_failed")
        }
    }

    @Test(arguments: TestEngine.available) func deleteIsRefusedWhileCartLinesReferToTheProduct(_ engine: TestEngine) async throws {
        let duka = try await UsersAPITests.staff(engine)
        let product = try await duka.makeProduct("IN-CART", priceCents: 500)
        let customer = try await duka.makeUser("shopper", role: .customer)
        try await duka.makeCart(userID: customer.id, createdAt: 1, items: [(product, 1000, 500, "online")])
        try await duka.run { (api: TestAPI) async throws in
            let token = try await api.token("the.admin")
            let refused = try await api.request(.delete, "/api/v1/products/\(product)", token: token)
            #expect(refused.status == .conflict)
            #expect(refused.code == "has_dependents")
            let deactivated = try await api.request(.put, "/api/v1/products/\(product)", json: .object(["is_active": .bool(false)]), token: token)
            #expect(deactivated.data?["is_active"] == .bool(false))
            // A no-op update writes no audit row.
            _ = try await api.request(.put, "/api/v1/products/\(product)", json: .object(["is_active": .bool(false)]), token: token)
            #expect(try await duka.auditRows().map(\.action) == ["product.update"])
        }
    }
}
