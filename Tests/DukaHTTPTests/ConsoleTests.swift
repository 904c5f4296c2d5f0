import DukaCore
@testable import DukaSQLite
import DukaAssets
import Foundation
import HTTPTypes
import Testing

@testable import DukaHTTP

/// The console's files as the binary serves them: types, security and cache headers.
@Suite struct ConsoleTests {
    /// The `?v=` asset links of the page.
    static func assetLinks(_ html: String) -> [String] {
        html.components(separatedBy: "\"").filter { $0.hasPrefix("/assets/") }
    }

    @Test(arguments: TestEngine.available) func thePageIsServedWithAStrictPolicy(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.run { (api: TestAPI) async throws in
            let page = try await api.request(.get, "/")
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.headers[.cacheControl] == "no-cache")
            #expect(page.headers[.xContentTypeOptions] == "nosniff")
            #expect(page.headers[.xFrameOptions] == "DENY")
            let policy = try #require(page.headers[.contentSecurityPolicy])
            for directive in ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"] {
                #expect(policy.contains(directive))
            }
            #expect(!policy.contains("unsafe"))
            // No inline script or style for the policy to forbid, and no other origin.
            #expect(!page.body.contains("<script>") && !page.body.contains("style=") && !page.body.contains("http"))
            #expect(page.body.contains("<title>Duka console</title>"))

