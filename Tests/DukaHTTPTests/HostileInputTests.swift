import DukaCore
@testable import DukaSQLite
import DukaAssets
import Foundation
import HTTPTypes
import SQLite
import Testing

@testable import DukaHTTP

@Suite struct HostileInputTests {
    static let nasty = [
        "x'); DROP TABLE users; --", "\" OR \"1\"=\"1", "' OR 1=1 --", "%_%", "\\'; SELECT * FROM settings; --", "Robert'); --",
    ]

    /// SQL-looking text in every text field is stored as given and found only literally.
    @Test(arguments: TestEngine.available) func sqlLookingTextIsJustText(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.makeUser("staff.employee", role: .employee)
        try await duka.run { (api: TestAPI) async throws in
            let admin = try await api.token("admin", TestDuka.adminPassword)
            let employee = try await api.token("staff.employee")
            for (index, text) in Self.nasty.enumerated() {
                let registered = try await api.request(.post, "/api/v1/auth/register", json: .object([
                    "username": .string("nasty\(index)"), "email": .string("nasty\(index)@example.co.ke"), "password": .string(text + "-password"),
                    "full_name": .string(text), "id_number": .string(text), "county": .string(text), "town": .string(text),
                    "street": .string(text), "phone_number": .string("+25470000000\(index)"),
                ]))
                #expect(registered.status == .created, "\(text): \(registered.body)")
                #expect(registered.data?["full_name"] == .string(text))
                #expect(registered.data?["street"] == .string(text))
                #expect(try await api.login("nasty\(index)", text + "-password").status == .ok)

                let product = try await api.request(.post, "/api/v1/products", json: .object([
                    "sku": .string("NASTY-\(index)"), "name": .string(text), "description": .string(text), "unit": .string("kg"), "unit_price": .string("1.00"),
                ]), token: admin)
                #expect(product.status == .created, "\(text)")
                #expect(product.data?["name"] == .string(text))
            }
            for (index, text) in Self.nasty.enumerated() {
                let query = text.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                let customers = try await api.request(.get, "/employee/customers?search=\(query)", token: employee)
                #expect(customers.status == .ok)
                let names = (customers.json["customers"]?.arrayValue ?? []).compactMap { $0["username"]?.stringValue }
                #expect(names.contains("nasty\(index)"), "\(text) -> \(names)")
                #expect(names.allSatisfy { name in Self.nasty.enumerated().contains { "nasty\($0.offset)" == name && $0.element.contains(text) } })
                let products = try await api.request(.get, "/api/v1/products?search=\(query)", token: admin)
                let skus = (products.data?["products"]?.arrayValue ?? []).compactMap { $0["sku"]?.stringValue }
                #expect(skus.contains("NASTY-\(index)"))
                let users = try await api.request(.get, "/api/v1/users?search=\(query)", token: admin)
                #expect(users.status == .ok)
                #expect(users.data?["users"] == .array([]))  // usernames and emails hold none of it
                for parameter in ["role", "status", "sort_by", "sort_order", "page", "limit"] {
                    let response = try await api.request(.get, "/api/v1/users?\(parameter)=\(query)", token: admin)
                    #expect(response.status == .badRequest, "\(parameter)=\(text)")
                }
            }
            // Every table is still there, and still readable.
            for table in ["users", "products", "carts", "cart_items", "audit_log", "counters", "settings"] {
                #expect(try await duka.scalarInt("SELECT COUNT(*) FROM \(table)") != nil, "\(table)")
            }
        }
    }
}

extension HostileInputTests {
    /// A search with a control character (a NUL cut the text-index query short: 500) or
    /// longer than any searchable field is refused in words on all three lists; the
    /// longest allowed one is searched for.
    @Test(arguments: TestEngine.available) func searchTextIsChecked(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.makeUser("staff.employee", role: .employee)
        try await duka.run { (api: TestAPI) async throws in
            let admin = try await api.token("admin", TestDuka.adminPassword)
            let employee = try await api.token("staff.employee")
            let lists = [("/employee/customers", employee), ("/api/v1/users", admin), ("/api/v1/products", admin)]
            for (path, token) in lists {
                for bad in ["adm%00in", "ad%00", "%00", "kam%0Aau", "x%7F", String(repeating: "a", count: 201)] {
                    let response = try await api.request(.get, "\(path)?search=\(bad)", token: token)
                    #expect(response.status == .badRequest, "\(path) search=\(bad.prefix(12))")
                    #expect(response.code == "validation_failed")
                    #expect(TestSupportKeys.errors(response) == ["search"])
                }
                let longest = try await api.request(.get, "\(path)?search=\(String(repeating: "a", count: 200))", token: token)
                #expect(longest.status == .ok, "\(path) 200 characters")
                let spaced = try await api.request(.get, "\(path)?search=the+admin", token: token)
                #expect(spaced.status == .ok)
            }
        }
    }
}
