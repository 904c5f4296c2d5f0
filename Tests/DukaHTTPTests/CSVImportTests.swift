import DukaCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import DukaHTTP

/// The product import (API.md 8.3) through the real HTTP stack, on each engine, and the
/// CSV reader under it.
@Suite struct CSVImportTests {
    static let csv: HTTPFields = [.contentType: "text/csv; charset=utf-8"]

    static func upload(_ api: TestAPI, _ text: String, dryRun: Bool = false, token: String) async throws -> APIResponse {
        try await api.request(.post, "/api/v1/products/import" + (dryRun ? "?dry_run=true" : ""), rawBody: text, token: token, headers: csv)
    }

    static func counts(_ response: APIResponse) -> [Int64] {
        ["created", "updated", "unchanged"].map { response.data?[$0]?.intValue ?? -1 }
    }

    static func records(_ bytes: [UInt8], chunk: Int) throws -> [CSVReader.Record] {
        var reader = CSVReader()
        var records: [CSVReader.Record] = []
        var start = 0
        while start < bytes.count {
            reader.read(bytes[start..<min(start + chunk, bytes.count)]) { records.append($0) }
            start += chunk
        }
        try reader.finish { records.append($0) }
        return records
    }

    @Test func readerTakesRFC4180AndWhatSpreadsheetsWrite() throws {
        let text = "\u{FEFF}a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\nthere\",\r\n\nplain\"quote,2,\"\"\rlast,row,here"
        let expected: [CSVReader.Record] = [
            .cells(["a", "b", "c"]), .cells(["x, y", "say \"hi\"\nthere", ""]), .blank, .cells(["plain\"quote", "2", ""]),
            .cells(["last", "row", "here"]),
        ]
        // However the bytes arrive: one at a time, in threes, all at once.
        for chunk in [1, 3, 1000] {
            #expect(try Self.records(Array(text.utf8), chunk: chunk) == expected, "chunk \(chunk)")
        }
        #expect(try Self.records(Array("a\r\n".utf8), chunk: 1) == [.cells(["a"])])
        #expect(try Self.records([0x61, 0x2C, 0xFF, 0x0A, 0x62], chunk: 2) == [.notUTF8, .cells(["b"])])
        #expect(throws: CSVReader.UnclosedQuote(record: 2)) { try Self.records(Array("a\n\"open,\n".utf8), chunk: 4) }
        // The export's formula mark comes off; other leading quotes stay.
        #expect(ProductImportRow.unmarked("'=SUM(A1)") == "=SUM(A1)" && ProductImportRow.unmarked("'-5") == "-5")
        #expect(ProductImportRow.unmarked("'tis") == "'tis" && ProductImportRow.unmarked("'") == "'")
        // Whatever is stored comes back: a text that already looks marked gets a second mark.
        for text in ["'=x", "=x", "'tis", "-5", "'", "''=x", "'\tx", "plain"] {
            #expect(ProductImportRow.unmarked(CSVWriter.neutralised(text)) == text, "\(text)")
        }
        // A record may not be wider than the reader's limit: the rest are counted, not kept.
        let wide = Array((String(repeating: "a", count: 4096) + String(repeating: ",", count: 5000) + "\nb\n").utf8)
        #expect(try Self.records(wide, chunk: 997) == [.tooManyCells, .cells(["b"])])
    }

