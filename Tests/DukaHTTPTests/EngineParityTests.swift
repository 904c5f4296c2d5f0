import DukaCore
import Foundation
import HTTPTypes
import Testing

@testable import DukaHTTP

/// The two engines give the same answers: the demo shop is loaded into each, the same
/// requests (reads with every filter, sort, search and page; then a run of changes and
/// refusals) go to both, and the answers must be equal byte for byte once what is random
/// by design (uuids, tokens, this run's clock) is named the same way on both sides.
@Suite(.enabled(if: TestEngine.postgresURL != nil, "needs DUKA_TEST_PG")) struct EngineParityTests {
    static let searches = [
        "a", "A", "wa", "WAN", "mwangi", "Mwangi.B", "@example", "0722", "0", "254", "%", "_", "\\", "'", "\"", "a%", "zz",
        "ü", "É", "élo", "ÉLO", "Élo", "ZOË", "zoë", "öz", "ÖZİ", "istanbul", "straße", "STRASSE", "ß", "wanjirū", "WANJIRŪ",
        "100%", "_s", "kamau_", "o'n", "mixed", "MIXED", "nairobi", "kamau", "KAMAU", "ama", "ana", "e", "co.ke", "  ", "x_y", "1%2", "o'",
        // Long texts whose rare four characters both engines look up first (`TrigramWeights`).
        "MiXeD@Example", "zoe@example.c", "p_c@exam", "ercent", "xed@example.com!",
    ]

    @Test func bothEnginesAnswerAlike() async throws {
        let sqlite = try await TestDuka.make(.sqlite, demo: true)
        let postgres = try await TestDuka.make(.postgres, demo: true)
        // The seeded branch carries its migration's time, and the PostgreSQL tests' template
        // database may have been migrated on another day: give both one time.
        for duka in [sqlite, postgres] {
            try await duka.execute("UPDATE branches SET created_at = 1767225600, updated_at = 1767225600 WHERE id = 1")
        }
        try await sqlite.run { sqliteAPI in
            try await postgres.run { postgresAPI in
                let pair = Pair(sqlite: sqliteAPI, postgres: postgresAPI)
                try await pair.addUnusualCustomers()
                try await pair.compareReads()
                try await pair.compareChanges()
                try await pair.compareReads()
            }
        }
    }

    struct Pair {
        let sqlite: TestAPI
        let postgres: TestAPI
        let startedAt = Timestamp.now()

        func tokens(_ username: String, _ password: String) async throws -> (String, String) {
            (try await sqlite.token(username, password), try await postgres.token(username, password))
        }

        /// Sends `method path body` to both and expects the same status and body.
        @discardableResult
        func same(_ method: HTTPRequest.Method, _ path: String, json: JSON? = nil, as tokens: (String, String)?) async throws -> APIResponse {
            let left = try await sqlite.request(method, path, json: json, token: tokens?.0)
            let right = try await postgres.request(method, path, json: json, token: tokens?.1)
            let (a, b) = (try await normalised(left, on: sqlite.duka), try await normalised(right, on: postgres.duka))
            #expect(left.status == right.status, "\(method) \(path): \(left.status) vs \(right.status)")
            #expect(a == b, "\(method) \(path)\n sqlite:   \(a.prefix(600))\n postgres: \(b.prefix(600))")
            return left
        }

        /// The body with each user's uuid replaced by its id, tokens and hashes removed, and
        /// times from this run named "now".
        func normalised(_ response: APIResponse, on duka: TestDuka) async throws -> String {
            var text = response.body
            for row in try await duka.rows("SELECT id, uuid FROM users", []) {
                if let uuid = row[1].text, let id = row[0].int { text = text.replacingOccurrences(of: uuid, with: "user-\(id)") }
            }
            text = text.replacingOccurrences(of: #""access_token":"[^"]*""#, with: #""access_token":"…""#, options: .regularExpression)
            let today = Timestamp.iso8601(startedAt).prefix(10)
            text = text.replacingOccurrences(of: #"\#(today)T[0-9:]{8}Z"#, with: "now", options: .regularExpression)
            // Printed receipts and reports show local minutes (Africa/Nairobi).
            text = text.replacingOccurrences(of: #"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"#, with: "local-time", options: .regularExpression)
            return text
        }

        /// Names that fold differently under ASCII and Unicode rules, and LIKE's own characters.
        func addUnusualCustomers() async throws {
            let people: [(String, String, String)] = [
                ("elodie.w", "Élodie Wanjirū", "ELO@Example.com"), ("zoe", "ZOË ÖZİL", "zoe@example.com"),
                ("percent", "100% Kamau_Stores", "p_c@example.com"), ("slash", "Back\\slash O'Neil", "b@example.com"),
                ("Mixed.Case", "mIxEd CaSe", "MiXeD@Example.COM"), ("dotted", "İstanbul ßtraße", "dot@example.com"),
            ]
            for (username, fullName, email) in people {
                let created = try await same(.post, "/api/v1/auth/register", json: [
                    "username": .string(username), "email": .string(email), "password": "parity-pass-1",
                    "full_name": .string(fullName), "phone_number": "+254700123456",
                ], as: nil)
                #expect(created.status == .created, "\(username): \(created.body)")
            }
        }

        func compareReads() async throws {
            let admin = try await tokens("admin", "duka-admin-demo")
            let employee = try await tokens("employee", "duka-employee-demo")
            try await same(.get, "/employee/dashboard", as: employee)
            for query in ["", "include_deleted=true", "is_active=false", "is_active=true&include_deleted=true", "per_page=7&page=3",
                          "per_page=100&page=2", "page=99"] {
                try await same(.get, "/employee/customers?\(query)", as: employee)
            }
            for search in EngineParityTests.searches {
                let text = search.utf8.map { byte in
                    (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                        ? String(UnicodeScalar(byte)) : "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
                }.joined()
                try await same(.get, "/employee/customers?search=\(text)&include_deleted=true&per_page=50", as: employee)
                try await same(.get, "/api/v1/users?search=\(text)&status=all&limit=50", as: admin)
                try await same(.get, "/api/v1/products?search=\(text)&include_inactive=true&limit=50", as: admin)
            }
            for sort in ["created_at", "username"] {
                for order in ["asc", "desc"] {
                    for extra in ["", "&role=customer", "&status=deleted", "&status=all&role=admin", "&page=4&limit=9"] {
                        try await same(.get, "/api/v1/users?sort_by=\(sort)&sort_order=\(order)\(extra)", as: admin)
                    }
                }
            }
            for id in [1, 5, 12, 40, 149, 157, 999] {
                try await same(.get, "/employee/customers/\(id)", as: employee)
            }
            for query in ["", "status=active", "status=checked_out&limit=3&page=2", "customer_id=12", "customer_id=999"] {
                try await same(.get, "/api/v1/carts?\(query)", as: admin)
            }
            try await same(.get, "/api/v1/products?limit=100", as: admin)
            for query in ["page=2&limit=7", "page=99", "search=a&page=2&limit=3", "search=a&page=99&limit=3",
                          "include_inactive=true&page=3&limit=5", "include_inactive=true&search=FLOUR&limit=2"] {
                try await same(.get, "/api/v1/products?\(query)", as: admin)
                try await same(.get, "/api/v1/products?\(query)", as: employee)
            }
            try await same(.get, "/api/v1/reports/sales?days=30", as: admin)
            try await same(.get, "/api/v1/reports/sales?days=1", as: admin)
            try await same(.get, "/api/v1/audit-log?limit=100", as: admin)
            // Selling: the demo's day at the till, as data and as printed.
            let cashier = try await tokens("cashier", "duka-cashier-demo")
            try await same(.get, "/api/v1/shop", as: cashier)
            try await same(.get, "/api/v1/branches", as: cashier)
            for query in ["", "status=closed", "status=open&branch_id=2", "branch_id=1&limit=1&page=2"] {
                try await same(.get, "/api/v1/shifts?\(query)", as: admin)
            }
            try await same(.get, "/api/v1/shifts", as: cashier)
            for id in [1, 2, 99] {
                try await same(.get, "/api/v1/shifts/\(id)/report", as: admin)
                try await same(.get, "/api/v1/shifts/\(id)/report?format=text&width=32", as: admin)
            }
            for query in ["", "cart_id=1", "branch_id=2", "shift_id=1"] {
                try await same(.get, "/api/v1/refunds?\(query)", as: admin)
            }
            try await same(.get, "/api/v1/refunds/1/receipt?format=html", as: cashier)
            for number in ["MAIN-000001", "MAIN-000012", "MAIN-000014", "WKL-000001"] {
                let found = try await same(.get, "/api/v1/carts?receipt_number=\(number)", as: admin)
                guard let id = found.data?["carts"]?.arrayValue?.first?["id"]?.intValue else {
                    Issue.record("no sale \(number)")
                    continue
                }
                try await same(.get, "/api/v1/carts/\(id)/receipt", as: cashier)
                try await same(.get, "/api/v1/carts/\(id)/receipt?format=text", as: cashier)
            }
            try await same(.get, "/api/v1/carts?branch_id=2", as: admin)
            // Stock and barcodes: levels, the low list, searches, movements, valuation, scans.
            for query in ["", "branch_id=2", "low=true", "search=MAIZE", "search=flour&limit=3&page=2", "branch_id=1&page=9", "branch_id=7"] {
                try await same(.get, "/api/v1/stock?\(query)", as: cashier)
            }
            for query in ["", "type=receive&limit=50", "type=transfer_in", "product_id=11", "branch_id=2&limit=100"] {
                try await same(.get, "/api/v1/stock/movements?\(query)", as: admin)
            }
            for id in [1, 11, 45, 999] { try await same(.get, "/api/v1/products/\(id)/stock", as: cashier) }
            for branch in [1, 2, 3] { try await same(.get, "/api/v1/reports/stock-valuation?branch_id=\(branch)", as: admin) }
            for code in ["6160010000002", "00102", "2000102012503", "2000102012500", "0000000"] {
                try await same(.get, "/api/v1/products/by-barcode/\(code)", as: cashier)
            }
            try await same(.get, "/api/v1/reports/sales?days=30&branch_id=1", as: admin)
        }

        func compareChanges() async throws {
            let admin = try await tokens("admin", "duka-admin-demo")
            let manager = try await tokens("manager", "duka-manager-demo")
            let employee = try await tokens("employee", "duka-employee-demo")
            // Products: create, duplicate sku in another case, update, delete with and without lines.
            try await same(.post, "/api/v1/products", json: ["sku": "PAR-1", "name": "Parity Flour", "unit": "kg", "unit_price": "99.99"], as: manager)
            try await same(.post, "/api/v1/products", json: ["sku": "par-1", "name": "Twin", "unit_price": "1.00"], as: manager)
            try await same(.put, "/api/v1/products/46", json: ["sku": "PAR-ONE", "unit_price": "100.005"], as: manager)
            try await same(.put, "/api/v1/products/46", json: ["unit_price": "100.01", "is_active": false], as: manager)
            try await same(.delete, "/api/v1/products/1", as: admin)
            // Users: create, duplicates in another case, updates, the last-admin guard.
            try await same(.post, "/api/v1/users", json: ["username": "Parity.User", "email": "parity@example.com", "password": "parity-pass-1", "role": "cashier"], as: admin)
            try await same(.post, "/api/v1/users", json: ["username": "PARITY.user", "email": "other@example.com", "password": "parity-pass-1", "role": "cashier"], as: admin)
            try await same(.post, "/api/v1/users", json: ["username": "other", "email": "PARITY@EXAMPLE.COM", "password": "parity-pass-1", "role": "cashier"], as: admin)
            try await same(.get, "/api/v1/users?search=parity&status=all", as: admin)
            // Customers: state changes and their refusals.
            for (method, suffix) in [(HTTPRequest.Method.delete, ""), (.delete, ""), (.post, "/restore"), (.post, "/restore"),
                                     (.post, "/deactivate"), (.post, "/deactivate"), (.post, "/activate")] {
                try await same(method, "/employee/customers/12\(suffix)", as: employee)
            }
            // Carts: open, the one-active guard, lines that merge, rounding, totals, checkout.
            try await same(.post, "/api/v1/carts", json: ["customer_id": 20], as: admin)
            try await same(.post, "/api/v1/carts", json: ["customer_id": 20], as: admin)
            let carts = try await sqlite.request(.get, "/api/v1/carts?customer_id=20&status=active", token: admin.0)
            let cartID = carts.data?["carts"]?.arrayValue?.first?["id"]?.intValue ?? 0
            for (product, quantity) in [(2, "1.5"), (2, "0.333"), (3, "2"), (4, "0.001"), (9999, "1"), (46, "1")] {
                try await same(.post, "/api/v1/carts/\(cartID)/items", json: ["product_id": .int(Int64(product)), "quantity": .string(quantity)], as: admin)
            }
            try await same(.patch, "/api/v1/carts/\(cartID)/items/99999", json: ["quantity": "1"], as: admin)
            try await same(.post, "/api/v1/carts/\(cartID)/checkout", as: admin)
            try await same(.post, "/api/v1/carts/\(cartID)/checkout", as: admin)
            try await same(.delete, "/api/v1/products/2", as: admin)
            try await same(.get, "/api/v1/carts/\(cartID)", as: admin)
            try await same(.get, "/api/v1/audit-log?limit=30", as: admin)
        }
    }
}

extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByDictionaryLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .number(String(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(dictionaryLiteral elements: (String, JSON)...) { self = .object(Dictionary(uniqueKeysWithValues: elements)) }
}
