import DukaCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import DukaHTTP

/// Stock (API.md section 8.1) through the real HTTP stack, on each engine: levels moved
/// only by movements, refusals that change nothing, checkout and refunds, and racing sales
/// of the last units.
@Suite struct StockTests {
    /// A counted product (low at 5) and an uncounted one, with staff and a customer.
    static func shop(_ engine: TestEngine) async throws -> (SellingTests.Till, sugar: Int64) {
        let till = try await SellingTests.till(engine)
        return (till, till.sugar)
    }

    static func track(_ api: TestAPI, _ product: Int64, token: String, threshold: JSON = .string("5"), allowNegative: Bool = false) async throws {
        let updated = try await api.request(.put, "/api/v1/products/\(product)", json: .object([
            "track_stock": .bool(true), "low_stock_threshold": threshold, "allow_negative_stock": .bool(allowNegative),
        ]), token: token)
        #expect(updated.status == .ok, "\(updated.body)")
    }

    static func receive(_ api: TestAPI, _ product: Int64, _ quantity: String, branch: Int64 = 1, cost: JSON = .string("40.00"), token: String) async throws -> APIResponse {
        try await api.request(.post, "/api/v1/stock/receive", json: .object([
            "branch_id": .int(branch), "reference": .string("INV-001"),
            "lines": .array([.object(["product_id": .int(product), "quantity": .string(quantity), "unit_cost": cost])]),
        ]), token: token)
    }

    static func level(_ api: TestAPI, _ product: Int64, branch: Int64 = 1, token: String) async throws -> String? {
        let levels = try await api.request(.get, "/api/v1/products/\(product)/stock", token: token).data?["levels"]?.arrayValue ?? []
        return levels.first { $0["branch_id"] == .int(branch) }?["quantity"]?.stringValue
    }

    @Test(arguments: TestEngine.available) func levelsMoveOnlyByMovements(_ engine: TestEngine) async throws {
        let (till, sugar) = try await Self.shop(engine)
        try await till.duka.run { (api: TestAPI) async throws in
            let manager = try await api.token("the.manager")
            let admin = try await api.token("the.admin")
            let cashier = try await api.token("the.cashier")
            let product = try await api.request(.get, "/api/v1/products/\(sugar)", token: manager)
            #expect(product.data?["track_stock"] == .bool(false) && product.data?["low_stock_threshold"] == .null)
            #expect(product.data?["allow_negative_stock"] == .bool(false))
            // Only counted products move.
            let untracked = try await Self.receive(api, sugar, "10", token: manager)
            #expect(untracked.status == .badRequest && untracked.json["errors"]?["lines.0.product_id"] != nil, "\(untracked.body)")
            try await Self.track(api, sugar, token: manager)
            let badThreshold = try await api.request(.put, "/api/v1/products/\(sugar)", json: .object(["low_stock_threshold": .string("-1")]), token: manager)
            #expect(badThreshold.status == .badRequest && badThreshold.json["errors"]?["low_stock_threshold"] != nil)
            #expect(try await api.request(.get, "/api/v1/products/\(sugar)", token: manager).data?["low_stock_threshold"] == .string("5.000"))

            #expect(try await Self.receive(api, sugar, "10", token: cashier).status == .forbidden)
            let received = try await Self.receive(api, sugar, "10", token: manager)
            #expect(received.status == .created, "\(received.body)")
            #expect(received.json["message"] == .string("Stock received successfully"))
            let movement = try #require(received.data?["movements"]?.arrayValue?.first)
            #expect(APIResponse.keys(movement) == ["id", "product_id", "branch_id", "type", "quantity", "unit_cost", "reason", "reference",
                                                   "cart_id", "refund_id", "created_by", "created_at"])
            #expect(movement["type"] == .string("receive") && movement["quantity"] == .string("10.000") && movement["unit_cost"] == .string("40.00"))
            #expect(movement["reference"] == .string("INV-001") && movement["reason"] == .null && movement["cart_id"] == .null)
            let unreferenced = try await api.request(.post, "/api/v1/stock/receive", json: .object([
                "branch_id": .int(1), "reference": .null,
                "lines": .array([.object(["product_id": .int(sugar), "quantity": .string("1"), "unit_cost": .null])])]), token: manager)
            #expect(unreferenced.data?["movements"]?.arrayValue?.first?["reference"] == .null, "\(unreferenced.body)")
            #expect(unreferenced.data?["movements"]?.arrayValue?.first?["unit_cost"] == .null)
            _ = try await api.request(.post, "/api/v1/stock/adjust", json: .object([
                "branch_id": .int(1), "product_id": .int(sugar), "delta": .string("-1"), "reason": .string("other")]), token: manager)
            for (body, field) in [
                (JSON.object(["branch_id": .int(9), "lines": .array([.object(["product_id": .int(sugar), "quantity": .string("1")])])]), "branch_id"),
                (.object(["branch_id": .int(1), "lines": .array([.object(["product_id": .int(999), "quantity": .string("1")])])]), "lines.0.product_id"),
                (.object(["branch_id": .int(1), "lines": .array([.object(["product_id": .int(sugar), "quantity": .string("0")])])]), "lines.0.quantity"),
                (.object(["branch_id": .int(1), "lines": .array([])]), "lines"),
            ] {
                let bad = try await api.request(.post, "/api/v1/stock/receive", json: body, token: manager)
                #expect(bad.status == .badRequest && bad.json["errors"]?[field] != nil, "\(field): \(bad.body)")
            }