    @Test(arguments: TestEngine.available) func importCreatesUpdatesAndRoundTrips(_ engine: TestEngine) async throws {
        let till = try await SellingTests.till(engine)
        try await till.duka.run { (api: TestAPI) async throws in
            let manager = try await api.token("the.manager")
            let created = try await CSVTests.hostileProduct(api, token: manager)
            #expect(created.status == .created, "\(created.body)")
            let auditBefore = try await till.duka.auditRows().count

            // Export then import changes nothing.
            let export = try await api.request(.get, "/api/v1/export/products.csv", token: manager).body
            let again = try await Self.upload(api, export, token: manager)
            #expect(again.status == .ok, "\(again.body)")
            #expect(again.json["message"]?.stringValue == "Products imported successfully")
            #expect(Self.counts(again) == [0, 0, 3])
            #expect(try await till.duka.auditRows().count == auditBefore)
            #expect(try await api.request(.get, "/api/v1/export/products.csv", token: manager).body == export)

            // Columns in any order, a sku in other letters' case, empty cells meaning "as it is".
            let file = """
                unit_price,SKU,name,barcodes,track_stock,low_stock_threshold,tax_class\r
                120,bread,,,,,\r
                ,SUGAR,Sugar 1kg,,TRUE,5,\r
                45.50,CHAI-1,Chai masala,96385074;PLU-7,1,,C\r
                9,MANDAZI,Mandazi,,,,\r

                """
            let dry = try await Self.upload(api, file, dryRun: true, token: manager)
            #expect(dry.status == .ok, "\(dry.body)")
            #expect(Self.counts(dry) == [2, 2, 0])
            #expect(try await till.duka.auditRows().count == auditBefore)
            #expect(try await api.request(.get, "/api/v1/export/products.csv", token: manager).body == export)

            let done = try await Self.upload(api, file, token: manager)
            #expect(done.status == .ok && Self.counts(done) == [2, 2, 0], "\(done.body)")
            let bread = try await api.request(.get, "/api/v1/products/\(till.bread)", token: manager).data
            #expect(bread?["sku"]?.stringValue == "bread" && bread?["unit_price"]?.stringValue == "120.00")
            #expect(bread?["name"]?.stringValue == "Product BREAD" && bread?["barcodes"]?.arrayValue?.isEmpty == true)
            let sugar = try await api.request(.get, "/api/v1/products/\(till.sugar)", token: manager).data
            #expect(sugar?["name"]?.stringValue == "Sugar 1kg" && sugar?["unit_price"]?.stringValue == "116.00")
            #expect(sugar?["track_stock"]?.boolValue == true && sugar?["low_stock_threshold"]?.stringValue == "5.000")
            #expect(sugar?["unit"]?.stringValue == "kg")
            let chai = try await api.request(.get, "/api/v1/products/by-barcode/96385074", token: manager).data?["product"]
            #expect(chai?["sku"]?.stringValue == "CHAI-1" && chai?["tax_class"]?.stringValue == "C" && chai?["unit"]?.stringValue == "piece")
            #expect(chai?["track_stock"]?.boolValue == true && chai?["is_active"]?.boolValue == true)
            #expect(try await api.request(.get, "/api/v1/products/by-barcode/PLU-7", token: manager).status == .ok)
            let audit = try await till.duka.auditRows().dropFirst(auditBefore)
            #expect(audit.map(\.action) == Array(repeating: "product.import", count: 4) && audit.allSatisfy { $0.actor == "the.manager" })
            #expect(audit.prefix(2).map(\.targetID) == [String(till.bread), String(till.sugar)])

            // The same file again: nothing left to do.
            #expect(Self.counts(try await Self.upload(api, file, token: manager)) == [0, 0, 4])

            // A barcode may move between two products of one file, in either order.
            let moved = try await Self.upload(api, "sku,name,unit_price,barcodes\nMANDAZI,Mandazi,9,PLU-7\nCHAI-1,Chai masala,45.50,96385074\n", token: manager)
            #expect(Self.counts(moved) == [0, 2, 0], "\(moved.body)")
            let mandazi = try await api.request(.get, "/api/v1/products/by-barcode/PLU-7", token: manager).data?["product"]
            #expect(mandazi?["sku"]?.stringValue == "MANDAZI")

            // A header alone imports nothing.
            #expect(Self.counts(try await Self.upload(api, "sku,name,unit_price\r\n", token: manager)) == [0, 0, 0])
        }
        try? FileManager.default.removeItem(at: till.duka.directory)
    }

    @Test(arguments: TestEngine.available) func badRowsAreAllNamedAndNothingIsWritten(_ engine: TestEngine) async throws {
        let till = try await SellingTests.till(engine)
        try await till.duka.run { (api: TestAPI) async throws in
            let manager = try await api.token("the.manager")
            let tagged = try await api.request(.put, "/api/v1/products/\(till.sugar)", json: .object(["barcodes": .array([.string("5901234123457")])]), token: manager)
            #expect(tagged.status == .ok)
            let before = try await api.request(.get, "/api/v1/export/products.csv", token: manager).body
            let auditBefore = try await till.duka.auditRows().count
            let file = """
                sku,name,unit_price,barcodes,is_active,low_stock_threshold
                GOOD-1,Fine row,10,,true,
                BAD-PRICE,Too exact,1.005,,,
                NO-NAME,,10,,,
                bread,Bread twice,10,,,
                BREAD,Bread again,10,,,
                TAKEN,Taken code,10,5901234123457,,
                CHECK,Bad check digit,10,5901234123458,,
                FLAG,Bad flag,10,,maybe,-1
                SHORT,Too few cells
                bad sku!,Name,10,,,
                NEW-2,New two,10,,,
                "NEW-3,Unclosed,10,,,

                """
            for dryRun in [true, false] {
                let refused = try await Self.upload(api, file, dryRun: dryRun, token: manager)
                #expect(refused.status == .badRequest, "\(refused.body)")
                #expect(refused.code == "validation_failed")
                let errors = refused.json["errors"]
                #expect(APIResponse.keys(errors) == [
                    "row 2.unit_price", "row 3.name", "row 5.sku", "row 6.barcodes", "row 7.barcodes", "row 8.is_active",
                    "row 8.low_stock_threshold", "row 9", "row 10.sku", "row 12",
                ], "\(errors)")
                #expect(errors?["row 5.sku"]?.stringValue == "repeats row 4")
                #expect(errors?["row 6.barcodes"]?.stringValue == "5901234123457 is already the barcode of product SUGAR")
                #expect(errors?["row 3.name"]?.stringValue == "is required for a new product")
                #expect(errors?["row 9"]?.stringValue == "has 2 cells where the header has 6")
            }
            #expect(try await api.request(.get, "/api/v1/export/products.csv", token: manager).body == before)
            #expect(try await till.duka.auditRows().count == auditBefore)

