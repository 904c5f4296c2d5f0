import HTTPTypes
import SQLite
import Testing

@testable import DukaCore
@testable import DukaSQLite
import DukaAssets
@testable import DukaHTTP

@Suite struct JSONWriterTests {
    static let users: [User] = [
        User(id: 7, uuid: "1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed", username: "jdoe", email: "john@example.com", passwordHash: "h",
             role: .customer, profile: .init(fullName: "John \"JD\" Doe\n", idNumber: "123", phoneNumber: "+254712345678",
                                             county: "Nairobi", town: "Westlands", street: "1 Main \\ Street"),
             isActive: true, deletedAt: 1_736_937_000, sessionVersion: 3, createdAt: 1_736_900_000, updatedAt: 1_736_937_000),
        User(id: 8, uuid: "2b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed", username: "wanjikü", email: "w@x.co", passwordHash: "h",
             role: .cashier, profile: .init(), isActive: false, deletedAt: nil, sessionVersion: 1, createdAt: 0, updatedAt: 0),
    ]

    /// Every answer writer gives canonical JSON (sorted keys, no spaces: what `JSON`
    /// encodes for the same value), with the members of its shape.
    @Test func writersAreCanonical() throws {
        func written(_ write: (inout JSONWriter) -> Void) throws -> (bytes: [UInt8], keys: [String]) {
            var out = JSONWriter()
            write(&out)
            let parsed = try JSON.parse(String(decoding: out.bytes, as: UTF8.self))
            #expect(parsed.encoded() == out.bytes)
            guard case .object(let members) = parsed else { return (out.bytes, []) }
            return (out.bytes, members.keys.sorted())
        }
        for user in Self.users {
            #expect(try written { UserAnswers.writeSummary(user, to: &$0) }.keys
                == ["created_at", "email", "id", "is_active", "role", "updated_at", "username"])
            #expect(try written { UserAnswers.writeDetail(user, to: &$0) }.keys == [
                "county", "created_at", "deleted_at", "email", "full_name", "id", "id_number", "is_active", "phone_number",
                "role", "street", "town", "updated_at", "username",
            ])
            #expect(try written { UserAnswers.writeCustomer(user, to: &$0) }.keys == [
                "county", "created_at", "deleted_at", "email", "full_name", "id", "id_number", "is_active", "phone_number",
                "role", "street", "town", "updated_at", "username", "uuid",
            ])
        }
        let product = Product(id: 3, sku: "MILK-500", name: "Milk \"fresh\"", description: "", unit: "litre", unitPriceCents: 6500,
                              isActive: false, createdAt: 1_736_900_000, updatedAt: 1_736_937_000)
        #expect(try written { ProductAnswers.write(product, to: &$0) }.keys.count == 14)
        let items = [
            CartItem(id: 1, cartID: 9, productID: 3, quantityMilli: 1250, saleChannel: .inStore, unitPriceCents: 3333, createdAt: 5, updatedAt: 6),
            CartItem(id: 2, cartID: 9, productID: 4, quantityMilli: 2000, saleChannel: .online, unitPriceCents: 0, createdAt: 7, updatedAt: 8),
        ]
        let carts = [
            Cart(id: 9, userID: 7, status: .checkedOut, createdAt: 1_736_900_000, updatedAt: 1_736_937_000, items: items),
            Cart(id: 10, userID: 7, status: .active, createdAt: 1, updatedAt: 2, items: []),
        ]
        for cart in carts {
            let v1 = try written { CartAnswers.writeCart(cart, withTotal: true, to: &$0) }
            #expect(v1.keys == [
                "branch_id", "change", "created_at", "id", "items", "items_count", "payment_status", "payments", "receipt_number",
                "refunded_total", "shift_id", "status", "total", "updated_at", "user_id", "vat", "vat_total",
            ])
            #expect(try written { CartAnswers.writeCart(cart, withTotal: false, to: &$0) }.keys.contains("total") == false)
        }
        let detail = try written { UserAnswers.writeCustomer(Self.users[0], carts: carts, to: &$0) }
        #expect(detail.keys.contains("carts") && detail.keys.contains("total_carts"))
        #expect(String(decoding: detail.bytes, as: UTF8.self).contains(#""line_total":"41.66""#))
    }
}

