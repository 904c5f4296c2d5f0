import DukaCore
import Hummingbird

/// Stock (API.md section 8.1): levels and movements for staff; receipts of goods,
/// adjustments, transfers and the valuation for admins and managers.
struct StockController {
    let storage: any Storage

    /// At most this many lines in one receipt or transfer.
    static let maximumLines = 1000

    func register(in routes: RouteTable) {
        routes.get("/api/v1/stock", roles: .staff, levels)
        routes.get("/api/v1/stock/movements", roles: .staff, movements)
        routes.get("/api/v1/products/:id/stock", roles: .staff) { _, context, caller in
            _ = try await caller.user()
            guard let levels = try await storage.productStock(id: try PathID.integer(context)) else { throw APIError.productNotFound }
            return .envelope("Stock levels retrieved successfully", capacity: 256 + levels.count * 256) { out in
                out.beginObject()
                out.key("levels")
                out.beginArray()
                for level in levels { StockAnswers.writeLevel(level, to: &out) }
                out.endArray()
                out.endObject()
            }
        }
        routes.post("/api/v1/stock/receive", roles: .catalogueEditors) { request, _, caller in
            try await change(Self.receive(try await RequestBody.object(request)), by: caller, message: "Stock received successfully")
        }
        routes.post("/api/v1/stock/adjust", roles: .catalogueEditors) { request, _, caller in
            try await change(Self.adjust(try await RequestBody.object(request)), by: caller, message: "Stock adjusted successfully")
        }
        routes.post("/api/v1/stock/transfer", roles: .catalogueEditors) { request, _, caller in
            try await change(Self.transfer(try await RequestBody.object(request)), by: caller, message: "Stock transferred successfully")
        }
        routes.get("/api/v1/export/stock.csv", roles: .catalogueEditors) { request, _, caller in
            _ = try await caller.user()
            var query = QueryReader(request)
            let filter = StockFilter(branchID: query.optionalID("branch_id") ?? 1)
            try query.finish()
            return try await CSVExport.response(named: "stock.csv", columns: StockCSV.columns, write: StockCSV.write) { page in
                try await storage.stockLevels(filter, page: page)
            }
        }
        routes.get("/api/v1/reports/stock-valuation", roles: .catalogueEditors) { request, _, caller in
            _ = try await caller.user()
            var query = QueryReader(request)
            let branchID = query.optionalID("branch_id") ?? 1
            try query.finish()
            let valuation = try await storage.stockValuation(branchID: branchID)
            return .envelope("Stock valuation retrieved successfully", capacity: 512 + valuation.lines.count * 160) {
                StockAnswers.writeValuation(valuation, to: &$0)
            }
        }
    }

    @Sendable func levels(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        _ = try await caller.user()
        var query = QueryReader(request)
        let page = query.page(sizeParameter: "limit", defaultSize: 10)
        let filter = StockFilter(branchID: query.optionalID("branch_id") ?? 1, lowOnly: query.bool("low") ?? false, search: query.search())
        try query.finish()
        let result = try await storage.stockLevels(filter, page: page)
        return .v1List("Stock levels retrieved successfully", key: "levels", page: result, bytesPerItem: 256, write: StockAnswers.writeLevel)
    }

    @Sendable func movements(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        _ = try await caller.user()
        var query = QueryReader(request)
        let page = query.page(sizeParameter: "limit", defaultSize: 10)
        let filter = MovementFilter(
            productID: query.optionalID("product_id"), branchID: query.optionalID("branch_id"), kind: query.choice("type", as: StockMovement.Kind.self)
        )
        try query.finish()
        let result = try await storage.stockMovements(filter, page: page)
        return .v1List("Stock movements retrieved successfully", key: "movements", page: result, bytesPerItem: 320, write: StockAnswers.writeMovement)
    }

    func change(_ change: StockChange, by caller: Caller, message: String) async throws -> Response {
        let movements = try await storage.changeStock(change, by: try await caller.user())
        return .envelope(message, status: .created, capacity: 512 + movements.count * 320) { out in
            out.beginObject()
            out.key("movements")
            out.beginArray()
            for movement in movements { StockAnswers.writeMovement(movement, to: &out) }
            out.endArray()
            out.endObject()
        }
    }

    // MARK: Bodies

    static func receive(_ body: [String: JSON]) throws -> StockChange {
        var reader = FieldReader(body)
        let branchID = reader.id("branch_id", required: true)
        let lines = Self.lines(&reader, withCost: true)
        // `reference` may be absent or null: none.
        let reference = body["reference"] == .null ? nil : reader.text("reference", required: false, SellingRules.limited(64))
        try reader.finish()
        return .receive(branchID: branchID!, lines: lines, reference: reference)
    }

    static func adjust(_ body: [String: JSON]) throws -> StockChange {
        var reader = FieldReader(body)
        let branchID = reader.id("branch_id", required: true)
        let productID = reader.id("product_id", required: true)
        let counted = reader.decimal("counted", problem: StockRules.countedProblem, parse: StockRules.counted)
        let delta = reader.decimal("delta", problem: StockRules.deltaProblem, parse: StockRules.delta)
        if reader.errors["counted"] == nil, reader.errors["delta"] == nil, (body["counted"] == nil) == (body["delta"] == nil) {
            reader.fail("counted", "give exactly one of counted and delta")
        }
        let reasonText = reader.string("reason", required: true).value
        let reason = reasonText.flatMap(StockChange.AdjustReason.init(rawValue:))
        if reasonText != nil, reason == nil {
            reader.fail("reason", "must be one of: " + StockChange.AdjustReason.allCases.map(\.rawValue).joined(separator: ", "))
        }
        try reader.finish()
        let target: StockChange.Target = counted.map { .counted($0) } ?? .delta(delta!)
        return .adjust(branchID: branchID!, productID: productID!, target: target, reason: reason!)
    }

    static func transfer(_ body: [String: JSON]) throws -> StockChange {
        var reader = FieldReader(body)
        let from = reader.id("from_branch_id", required: true)
        let to = reader.id("to_branch_id", required: true)
        let lines = Self.lines(&reader, withCost: false)
        try reader.finish()
        return .transfer(fromBranchID: from!, toBranchID: to!, lines: lines)
    }

    /// `lines`: 1 to 1000 of `{"product_id", "quantity"}` (and `"unit_cost"` when received).
    static func lines(_ reader: inout FieldReader, withCost: Bool) -> [StockChange.Line] {
        guard case .array(let elements)? = reader.body["lines"], !elements.isEmpty, elements.count <= maximumLines else {
            reader.fail("lines", "must be a list of 1 to \(maximumLines) lines")
            return []
        }
        var lines: [StockChange.Line] = []
        for (index, element) in elements.enumerated() {
            guard case .object(let members) = element else {
                reader.fail("lines.\(index)", "must be an object")
                continue
            }
            var inner = FieldReader(members)
            let product = inner.id("product_id", required: true)
            let quantity = inner.decimal("quantity", required: true, problem: CatalogueRules.quantityProblem, parse: CatalogueRules.quantity)
            var cost: Int64?
            if withCost, let value = members["unit_cost"], value != .null {
                cost = inner.decimal("unit_cost", problem: CatalogueRules.priceProblem, parse: CatalogueRules.price)
            }
            for (key, reason) in inner.errors { reader.fail("lines.\(index).\(key)", reason) }
            if inner.errors.isEmpty, let product, let quantity { lines.append(StockChange.Line(productID: product, quantityMilli: quantity, unitCostCents: cost)) }
        }
        return lines
    }
}
