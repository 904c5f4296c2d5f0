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

    @Test(arguments: TestEngine.available) func productsExportAsTheImportReadsThem(_ engine: TestEngine) async throws {
        let till = try await SellingTests.till(engine)
        try await till.duka.run { (api: TestAPI) async throws in
            let manager = try await api.token("the.manager")
            let created = try await api.request(.post, "/api/v1/products", json: .object([
                "sku": .string("-HACK"), "name": .string("=HYPERLINK(\"http://x\")"), "unit_price": .string("12.5"),
                "description": .string("Crisp, \"fresh\"\nfrom Limuru"), "tax_class": .string("A"), "track_stock": .bool(true),
                "low_stock_threshold": .string("2.5"), "barcodes": .array([.string("5901234123457"), .string("12345")]), "is_active": .bool(false),
            ]), token: manager)
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
}
