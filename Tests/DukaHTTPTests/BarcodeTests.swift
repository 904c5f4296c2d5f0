import DukaCore
import Foundation
import HTTPTypes
import Testing

@testable import DukaHTTP

/// Barcodes (API.md section 8.2): check digits, scale labels, uniqueness, lookups and
/// lines added by a scan, on each engine.
@Suite struct BarcodeTests {
    @Test func checkDigitsAndCodes() {
        for valid in ["5901234123457", "036000291452", "96385074", "12345", "ABC-123_x.9", String(repeating: "A", count: 64)] {
            #expect(Barcodes.problem(valid) == nil, "\(valid)")
        }
        #expect(Barcodes.problem("5901234123458")?.contains("EAN-13") == true)
        #expect(Barcodes.problem("036000291453")?.contains("UPC-A") == true)
        #expect(Barcodes.problem("96385075")?.contains("EAN-8") == true)
        for invalid in ["", "with space", "ñ1", String(repeating: "A", count: 65), "a/b"] {
            #expect(Barcodes.problem(invalid) != nil, "\(invalid)")
        }
        // Scale labels: 2, a prefix digit, PLU, value, check.
        #expect(Barcodes.scale("2012345012509")! == ("12345", 1250))
        #expect(Barcodes.scale("2012345012508") == nil)  // wrong check digit
        #expect(Barcodes.scale("5901234123457") == nil)  // not a scale prefix
        #expect(Barcodes.scaleQuantity(value: 1250, reading: .weight, unitPriceCents: 9500) == 1250)
        // 12.50 of a 95.00/kg product: 0.131578… kg, half-up to 0.132.
        #expect(Barcodes.scaleQuantity(value: 1250, reading: .price, unitPriceCents: 9500) == 132)
        #expect(Barcodes.scaleQuantity(value: 5, reading: .price, unitPriceCents: 1000) == 5)  // 0.005 exactly
        #expect(Barcodes.scaleQuantity(value: 1, reading: .price, unitPriceCents: 0) == nil)
    }

