import DukaCore
import Hummingbird
import SQLite

/// `/api/v1/products` (API.md section 5): reads for anyone signed in, writes for admin and manager.
struct ProductsController {
    let database: Database
    let authenticator: Authenticator

    static let writers: Set<Role> = [.admin, .manager]

    func register(in routes: RouteTable) {
        routes.get("/api/v1/products", list)
        routes.get("/api/v1/products/:id", detail)
        routes.post("/api/v1/products", create)
        routes.put("/api/v1/products/:id", update)
        routes.delete("/api/v1/products/:id", delete)
    }

    static func json(_ product: Product) -> JSON {
        .object([
            "id": .int(product.id),
            "sku": .string(product.sku),
            "name": .string(product.name),
            "description": .string(product.description),
            "unit": .string(product.unit),
            "unit_price": .string(FixedPoint.money(product.unitPriceCents)),
            "is_active": .bool(product.isActive),
            "created_at": .string(Timestamp.iso8601(product.createdAt)),
            "updated_at": .string(Timestamp.iso8601(product.updatedAt)),
        ])
    }

    /// `json(_:)` written directly (keys in sorted order), for the list.
    static func write(_ product: Product, to out: inout JSONWriter) {
        out.beginObject()
        out.key("created_at"); out.timestamp(product.createdAt)
        out.key("description"); out.string(product.description)
        out.key("id"); out.int(product.id)
        out.key("is_active"); out.bool(product.isActive)
        out.key("name"); out.string(product.name)
        out.key("sku"); out.string(product.sku)
        out.key("unit"); out.string(product.unit)
        out.key("unit_price"); out.string(FixedPoint.money(product.unitPriceCents))
        out.key("updated_at"); out.timestamp(product.updatedAt)
        out.endObject()
    }

    @Sendable func list(_ request: Request, context: DukaRequestContext) async throws -> Response {
        var query = QueryReader(request)
        let page = query.page(sizeParameter: "limit", defaultSize: 10)
        let search = query.search()
        let includeInactive = query.bool("include_inactive") ?? false
        let result = try await authenticator.read(request, checked: query.outcome) { _, db in
            try ProductStore.list(search: search, includeInactive: includeInactive, page: page, in: db)
        }
        return .v1List("Products retrieved successfully", key: "products", page: result, bytesPerItem: 320, write: Self.write)
    }

    @Sendable func detail(_ request: Request, context: DukaRequestContext) async throws -> Response {
        _ = try await authenticator.user(for: request)
        let id = try PathID.integer(context)
        guard let product = try await database.read({ try ProductStore.find(id: id, in: $0) }) else { throw Self.notFound }
        return .json(.envelope("Product retrieved successfully", data: Self.json(product)))
    }

    @Sendable func create(_ request: Request, context: DukaRequestContext) async throws -> Response {
        let actor = try await authenticator.user(for: request, roles: Self.writers)
        let fields = try Self.fields(try await RequestBody.object(request), creating: true)
        let product = try await apply { try ProductStore.create(fields, actor: actor, in: $0) }
        return .json(.envelope("Product created successfully", data: Self.json(product)), status: .created)
    }

    @Sendable func update(_ request: Request, context: DukaRequestContext) async throws -> Response {
        let actor = try await authenticator.user(for: request, roles: Self.writers)
        let id = try PathID.integer(context)
        let fields = try Self.fields(try await RequestBody.object(request), creating: false)
        let product = try await apply { try ProductStore.update(id: id, fields, actor: actor, in: $0) }
        return .json(.envelope("Product updated successfully", data: Self.json(product)))
    }

    @Sendable func delete(_ request: Request, context: DukaRequestContext) async throws -> Response {
        let actor = try await authenticator.user(for: request, roles: Self.writers)
        let id = try PathID.integer(context)
        try await apply { try ProductStore.delete(id: id, actor: actor, in: $0) }
        return .json(.envelope("Product deleted successfully"))
    }

    /// Reads the product fields; on create `sku`, `name` and `unit_price` are required.
    static func fields(_ body: [String: JSON], creating: Bool) throws -> ProductStore.Fields {
        var reader = FieldReader(body)
        var fields = ProductStore.Fields()
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
        try reader.finish()
        return fields
    }

    private func apply<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        do {
            return try await database.write(body)
        } catch let error as ProductStore.ChangeError {
            switch error {
            case .notFound: throw Self.notFound
            case .duplicateSKU:
                throw APIError.conflict("duplicate", "A product with this sku already exists", fieldErrors: ["sku": "is already taken"])
            case .hasDependents:
                throw APIError.conflict("has_dependents", "Cart lines refer to this product; deactivate it instead")
            }
        } catch let error as SQLiteError where error.isUniqueViolation {
            throw APIError.conflict("duplicate", "A product with this sku already exists", fieldErrors: ["sku": "is already taken"])
        }
    }

    static let notFound = APIError.notFound("Product not found")
}
