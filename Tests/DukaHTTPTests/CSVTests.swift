import DukaCore
import Foundation
import HTTPTypes
import Testing

@testable import DukaHTTP

/// CSV exports (API.md section 8.3) through the real HTTP stack, on each engine.
@Suite struct CSVTests {
    @Test func cellsAreQuotedAndNeutralised() {
        var out = CSVWriter()
        out.header(["a", "b"])
        out.row([.typed("=SUM(A1)"), .typed("say \"hi\", then\nleave")])
        out.row([.typed("-5 off"), .plain("-5.000")])
        out.row([.typed("@home"), .typed("\tx")])
        let text = String(decoding: out.bytes, as: UTF8.self)
        #expect(text == "a,b\r\n'=SUM(A1),\"say \"\"hi\"\", then\nleave\"\r\n'-5 off,-5.000\r\n'@home,'\tx\r\n")
        #expect(CSVWriter.neutralised("+254") == "'+254" && CSVWriter.neutralised("Kamau") == "Kamau")
    }

    /// A product whose cells need the export's formula mark, quotes and a line break.
    static func hostileProduct(_ api: TestAPI, token: String) async throws -> APIResponse {
        try await api.request(.post, "/api/v1/products", json: .object([
            "sku": .string("-HACK"), "name": .string("=HYPERLINK(\"http://x\")"), "unit_price": .string("12.5"),
            "description": .string("Crisp, \"fresh\"\nfrom Limuru"), "tax_class": .string("A"), "track_stock": .bool(true),
            "low_stock_threshold": .string("2.5"), "barcodes": .array([.string("5901234123457"), .string("12345")]), "is_active": .bool(false),
        ]), token: token)
    }

