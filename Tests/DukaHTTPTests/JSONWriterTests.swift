import HTTPTypes
import SQLite
import Testing

@testable import DukaCore
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

    /// The direct writers give byte-for-byte what the generic encoder gives.
    @Test func writersMatchTheGenericEncoder() {
        for user in Self.users {
            var customer = JSONWriter()
            UserJSON.writeCustomer(user, to: &customer)
            #expect(customer.bytes == JSON.object(UserJSON.customer(user)).encoded())
            var summary = JSONWriter()
            UserJSON.writeSummary(user, to: &summary)
            #expect(summary.bytes == UserJSON.summary(user).encoded())
        }
        let product = Product(id: 3, sku: "MILK-500", name: "Milk \"fresh\"", description: "", unit: "litre", unitPriceCents: 6500,
                              isActive: false, createdAt: 1_736_900_000, updatedAt: 1_736_937_000)
        var productOut = JSONWriter()
        ProductsController.write(product, to: &productOut)
        #expect(productOut.bytes == ProductsController.json(product).encoded())
        let items = [
            CartItem(id: 1, cartID: 9, productID: 3, quantityMilli: 1250, saleChannel: .inStore, unitPriceCents: 3333, createdAt: 5, updatedAt: 6),
            CartItem(id: 2, cartID: 9, productID: 4, quantityMilli: 2000, saleChannel: .online, unitPriceCents: 0, createdAt: 7, updatedAt: 8),
        ]
        let carts = [
            Cart(id: 9, userID: 7, status: .checkedOut, createdAt: 1_736_900_000, updatedAt: 1_736_937_000, items: items),
            Cart(id: 10, userID: 7, status: .active, createdAt: 1, updatedAt: 2, items: []),
        ]
        for cart in carts {
            var v1 = JSONWriter()
            CartJSON.writeCart(cart, withTotal: true, to: &v1)
            #expect(v1.bytes == CartJSON.cart(cart).encoded())
            var portal = JSONWriter()
            CartJSON.writeCart(cart, withTotal: false, to: &portal)
            #expect(portal.bytes == JSON.object(CartJSON.portalCart(cart)).encoded())
        }
        var detail = JSONWriter()
        UserJSON.writeCustomer(Self.users[0], carts: carts, to: &detail)
        var members = UserJSON.customer(Self.users[0])
        members["carts"] = .array(carts.map { .object(CartJSON.portalCart($0)) })
        members["total_carts"] = .int(carts.count)
        #expect(detail.bytes == JSON.object(members).encoded())

        var list = JSONWriter()
        list.beginObject()
        list.key("a"); list.beginArray()
        for user in Self.users { UserJSON.writeSummary(user, to: &list) }
        list.endArray()
        list.key("b"); list.value(.object(["x": .null, "y": .int(2)]))
        list.key("c"); list.bool(false)
        list.endObject()
        let generic = JSON.object(["a": .array(Self.users.map(UserJSON.summary)), "b": .object(["x": .null, "y": .int(2)]), "c": .bool(false)])
        #expect(list.bytes == generic.encoded())
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
        /// Each row written both ways: from its bytes, and decoded into a `User`.
        func bothWays(
            _ sql: String, row writeRow: @escaping @Sendable (Row, inout JSONWriter) -> Void,
            user writeUser: @escaping @Sendable (User, inout JSONWriter) -> Void
        ) async throws -> (rows: [[UInt8]], users: [[UInt8]]) {
            try await duka.database.read { db in
                let rows = try db.query(sql) { row -> [UInt8] in
                    var out = JSONWriter()
                    writeRow(row, &out)
                    return out.bytes
                }
                let users = try db.query(sql, row: UserStore.decode).map { user -> [UInt8] in
                    var out = JSONWriter()
                    writeUser(user, &out)
                    return out.bytes
                }
                return (rows, users)
            }
        }
        let (fromRows, fromUsers) = try await bothWays(
            "SELECT \(UserStore.columns) FROM users WHERE role = 'customer' ORDER BY id",
            row: { UserJSON.writeCustomer(row: $0, to: &$1) }, user: { UserJSON.writeCustomer($0, to: &$1) }
        )
        #expect(fromRows.count == 2)
        #expect(fromRows == fromUsers)
        // The users API's summaries, for every role.
        let (summaryRows, summaryUsers) = try await bothWays(
            "SELECT \(UserStore.columns) FROM users ORDER BY id",
            row: { UserJSON.writeSummary(row: $0, to: &$1) }, user: { UserJSON.writeSummary($0, to: &$1) }
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
            for path in ["/api/v1/users", "/api/v1/products", "/api/v1/carts", "/employee/customers", "/employee/customers/\(shop.alice.id)"] {
                let response = try await api.request(.get, path, token: admin)
                #expect(response.status == .ok, "\(path)")
                #expect(try JSON.parse(response.body).encoded() == Array(response.body.utf8), "\(path)")
            }
        }
    }
}