    @Test(arguments: TestEngine.available) func scanningAtTheTill(_ engine: TestEngine) async throws {
        let till = try await SellingTests.till(engine)
        let maize = try await till.duka.makeProduct("MAIZE", priceCents: 9500, unit: "kg")
        try await till.duka.run { (api: TestAPI) async throws in
            let manager = try await api.token("the.manager")
            let cashier = try await api.token("the.cashier")
            let admin = try await api.token("the.admin")
            let tagged = try await api.request(.put, "/api/v1/products/\(till.bread)", json: .object([
                "barcodes": .array([.string("5901234123457"), .string("036000291452")])]), token: manager)
            #expect(tagged.status == .ok && tagged.data?["barcodes"] == .array([.string("5901234123457"), .string("036000291452")]), "\(tagged.body)")
            #expect(try await api.request(.put, "/api/v1/products/\(maize)", json: .object(["barcodes": .array([.string("12345")])]), token: manager)
                .status == .ok)
            // Taken elsewhere, given twice, or with a wrong check digit.
            let taken = try await api.request(.put, "/api/v1/products/\(till.sugar)", json: .object([
                "barcodes": .array([.string("5901234123457")])]), token: manager)
            #expect(taken.status == .conflict && taken.code == "duplicate" && taken.json["errors"]?["barcodes.0"] != nil)
            let twice = try await api.request(.put, "/api/v1/products/\(till.sugar)", json: .object([
                "barcodes": .array([.string("96385074"), .string("96385074")])]), token: manager)
            #expect(twice.status == .conflict && twice.json["errors"]?["barcodes.1"] != nil)
            let wrong = try await api.request(.put, "/api/v1/products/\(till.sugar)", json: .object([
                "barcodes": .array([.string("96385075")])]), token: manager)
            #expect(wrong.status == .badRequest && wrong.json["errors"]?["barcodes.0"] != nil)
            #expect(try await api.request(.get, "/api/v1/products/\(till.sugar)", token: manager).data?["barcodes"] == .array([]))
            let created = try await api.request(.post, "/api/v1/products", json: .object([
                "sku": .string("MILK"), "name": .string("Milk"), "unit_price": .string("65"), "barcodes": .array([.string("96385074")])]), token: manager)
            #expect(created.status == .created && created.data?["barcodes"] == .array([.string("96385074")]))

            // Lookups: a product's own code, a scale label read as weight, then as price.
            let own = try await api.request(.get, "/api/v1/products/by-barcode/036000291452", token: cashier)
            #expect(own.data?["product"]?["id"] == .int(till.bread) && own.data?["quantity"] == .null && own.data?["unit_price"] == .null)
            let weighed = try await api.request(.get, "/api/v1/products/by-barcode/2012345012509", token: cashier)
            #expect(weighed.data?["product"]?["id"] == .int(maize), "\(weighed.body)")
            #expect(weighed.data?["quantity"] == .string("1.250") && weighed.data?["unit_price"] == .string("95.00"))
            #expect(try await api.request(.get, "/api/v1/products/by-barcode/0000000000000", token: cashier).status == .notFound)
            #expect(try await api.request(.get, "/api/v1/products/by-barcode/2012345012508", token: cashier).status == .notFound)
            #expect(try await api.request(.get, "/api/v1/products/by-barcode/036000291452", token: try await api.token("wanjiku")).status == .forbidden)

            // Lines added by a scan: a plain code takes 1.000 (or the quantity sent); a scale label its own.
            let cartID = try await SellingTests.sale(api, till, token: cashier, [])
            var cart = try await api.request(.post, "/api/v1/carts/\(cartID)/items", json: .object(["barcode": .string("5901234123457")]), token: cashier)
            #expect(cart.status == .created && cart.data?["items"]?.arrayValue?.first?["quantity"] == .string("1.000"), "\(cart.body)")
            cart = try await api.request(.post, "/api/v1/carts/\(cartID)/items", json: .object([
                "barcode": .string("036000291452"), "quantity": .string("2")]), token: cashier)
            #expect(cart.data?["items"]?.arrayValue?.first?["quantity"] == .string("3.000"))
            cart = try await api.request(.post, "/api/v1/carts/\(cartID)/items", json: .object(["barcode": .string("2012345012509")]), token: cashier)
            #expect(cart.data?["items"]?.arrayValue?.last?["quantity"] == .string("1.250"))
            #expect(cart.data?["items"]?.arrayValue?.last?["line_total"] == .string("118.75"))
            for (body, field) in [
                (JSON.object(["barcode": .string("2012345012509"), "quantity": .string("1")]), "quantity"),
                (.object(["barcode": .string("77777")]), "barcode"),
                (.object(["barcode": .string("5901234123457"), "product_id": .int(till.bread)]), "barcode"),
                (.object(["barcode": .int(5)]), "barcode"),
            ] {
                let bad = try await api.request(.post, "/api/v1/carts/\(cartID)/items", json: body, token: cashier)
                #expect(bad.status == .badRequest && bad.json["errors"]?[field] != nil, "\(body): \(bad.body)")
            }

            // The shop's scales print prices instead: 12.50 of maize at 95.00/kg is 0.132 kg.
            #expect(try await api.request(.put, "/api/v1/shop", json: .object(["scale_barcode_value": .string("price")]), token: admin).status == .ok)
            let priced = try await api.request(.get, "/api/v1/products/by-barcode/2012345012509", token: cashier)
            #expect(priced.data?["quantity"] == .string("0.132"))
            // A product's delete takes its codes with it.
            #expect(try await api.request(.delete, "/api/v1/products/\(created.data?["id"]?.intValue ?? 0)", token: manager).status == .ok)
            #expect(try await api.request(.get, "/api/v1/products/by-barcode/96385074", token: cashier).status == .notFound)
        }
        try? FileManager.default.removeItem(at: till.duka.directory)
    }
}
