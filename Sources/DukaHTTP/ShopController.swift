import DukaCore
import Hummingbird

/// `/api/v1/shop` and `/api/v1/branches` (API.md 7.1): staff read them, admins change them.
struct ShopController {
    let storage: any Storage

    func register(in routes: RouteTable) {
        routes.get("/api/v1/shop", roles: .staff) { _, _, caller in
            _ = try await caller.user()
            let shop = try await storage.shop()
            return .envelope("Shop retrieved successfully") { SellingAnswers.writeShop(shop, to: &$0) }
        }
        routes.put("/api/v1/shop", roles: .admins, updateShop)
        routes.get("/api/v1/branches", roles: .staff) { request, _, caller in
            var query = QueryReader(request)
            let page = query.page(sizeParameter: "limit", defaultSize: 10)
            _ = try await caller.user()
            try query.finish()
            let branches = try await storage.branchesPage(page: page)
            return .v1List("Branches retrieved successfully", key: "branches", page: branches, bytesPerItem: 160, write: SellingAnswers.writeBranch)
        }
        routes.get("/api/v1/branches/:id", roles: .staff) { _, context, caller in
            _ = try await caller.user()
            let id = try PathID.integer(context)
            guard let branch = try await storage.branch(id: id) else { throw APIError.notFound("Branch not found") }
            return .envelope("Branch retrieved successfully") { SellingAnswers.writeBranch(branch, to: &$0) }
        }
        routes.post("/api/v1/branches", roles: .admins) { request, _, caller in
            let actor = try await caller.user()
            let fields = try Self.branchFields(try await RequestBody.object(request), creating: true)
            let branch = try await storage.createBranch(fields, by: actor)
            return .envelope("Branch created successfully", status: .created) { SellingAnswers.writeBranch(branch, to: &$0) }
        }
        routes.put("/api/v1/branches/:id", roles: .admins) { request, context, caller in
            let actor = try await caller.user()
            let id = try PathID.integer(context)
            let fields = try Self.branchFields(try await RequestBody.object(request), creating: false)
            let branch = try await storage.updateBranch(id: id, fields, by: actor)
            return .envelope("Branch updated successfully") { SellingAnswers.writeBranch(branch, to: &$0) }
        }
    }

    @Sendable func updateShop(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        let actor = try await caller.user()
        var reader = FieldReader(try await RequestBody.object(request))
        var changes = ShopChanges()
        changes.name = reader.text("name", required: false, SellingRules.shopName)
        if case .value(let pin) = reader.string("kra_pin") {
            changes.kraPIN = pin.uppercased()
            reader.check("kra_pin", changes.kraPIN, SellingRules.kraPIN)
        } else if case .null = reader.string("kra_pin") {
            changes.kraPIN = ""
        }
        // Optional texts may be cleared with null (they become empty).
        func clearable(_ field: String, _ rule: @escaping (String) -> String?) -> String? {
            switch reader.string(field) {
            case .value(let text):
                reader.check(field, text, rule)
                return text
            case .null: return ""
            case .absent: return nil
            }
        }
        changes.address = clearable("address", SellingRules.limited(200))
        changes.phone = clearable("phone", SellingRules.limited(20))
        changes.receiptFooter = clearable("receipt_footer", SellingRules.limited(500, allowingLineBreaks: true))
        if let text = reader.text("scale_barcode_value", required: false, { _ in nil }) {
            changes.scaleBarcodeValue = Shop.ScaleBarcodeValue(rawValue: text)
            if changes.scaleBarcodeValue == nil { reader.fail("scale_barcode_value", "must be one of: weight, price") }
        }
        try reader.finish()
        let shop = try await storage.updateShop(changes, by: actor)
        return .envelope("Shop updated successfully") { SellingAnswers.writeShop(shop, to: &$0) }
    }

    /// A branch's fields; on create `code` and `name` are required. Codes are upper-cased.
    static func branchFields(_ body: [String: JSON], creating: Bool) throws -> BranchFields {
        var reader = FieldReader(body)
        var fields = BranchFields()
        let code = reader.string("code", required: creating)
        if case .null = code, !creating { reader.fail("code", "must be a string") }
        fields.code = code.value?.uppercased()
        reader.check("code", fields.code, SellingRules.branchCode)
        fields.name = reader.text("name", required: creating, SellingRules.branchName)
        fields.isActive = reader.bool("is_active").value
        try reader.finish()
        return fields
    }
}
