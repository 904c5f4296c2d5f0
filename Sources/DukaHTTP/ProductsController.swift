import DukaCore
import Hummingbird

/// `/api/v1/products` (API.md section 5): reads for anyone signed in, writes for admin and manager.
struct ProductsController {
    let storage: any Storage

    func register(in routes: RouteTable) {
        routes.get("/api/v1/products", roles: .everyone, list)
        routes.get("/api/v1/products/:id", roles: .everyone, detail)
        routes.get("/api/v1/products/by-barcode/:code", roles: .staff) { _, context, caller in
            _ = try await caller.user()
            let code = context.parameters.get("code") ?? ""
            guard let match = try await storage.productByBarcode(code) else { throw APIError.notFound("No product has this barcode") }
            return .envelope("Product retrieved successfully") { out in
                out.beginObject()
                out.key("product"); ProductAnswers.write(match.product, to: &out)
                out.key("quantity"); out.optionalString(match.quantityMilli.map(FixedPoint.quantity))
                out.key("unit_price"); out.optionalString(match.quantityMilli == nil ? nil : FixedPoint.money(match.product.unitPriceCents))
                out.endObject()
            }
        }
        routes.post("/api/v1/products", roles: .catalogueEditors, create)
        routes.put("/api/v1/products/:id", roles: .catalogueEditors, update)
        routes.delete("/api/v1/products/:id", roles: .catalogueEditors, delete)
        routes.get("/api/v1/export/products.csv", roles: .catalogueEditors, export)
        routes.post("/api/v1/products/import", roles: .catalogueEditors, importCSV)
    }

    @Sendable func list(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        var query = QueryReader(request)
        let page = query.page(sizeParameter: "limit", defaultSize: 10)
        let filter = ProductFilter(search: query.search(), includeInactive: query.bool("include_inactive") ?? false)
        let result = try await storage.productsPage(filter, page: page, caller.access(checked: query.outcome))
        return .v1List("Products retrieved successfully", key: "products", page: result, bytesPerItem: 320, write: ProductAnswers.write)
    }

    /// Every product as CSV (API.md 8.3), by id, streamed a page at a time.
    @Sendable func export(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        var query = QueryReader(request)
        try query.finish()
        let access = caller.access()
        let filter = ProductFilter(includeInactive: true)
        return try await CSVExport.response(named: "products.csv", columns: ProductCSV.columns, write: ProductCSV.write) { page in
            try await storage.productsPage(filter, page: page, access)
        }
    }

    /// A catalogue from CSV (API.md 8.3): read as it streams in (up to 20 MiB), then
    /// planned and written in one transaction, or every bad row named and nothing written.
    @Sendable func importCSV(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        var query = QueryReader(request)
        let dryRun = query.bool("dry_run") ?? false
        let actor = try await caller.user()
        guard CSVUpload.isCSV(request.headers[.contentType]) else { throw APIError.unsupportedMediaTypeCSV }
        try query.finish()
        let counts = try await CSVUpload.releasingMemory {
            let rows = try await CSVUpload.productRows(request.body)
            return try await storage.importProducts(rows, dryRun: dryRun, by: actor)
        }
        return .envelope("Products imported successfully") { out in
            out.beginObject()
            out.key("created"); out.int(Int64(counts.created))
            out.key("updated"); out.int(Int64(counts.updated))
            out.key("unchanged"); out.int(Int64(counts.unchanged))
            out.endObject()
        }
    }

    @Sendable func detail(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        _ = try await caller.user()
        let id = try PathID.integer(context)
        guard let product = try await storage.product(id: id) else { throw APIError.productNotFound }
        return .envelope("Product retrieved successfully") { ProductAnswers.write(product, to: &$0) }
    }

    @Sendable func create(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        let actor = try await caller.user()
        let fields = try Self.fields(try await RequestBody.object(request), creating: true)
        let product = try await storage.createProduct(fields, by: actor)
        return .envelope("Product created successfully", status: .created) { ProductAnswers.write(product, to: &$0) }
    }

    @Sendable func update(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        let actor = try await caller.user()
        let id = try PathID.integer(context)
        let fields = try Self.fields(try await RequestBody.object(request), creating: false)
        let product = try await storage.updateProduct(id: id, fields, by: actor)
        return .envelope("Product updated successfully") { ProductAnswers.write(product, to: &$0) }
    }

    @Sendable func delete(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        let actor = try await caller.user()
        let id = try PathID.integer(context)
        try await storage.deleteProduct(id: id, by: actor)
        return .envelope("Product deleted successfully")
    }

    /// Reads the product fields; on create `sku`, `name` and `unit_price` are required.
    static func fields(_ body: [String: JSON], creating: Bool) throws -> ProductFields {
        var reader = FieldReader(body)
        var fields = ProductFields()
        func text(_ field: String, _ rule: (String) -> String?) -> String? {
            let read = reader.string(field, required: creating)
            if case .null = read, !creating { reader.fail(field, "must be a string") }
            reader.check(field, read.value, rule)
            return read.value
        }
        fields.sku = text("sku", CatalogueRules.sku)
        fields.name = text("name", CatalogueRules.name)
        // `description` may be cleared with null (it becomes empty); `unit` defaults to piece.
        let description = reader.string("description")
        reader.check("description", description.value, CatalogueRules.description)
        if case .null = description { fields.description = "" } else { fields.description = description.value }
        let unit = reader.string("unit")
        if case .null = unit { reader.fail("unit", "must be a string") }
        reader.check("unit", unit.value, CatalogueRules.unit)
        fields.unit = unit.value
        fields.unitPriceCents = reader.decimal("unit_price", required: creating, problem: CatalogueRules.priceProblem, parse: CatalogueRules.price)
        fields.isActive = reader.bool("is_active").value
        if let text = reader.text("tax_class", required: false, { _ in nil }) {
            fields.taxClass = TaxClass(rawValue: text)
            if fields.taxClass == nil { reader.fail("tax_class", "must be one of: A, B, C, D, E") }
        }
        // Barcodes (API.md 8.2): the whole list; null or [] clears it.
        switch reader.body["barcodes"] {
        case nil: break
        case .null?: fields.barcodes = []
        case .array(let elements)? where elements.count <= Barcodes.maximumPerProduct:
            var codes: [String] = []
            for (index, element) in elements.enumerated() {
                guard case .string(let code) = element else {
                    reader.fail("barcodes.\(index)", "must be a string")
                    continue
                }
                reader.check("barcodes.\(index)", code, Barcodes.problem)
                codes.append(code)
            }
            fields.barcodes = codes
        default:
            reader.fail("barcodes", "must be a list of at most \(Barcodes.maximumPerProduct) codes")
        }
        // Stock (API.md 8.1): a null threshold clears it.
        fields.trackStock = reader.bool("track_stock").value
        fields.allowNegativeStock = reader.bool("allow_negative_stock").value
        switch reader.body["low_stock_threshold"] {
        case nil: break
        case .null?: fields.lowStockThresholdMilli = .some(nil)
        default:
            if let threshold = reader.decimal("low_stock_threshold", problem: StockRules.countedProblem, parse: StockRules.threshold) {
                fields.lowStockThresholdMilli = .some(threshold)
            }
        }
        try reader.finish()
        return fields
    }
}