extension JSONWriterTests {
    /// The portal's and the users API's lists write rows from SQLite's bytes; each must
    /// equal writing the decoded `User` (escapes, non-ASCII, NULLs, soft-deleted rows).
    @Test func rowsWriteAsTheirUsers() async throws {
        let duka = try await TestDuka.make()
        try await duka.makeUser("plain", role: .customer)
        try await duka.makeUser("tricky", role: .customer, deleted: true, profile: .init(
            fullName: "Wanjikũ \"Shiro\" Kamau\n\t\u{1}", idNumber: "12\\34", phoneNumber: "+254711000111",
            county: "Murang'a", town: "Kangema ☕", street: "Ngong Rd /\u{7F}"))
        /// Each row written both ways by the same writer: from its bytes, and decoded into a `User`.
        func bothWays(
            _ sql: String, _ write: @escaping @Sendable (any UserAnswers.Fields, inout JSONWriter) -> Void
        ) async throws -> (rows: [[UInt8]], users: [[UInt8]]) {
            try await duka.database.read { db in
                let rows = try db.query(sql) { row -> [UInt8] in
                    var out = JSONWriter()
                    write(SQLiteRowView<UserColumn>(row: row), &out)
                    return out.bytes
                }
                let users = try db.query(sql, row: UserStore.decode).map { user -> [UInt8] in
                    var out = JSONWriter()
                    write(user, &out)
                    return out.bytes
                }
                return (rows, users)
            }
        }
        let (fromRows, fromUsers) = try await bothWays(
            "SELECT \(UserStore.columns) FROM users WHERE role = 'customer' ORDER BY id",
            { UserAnswers.writeCustomer($0, to: &$1) }
        )
        #expect(fromRows.count == 2)
        #expect(fromRows == fromUsers)
        // The users API's summaries, for every role.
        let (summaryRows, summaryUsers) = try await bothWays(
            "SELECT \(UserStore.columns) FROM users ORDER BY id",
            { UserAnswers.writeSummary($0, to: &$1) }
        )
        #expect(summaryRows.count >= 3)
        #expect(summaryRows == summaryUsers)
        #expect(fromRows.last.map { String(decoding: $0, as: UTF8.self).contains(#"Wanjikũ \"Shiro\" Kamau\n\t\u0001"#) } == true)
    }
}

extension JSONWriterTests {
    /// The directly written list answers are what the generic encoder gives for the same
    /// value: sorted keys, no spaces (parse, re-encode, compare bytes).
    @Test func listAnswersAreCanonical() async throws {
        let shop = try await CartsTests.shop()
        try await shop.duka.makeCart(userID: shop.alice.id, createdAt: 100, items: [(shop.flour, 1250, 3333, "online")])
        try await shop.duka.run { (api: TestAPI) async throws in
            let admin = try await api.token("the.admin")
            for path in [
                "/api/v1/users", "/api/v1/products", "/api/v1/carts", "/employee/customers", "/employee/customers/\(shop.alice.id)",
                "/api/v1/users/\(shop.alice.uuid)", "/api/v1/auth/me", "/api/v1/audit-log", "/api/v1/reports/sales?days=3",
                "/employee/dashboard", "/api/v1/products/\(shop.flour)", "/api/v1/carts?customer_id=\(shop.alice.id)",
            ] {
                let response = try await api.request(.get, path, token: admin)
                #expect(response.status == .ok, "\(path)")
                #expect(try JSON.parse(response.body).encoded() == Array(response.body.utf8), "\(path)")
            }
        }
    }
}