            let tag = try #require(page.headers[.eTag])
            let again = try await api.request(.get, "/", headers: [.ifNoneMatch: tag])
            #expect(again.status == .notModified)
            #expect(again.body.isEmpty)
            for header in ["W/\(tag)", "\"other\", \(tag)", "*"] {
                #expect(try await api.request(.get, "/", headers: [.ifNoneMatch: header]).status == .notModified, "\(header)")
            }
            #expect(try await api.request(.get, "/", headers: [.ifNoneMatch: "\"other\""]).status == .ok)
            #expect(try await api.request(.post, "/").status == .methodNotAllowed)
        }
    }

    @Test(arguments: TestEngine.available) func assetsHaveTheirTypesAndAreCachedOnlyWhenVersioned(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.run { (api: TestAPI) async throws in
            let links = Self.assetLinks(try await api.request(.get, "/").body)
            #expect(links.count == 3)
            let expected = ["js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8", "svg": "image/svg+xml"]
            for link in links {
                let asset = try await api.request(.get, link)
                #expect(asset.status == .ok, "\(link)")
                let name = String(link.dropFirst("/assets/".count).prefix { $0 != "?" })
                #expect(asset.headers[.contentType] == expected[String(name.split(separator: ".").last!)])
                #expect(asset.headers[.cacheControl] == "public, max-age=31536000, immutable")
                #expect(asset.body == ConsoleFiles.all[name])
                // Without the current version, the browser must revalidate.
                let stale = try await api.request(.get, "/assets/\(name)?v=old")
                #expect(stale.headers[.cacheControl] == "no-cache")
                let revalidated = try await api.request(.get, "/assets/\(name)", headers: [.ifNoneMatch: try #require(asset.headers[.eTag])])
                #expect(revalidated.status == .notModified)
            }
            let missing = try await api.request(.get, "/assets/secrets.txt")
            #expect(missing.status == .notFound)
            #expect(missing.code == "not_found")
            #expect(try await api.request(.get, "/assets/..%2Fschema.sql").status == .notFound)
        }
    }

    /// Every field of every form in the script has a label: `field(id, label, control)`
    /// is the only way the console builds one.
    @Test func theScriptBuildsNoMarkupFromText() throws {
        let script = try #require(ConsoleFiles.all["console.js"])
        #expect(!script.contains("innerHTML") && !script.contains("outerHTML") && !script.contains("insertAdjacentHTML"))
        #expect(!script.contains("eval(") && !script.contains("new Function"))
        #expect(!script.contains("localStorage") && !script.contains("sessionStorage") && !script.contains("document.cookie"))
    }
}

/// `GET /api/v1/reports/sales`: the dashboard's charts.
@Suite struct SalesReportTests {
    @Test(arguments: TestEngine.available) func salesPerDayAndCartsByStatus(_ engine: TestEngine) async throws {
        let shop = try await CartsTests.shop(engine)
        let now = Timestamp.now()
        let day = SalesReport.secondsPerDay
        // Two checked-out carts today, one three days ago, one too old to count, and
        // an active and an abandoned one (counted by status, not as sales).
        let line = { (product: Int64, quantity: Int64, price: Int64) in (productID: product, quantityMilli: quantity, priceCents: price, channel: "in_store") }
        try await shop.duka.makeCart(userID: shop.alice.id, createdAt: now, items: [line(shop.flour, 2500, 3333), line(shop.milk, 1000, 6500)])
        try await shop.duka.makeCart(userID: shop.bob.id, createdAt: now - 60, items: [line(shop.milk, 1500, 6500)])
        try await shop.duka.makeCart(userID: shop.bob.id, createdAt: now - 3 * day, items: [line(shop.flour, 333, 3333)])
        try await shop.duka.makeCart(userID: shop.bob.id, createdAt: now - 40 * day, items: [line(shop.milk, 1000, 6500)])
        try await shop.duka.makeCart(userID: shop.alice.id, status: "active", createdAt: now, items: [line(shop.milk, 1000, 6500)])
        try await shop.duka.makeCart(userID: shop.bob.id, status: "abandoned", createdAt: now, items: [])

        try await shop.duka.run { (api: TestAPI) async throws in
            let employee = try await api.token("the.employee")
            let report = try await api.request(.get, "/api/v1/reports/sales?days=7", token: employee)
            #expect(report.status == .ok)
            #expect(report.json["message"] == .string("Sales report retrieved successfully"))
            #expect(report.data?["carts_by_status"] == .object(["active": .int(1), "checked_out": .int(4), "abandoned": .int(1)]))
            let days = try #require(report.data?["days"]?.arrayValue)
            #expect(days.count == 7)
            let today = String(Timestamp.iso8601(now).prefix(10))
            #expect(days.last?["date"] == .string(today))
            // 2.5 × 33.33 = 83.325 → 83.33 (half-up per line), + 65.00, + 1.5 × 65.00 = 97.50.
            #expect(days.last?["carts"] == .int(2))
            #expect(days.last?["total"] == .string("245.83"))
            #expect(days[3]["carts"] == .int(1))
            #expect(days[3]["total"] == .string("11.10"))  // 0.333 × 33.33 = 11.09889
            #expect(days.filter { $0["carts"] == .int(0) }.count == 5)
            #expect(days.allSatisfy { APIResponse.keys($0) == ["date", "carts", "total"] })

            // The default window is 30 days; the too-old cart shows with a longer one.
            let month = try await api.request(.get, "/api/v1/reports/sales", token: employee)
            #expect(month.data?["days"]?.arrayValue?.count == 30)
            let year = try await api.request(.get, "/api/v1/reports/sales?days=366", token: try await api.token("the.admin"))
            #expect(year.data?["days"]?.arrayValue?.reduce(Int64(0)) { $0 + ($1["carts"]?.intValue ?? 0) } == 4)
        }
    }

    @Test(arguments: TestEngine.available) func rolesAndParameters(_ engine: TestEngine) async throws {
        let duka = try await UsersAPITests.staff(engine)
        try await duka.run { (api: TestAPI) async throws in
            #expect(try await api.request(.get, "/api/v1/reports/sales").status == .unauthorized)
            for role in ["the.manager", "the.cashier", "the.customer"] {
                let refused = try await api.request(.get, "/api/v1/reports/sales?days=oops", token: try await api.token(role))
                #expect(refused.status == .forbidden, "\(role)")
            }
            let employee = try await api.token("the.employee")
            for bad in ["0", "367", "-1", "1.5", "x", ""] {
                let response = try await api.request(.get, "/api/v1/reports/sales?days=\(bad)", token: employee)
                #expect(response.status == .badRequest, "days=\(bad)")
                #expect(response.json["errors"]?["days"] != nil)
            }
            let empty = try await api.request(.get, "/api/v1/reports/sales?days=1", token: employee)
            #expect(empty.data?["days"]?.arrayValue?.first?["total"] == .string("0.00"))
            #expect(empty.data?["carts_by_status"] == .object(["active": .int(0), "checked_out": .int(0), "abandoned": .int(0)]))
        }
    }
}

/// Query strings as browsers send them (the console's `URLSearchParams`): `+` is a space.
@Suite struct FormEncodedQueryTests {
    @Test func decodesPlusAndPercentEscapes() {
        let parsed = QueryReader.parse("search=Kevin+Mugo&plus=%2B&bad=%zz&cut=%4&flag&search=second&%E2%82%AC=1&empty=")
        #expect(parsed["search"] == "Kevin Mugo")
        #expect(parsed["plus"] == "+")
        #expect(parsed["bad"] == "%zz")
        #expect(parsed["cut"] == "%4")
        #expect(parsed["flag"] == "")
        #expect(parsed["€"] == "1")
        #expect(parsed["empty"] == "")
        #expect(QueryReader.parse("").isEmpty)
    }

    @Test(arguments: TestEngine.available) func aSearchWithASpaceFindsTheFullName(_ engine: TestEngine) async throws {
        let duka = try await UsersAPITests.staff(engine)
        try await duka.makeUser("kevin.m", role: .customer, profile: .init(fullName: "Kevin Mugo"))
        try await duka.run { (api: TestAPI) async throws in
            let employee = try await api.token("the.employee")
            for query in ["Kevin+Mugo", "Kevin%20Mugo", "kevin+mugo", "n+M"] {
                let found = try await api.request(.get, "/employee/customers?search=\(query)", token: employee)
                #expect(found.json["pagination"]?["total"] == .int(1), "\(query)")
            }
        }
    }
}