            // The header: unknown, repeated and missing columns; an empty file.
            let header = try await Self.upload(api, "sku,Name,colour,name\r\nA,B,C,D\r\n", token: manager)
            #expect(header.status == .badRequest)
            #expect(APIResponse.keys(header.json["errors"]) == ["header.colour", "header.name", "header.unit_price"], "\(header.body)")
            let wide = try await Self.upload(api, String(repeating: "sku,", count: 2000) + "\r\n", token: manager)
            #expect(wide.status == .badRequest && wide.json["errors"]?["header"]?.stringValue == "has more than 1000 cells", "\(wide.body)")
            let empty = try await Self.upload(api, "", token: manager)
            #expect(empty.status == .badRequest && empty.json["errors"]?["header"] != nil, "\(empty.body)")
        }
        try? FileManager.default.removeItem(at: till.duka.directory)
    }

    @Test(arguments: TestEngine.available) func uploadRulesAndAWholeCatalogue(_ engine: TestEngine) async throws {
        let till = try await SellingTests.till(engine)
        try await till.duka.run(.live) { (api: TestAPI) async throws in
            let manager = try await api.token("the.manager")
            #expect(try await Self.upload(api, "sku,name,unit_price\n", token: try await api.token("the.cashier")).status == .forbidden)
            let json = try await api.request(.post, "/api/v1/products/import", rawBody: "sku,name,unit_price\n", token: manager,
                                             headers: [.contentType: "application/json"])
            #expect(json.status == .unsupportedMediaType && json.code == "unsupported_media_type")
            let badQuery = try await api.request(.post, "/api/v1/products/import?dry_run=maybe", rawBody: "sku,name,unit_price\n",
                                                 token: manager, headers: Self.csv)
            #expect(badQuery.status == .badRequest && badQuery.json["errors"]?["dry_run"] != nil)

            // 5,000 rows with long descriptions (more than the 1 MiB a JSON body may be) in
            // one go. (15,000 shorter rows once took more than the test client's 20 s on
            // PostgreSQL in a debug build with the whole suite running beside it.)
            let longer = String(repeating: "as long as a real description, ", count: 5)
            var file = "sku,name,unit_price,description,barcodes\r\n"
            for index in 1...5_000 {
                file += "BULK-\(index),Bulk item \(index),\(index % 1000).\(index % 10)0,\"Row \(index), in bulk: \(longer)\",BK\(index)\r\n"
            }
            #expect(file.utf8.count > 1 << 20)
            let bulk = try await Self.upload(api, file, token: manager)
            #expect(bulk.status == .ok && Self.counts(bulk) == [5_000, 0, 0], "\(bulk.body.prefix(300))")
            let last = try await api.request(.get, "/api/v1/products/by-barcode/BK5000", token: manager).data?["product"]
            #expect(last?["name"]?.stringValue == "Bulk item 5000" && last?["unit_price"]?.stringValue == "0.00")
            let listed = try await api.request(.get, "/api/v1/products?limit=1", token: manager)
            #expect(listed.data?["pagination"]?["total_data"]?.intValue == 5_002)
            #expect(Self.counts(try await Self.upload(api, file, dryRun: true, token: manager)) == [0, 0, 5_000])

            // Over 20 MiB: 413, whether the length is declared or the body just keeps coming.
            let huge = String(repeating: "x", count: (20 << 20) + 1)
            let tooLarge = try await Self.upload(api, huge, token: manager)
            #expect(tooLarge.status == .contentTooLarge && tooLarge.body.contains("20 MiB"), "\(tooLarge.body.prefix(200))")
            // The JSON endpoints keep their 1 MiB.
            let bigJSON = try await api.request(.post, "/api/v1/products", rawBody: String(repeating: " ", count: (1 << 20) + 1), token: manager,
                                                headers: [.contentType: "application/json"])
            #expect(bigJSON.status == .contentTooLarge)
        }
        try? FileManager.default.removeItem(at: till.duka.directory)
    }
}