    @Test(arguments: TestEngine.available) func productsExportAsTheImportReadsThem(_ engine: TestEngine) async throws {
        let till = try await SellingTests.till(engine)
        try await till.duka.run { (api: TestAPI) async throws in
            let manager = try await api.token("the.manager")
            let created = try await Self.hostileProduct(api, token: manager)
            #expect(created.status == .created, "\(created.body)")
            #expect(try await api.request(.get, "/api/v1/export/products.csv", token: try await api.token("the.cashier")).status == .forbidden)
            let export = try await api.request(.get, "/api/v1/export/products.csv", token: manager)
            #expect(export.status == .ok)
            #expect(export.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(export.headers[.contentDisposition]?.contains("products.csv") == true)
            #expect(!export.body.hasPrefix("\u{FEFF}"))
            let lines = export.body.components(separatedBy: "\r\n")
            #expect(lines.first == "sku,name,unit_price,description,unit,tax_class,barcodes,is_active,track_stock,low_stock_threshold")
            #expect(lines.last == "")  // every row ends with CRLF
            #expect(lines.dropFirst().first == "BREAD,Product BREAD,100.00,,piece,B,,true,false,")
            #expect(export.body.contains(
                "'-HACK,\"'=HYPERLINK(\"\"http://x\"\")\",12.50,\"Crisp, \"\"fresh\"\"\nfrom Limuru\",piece,A,5901234123457;12345,false,true,2.500\r\n"
            ), "\(export.body)")
            // Rows by id: the till's two products, then the new one.
            #expect(lines.count == 1 + 3 + 1)
            // Stock as CSV: counted products only.
            let productID = try #require(created.data?["id"]?.intValue)
            #expect(try await StockTests.receive(api, productID, "4", token: manager).status == .created)
            let stock = try await api.request(.get, "/api/v1/export/stock.csv?branch_id=1", token: manager)
            #expect(stock.body == "product_id,sku,name,unit,branch_id,quantity,low_stock_threshold,is_low,last_cost\r\n"
                + "\(productID),'-HACK,\"'=HYPERLINK(\"\"http://x\"\")\",piece,1,4.000,2.500,false,40.00\r\n", "\(stock.body)")
            #expect(try await api.request(.get, "/api/v1/export/stock.csv?branch_id=9", token: manager).status == .badRequest)
        }
        try? FileManager.default.removeItem(at: till.duka.directory)
    }

    @Test(arguments: TestEngine.available) func customersExportWithoutPasswordData(_ engine: TestEngine) async throws {
        let till = try await SellingTests.till(engine)
        let hostile = try await till.duka.makeUser("otieno", role: .customer, profile: .init(fullName: "=cmd|' /C calc'!A0", phoneNumber: "+254712345678"))
        let gone = try await till.duka.makeUser("gone", role: .customer, deleted: true)
        try await till.duka.run { (api: TestAPI) async throws in
            #expect(try await api.request(.get, "/api/v1/export/customers.csv", token: try await api.token("the.manager")).status == .forbidden)
            let export = try await api.request(.get, "/api/v1/export/customers.csv", token: try await api.token("the.employee"))
            #expect(export.status == .ok && export.headers[.contentType] == "text/csv; charset=utf-8")
            let lines = export.body.components(separatedBy: "\r\n")
            #expect(lines.first == "id,uuid,username,full_name,id_number,email,phone_number,county,town,street,is_active,deleted_at,created_at,updated_at")
            // Customers only (not staff), soft-deleted ones too, by id; no hash anywhere.
            let ids = lines.dropFirst().dropLast().compactMap { $0.split(separator: ",").first.flatMap { Int64($0) } }
            #expect(ids == ids.sorted() && ids.suffix(3) == [till.customer.id, hostile.id, gone.id] && lines.last == "")
            let usernames = Set(lines.dropFirst().dropLast().map { $0.split(separator: ",")[2] })
            #expect(!usernames.contains("the.manager") && !usernames.contains("admin"))
            #expect(!export.body.contains("$2") && !export.body.lowercased().contains("password"))
            let otieno = try #require(lines.first { $0.hasPrefix("\(hostile.id),") })
            #expect(otieno.hasPrefix("\(hostile.id),\(hostile.uuid),otieno,'=cmd|' /C calc'!A0,,otieno@example.com,'+254712345678,,,,true,,"), "\(otieno)")
            let deleted = try #require(lines.first { $0.hasPrefix("\(gone.id),") })
            #expect(deleted.contains(",true,20") && !deleted.contains(",true,,"), "soft-deleted: \(deleted)")
        }
        try? FileManager.default.removeItem(at: till.duka.directory)
    }

    @Test(arguments: TestEngine.available) func salesExportHasSoldAndRefundedLines(_ engine: TestEngine) async throws {
        let till = try await SellingTests.till(engine)
        try await till.duka.run { (api: TestAPI) async throws in
            let manager = try await api.token("the.manager")
            let cashier = try await api.token("the.cashier")
            _ = try await SellingTests.openShift(api, token: cashier)
            _ = try await SellingTests.openShift(api, token: manager)
            let saleID = try await SellingTests.sale(api, till, token: cashier, [(till.bread, "2"), (till.sugar, "0.5")])
            let paid = try await api.request(.post, "/api/v1/carts/\(saleID)/checkout", json: SellingTests.payments(SellingTests.tender("cash", "300")), token: cashier)
            #expect(paid.status == .ok, "\(paid.body)")
            let breadLine = try #require(paid.data?["items"]?.arrayValue?.first?["id"]?.intValue)
            let refund = try await api.request(.post, "/api/v1/refunds", json: SellingTests.refund(
                saleID, lines: [(breadLine, "1")], payments: [SellingTests.tender("cash", "100.00")]), token: manager)
            #expect(refund.status == .created, "\(refund.body)")

            let today = String(Timestamp.iso8601(Timestamp.now()).prefix(10))
            #expect(try await api.request(.get, "/api/v1/export/sales.csv", token: cashier).status == .forbidden)
            let export = try await api.request(.get, "/api/v1/export/sales.csv?from=\(today)&to=\(today)&branch_id=1", token: manager)
            #expect(export.status == .ok)
            let rows = export.body.components(separatedBy: "\r\n").dropLast().map { $0.components(separatedBy: ",") }
            #expect(rows.first == ["receipt_number", "time", "branch", "cashier", "sku", "name", "quantity", "unit_price", "line_total", "tax_class", "vat"])
            #expect(rows.dropFirst().map { [$0[0], $0[2], $0[3], $0[4], $0[6], $0[7], $0[8], $0[9], $0[10]] } == [
                ["MAIN-000001", "MAIN", "the.cashier", "BREAD", "2.000", "100.00", "200.00", "B", "27.59"],
                ["MAIN-000001", "MAIN", "the.cashier", "SUGAR", "0.500", "116.00", "58.00", "B", "8.00"],
                ["MAIN-CN-000001", "MAIN", "the.manager", "BREAD", "-1.000", "100.00", "-100.00", "B", "-13.79"],
            ], "\(export.body)")
            #expect(rows.dropFirst().allSatisfy { $0[1].hasPrefix(today + "T") && $0[1].hasSuffix("Z") })
            // Today is the default; another day or branch has nothing; bad filters are 400.
            #expect(try await api.request(.get, "/api/v1/export/sales.csv", token: manager).body == export.body)
            #expect(try await api.request(.get, "/api/v1/export/sales.csv?from=2020-01-01&to=2020-12-31", token: manager).body.components(separatedBy: "\r\n").count == 2)
            let branch = try await api.request(.post, "/api/v1/branches", json: .object(["code": .string("WKL"), "name": .string("Westlands")]), token: try await api.token("admin", TestDuka.adminPassword))
            let branchID = try #require(branch.data?["id"]?.intValue, "\(branch.body)")
            #expect(try await api.request(.get, "/api/v1/export/sales.csv?branch_id=\(branchID)", token: manager).body.components(separatedBy: "\r\n").count == 2)
            for query in ["from=2026-02-30", "to=yesterday", "from=2026-05-02&to=2026-05-01", "from=2000-01-01&to=2020-01-01", "branch_id=99", "branch_id=x"] {
                let refused = try await api.request(.get, "/api/v1/export/sales.csv?\(query)", token: manager)
                #expect(refused.status == .badRequest && refused.code == "validation_failed", "\(query): \(refused.body)")
            }
        }
        try? FileManager.default.removeItem(at: till.duka.directory)
    }
}