            let stock = try await api.request(.get, "/api/v1/stock", token: cashier)
            #expect(stock.json["message"] == .string("Stock levels retrieved successfully"))
            let level = try #require(stock.data?["levels"]?.arrayValue?.first)
            #expect(level == .object([
                "product_id": .int(sugar), "sku": .string("SUGAR"), "name": .string("Product SUGAR"), "unit": .string("kg"), "branch_id": .int(1),
                "quantity": .string("10.000"), "low_stock_threshold": .string("5.000"), "is_low": .bool(false), "last_cost": .string("40.00"),
            ]))
            #expect(stock.data?["pagination"]?["total_data"] == .int(1))  // bread is not counted

            // Adjustments: a delta, a refused one, a count.
            let damaged = try await api.request(.post, "/api/v1/stock/adjust", json: .object([
                "branch_id": .int(1), "product_id": .int(sugar), "delta": .string("-6"), "reason": .string("damage")]), token: manager)
            #expect(damaged.status == .created && damaged.data?["movements"]?.arrayValue?.first?["quantity"] == .string("-6.000"), "\(damaged.body)")
            #expect(damaged.data?["movements"]?.arrayValue?.first?["reason"] == .string("damage"))
            let low = try await api.request(.get, "/api/v1/stock?low=true", token: cashier)
            #expect(low.data?["levels"]?.arrayValue?.map { $0["is_low"] } == [.bool(true)])
            let tooMuch = try await api.request(.post, "/api/v1/stock/adjust", json: .object([
                "branch_id": .int(1), "product_id": .int(sugar), "delta": .number("-5"), "reason": .string("theft")]), token: manager)
            #expect(tooMuch.status == .conflict && tooMuch.code == "insufficient_stock" && tooMuch.json["errors"]?["delta"] != nil, "\(tooMuch.body)")
            #expect(try await Self.level(api, sugar, token: manager) == "4.000")
            for body in [JSON.object(["branch_id": .int(1), "product_id": .int(sugar), "reason": .string("count")]),
                         .object(["branch_id": .int(1), "product_id": .int(sugar), "counted": .string("1"), "delta": .string("1"), "reason": .string("count")]),
                         .object(["branch_id": .int(1), "product_id": .int(sugar), "delta": .string("0"), "reason": .string("count")]),
                         .object(["branch_id": .int(1), "product_id": .int(sugar), "counted": .string("1"), "reason": .string("lost")])] {
                #expect(try await api.request(.post, "/api/v1/stock/adjust", json: body, token: manager).status == .badRequest, "\(body)")
            }
            let counted = try await api.request(.post, "/api/v1/stock/adjust", json: .object([
                "branch_id": .int(1), "product_id": .int(sugar), "counted": .string("7.5"), "reason": .string("count")]), token: manager)
            #expect(counted.data?["movements"]?.arrayValue?.first?["quantity"] == .string("3.500"), "\(counted.body)")

            // A transfer to a new branch carries the cost.
            let west = try #require(try await api.request(.post, "/api/v1/branches", json: .object([
                "code": .string("WKL"), "name": .string("Westlands")]), token: admin).data?["id"]?.intValue)
            let transfer = { (quantity: String, to: Int64) in
                try await api.request(.post, "/api/v1/stock/transfer", json: .object([
                    "from_branch_id": .int(1), "to_branch_id": .int(to),
                    "lines": .array([.object(["product_id": .int(sugar), "quantity": .string(quantity)])])]), token: manager)
            }
            let moved = try await transfer("2.5", west)
            #expect(moved.status == .created, "\(moved.body)")
            #expect(moved.data?["movements"]?.arrayValue?.map { $0["type"] } == [.string("transfer_out"), .string("transfer_in")])
            #expect(moved.data?["movements"]?.arrayValue?.map { $0["quantity"] } == [.string("-2.500"), .string("2.500")])
            let short = try await transfer("6", west)
            #expect(short.status == .conflict && short.code == "insufficient_stock" && short.json["errors"]?["lines.0.quantity"] != nil)
            let same = try await transfer("1", 1)
            #expect(same.status == .badRequest && same.json["errors"]?["to_branch_id"] != nil)
            let everywhere = try await api.request(.get, "/api/v1/products/\(sugar)/stock", token: cashier).data?["levels"]?.arrayValue ?? []
            #expect(everywhere.map { $0["quantity"] } == [.string("5.000"), .string("2.500")])
            #expect(everywhere.map { $0["last_cost"] } == [.string("40.00"), .string("40.00")])
            #expect(try await api.request(.get, "/api/v1/products/999/stock", token: cashier).status == .notFound)
            #expect(try await api.request(.get, "/api/v1/stock?branch_id=99", token: cashier).status == .badRequest)

            // The valuation: 5 × 40.00.
            let valuation = try await api.request(.get, "/api/v1/reports/stock-valuation?branch_id=1", token: manager)
            #expect(valuation.data?["total"] == .string("200.00") && valuation.data?["lines"]?.arrayValue?.first?["value"] == .string("200.00"))
            #expect(try await api.request(.get, "/api/v1/reports/stock-valuation", token: cashier).status == .forbidden)

            // Movements, newest first, sum to the level.
            let all = try await api.request(.get, "/api/v1/stock/movements?product_id=\(sugar)&branch_id=1&limit=100", token: cashier)
            let quantities = all.data?["movements"]?.arrayValue?.compactMap { $0["quantity"]?.stringValue } ?? []
            #expect(quantities == ["-2.500", "3.500", "-6.000", "-1.000", "1.000", "10.000"])
            #expect(try await api.request(.get, "/api/v1/stock/movements?type=adjust", token: cashier).data?["pagination"]?["total_data"] == .int(3))
            #expect(try await api.request(.get, "/api/v1/stock/movements?type=stolen", token: cashier).status == .badRequest)

            // History keeps the product: delete is refused, deactivate instead.
            let delete = try await api.request(.delete, "/api/v1/products/\(sugar)", token: manager)
            #expect(delete.status == .conflict && delete.code == "has_dependents")
            let audit = try await till.duka.auditRows().map(\.action).filter { $0.hasPrefix("stock.") }
            #expect(audit == ["stock.receive", "stock.receive", "stock.adjust", "stock.adjust", "stock.adjust", "stock.transfer"])
        }
        try? FileManager.default.removeItem(at: till.duka.directory)
    }

    @Test(arguments: TestEngine.available) func checkoutTakesStockAndRefundsPutItBack(_ engine: TestEngine) async throws {
        let (till, sugar) = try await Self.shop(engine)
        try await till.duka.run { (api: TestAPI) async throws in
            let manager = try await api.token("the.manager")
            try await Self.track(api, sugar, token: manager)
            #expect(try await Self.receive(api, sugar, "3", token: manager).status == .created)

            let first = try await SellingTests.sale(api, till, token: manager, [(till.bread, "1"), (sugar, "2")])
            let sold = try await api.request(.post, "/api/v1/carts/\(first)/checkout", token: manager)
            #expect(sold.status == .ok, "\(sold.body)")
            #expect(try await Self.level(api, sugar, token: manager) == "1.000")
            let sale = try await api.request(.get, "/api/v1/stock/movements?type=sale", token: manager)
            #expect(sale.data?["movements"]?.arrayValue?.first?["cart_id"] == .int(first))
            #expect(sale.data?["movements"]?.arrayValue?.first?["quantity"] == .string("-2.000"))

            // Not enough: 409 naming the short line, and nothing changes.
            let second = try await SellingTests.sale(api, till, token: manager, [(till.bread, "1"), (sugar, "2")])
            let short = try await api.request(.post, "/api/v1/carts/\(second)/checkout", token: manager)
            #expect(short.status == .conflict && short.code == "insufficient_stock", "\(short.body)")
            #expect(short.json["errors"] == .object(["items.1": .string("would take the stock level below zero")]))
            let unchanged = try await api.request(.get, "/api/v1/carts/\(second)", token: manager)
            #expect(unchanged.data?["status"] == .string("active") && unchanged.data?["receipt_number"] == .null)
            #expect(try await Self.level(api, sugar, token: manager) == "1.000")
            // A product allowed to go negative sells anyway.
            try await Self.track(api, sugar, token: manager, allowNegative: true)
            #expect(try await api.request(.post, "/api/v1/carts/\(second)/checkout", token: manager).status == .ok)
            #expect(try await Self.level(api, sugar, token: manager) == "-1.000")

            // A refund puts its lines back on the sale's branch, unless told not to.
            let sugarLine = try #require(sold.data?["items"]?.arrayValue?.last?["id"]?.intValue)
            let back = try await api.request(.post, "/api/v1/refunds", json: .object([
                "cart_id": .int(first), "reason": .string("Wet bag"), "lines": .array([.object(["item_id": .int(sugarLine), "quantity": .string("1")])]),
            ]), token: manager)
            #expect(back.status == .created, "\(back.body)")
            #expect(try await Self.level(api, sugar, token: manager) == "0.000")
            let refunded = try await api.request(.get, "/api/v1/stock/movements?type=refund", token: manager)
            #expect(refunded.data?["movements"]?.arrayValue?.first?["refund_id"] == back.data?["id"])
            let spoilt = try await api.request(.post, "/api/v1/refunds", json: .object([
                "cart_id": .int(first), "reason": .string("Spoilt"), "restock": .bool(false),
                "lines": .array([.object(["item_id": .int(sugarLine), "quantity": .string("1")])]),
            ]), token: manager)
            #expect(spoilt.status == .created, "\(spoilt.body)")
            #expect(try await Self.level(api, sugar, token: manager) == "0.000")
        }
        try? FileManager.default.removeItem(at: till.duka.directory)
    }

    /// Racing checkouts of the last units: exactly as many succeed as there is stock.
    @Test(arguments: TestEngine.available) func racingSalesOfTheLastUnits(_ engine: TestEngine) async throws {
        let (till, sugar) = try await Self.shop(engine)
        let buyers = 12
        try await till.duka.run(.live) { (api: TestAPI) async throws in
            let manager = try await api.token("the.manager")
            try await Self.track(api, sugar, token: manager)
            #expect(try await Self.receive(api, sugar, "5", token: manager).status == .created)
            var carts: [Int64] = []
            for index in 0..<buyers {
                let customer = try await till.duka.makeUser("racer\(index)", role: .customer)
                let opened = try await api.request(.post, "/api/v1/carts", json: .object(["customer_id": .int(customer.id)]), token: manager)
                let cartID = try #require(opened.data?["id"]?.intValue)
                try await api.request(.post, "/api/v1/carts/\(cartID)/items", json: .object(["product_id": .int(sugar), "quantity": .string("1")]), token: manager)
                carts.append(cartID)
            }
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for cartID in carts { group.addTask { try await api.request(.post, "/api/v1/carts/\(cartID)/checkout", token: manager).status } }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 5)
            #expect(statuses.filter { $0 == .conflict }.count == buyers - 5)
            #expect(try await Self.level(api, sugar, token: manager) == "0.000")
            let sales = try await api.request(.get, "/api/v1/stock/movements?type=sale&limit=100", token: manager)
            #expect(sales.data?["pagination"]?["total_data"] == .int(5))
        }
        try? FileManager.default.removeItem(at: till.duka.directory)
    }
}
