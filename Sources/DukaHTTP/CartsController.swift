import DukaCore
import Hummingbird
import SQLite

/// `/api/v1/carts` (API.md section 5). A customer works on their own carts (online sales);
/// staff work on anyone's (in-store sales at the till), and their changes are audited.
struct CartsController {
    let database: Database
    let authenticator: Authenticator

    func register(in routes: RouteTable) {
        routes.post("/api/v1/carts", open)
        routes.get("/api/v1/carts", list)
        routes.get("/api/v1/carts/:id", detail)
        routes.post("/api/v1/carts/:id/items", addItem)
        routes.patch("/api/v1/carts/:id/items/:item", updateItem)
        routes.delete("/api/v1/carts/:id/items/:item", removeItem)
        routes.post("/api/v1/carts/:id/checkout") { try await close(.checkedOut, "Cart checked out successfully", $0, $1) }
        routes.post("/api/v1/carts/:id/abandon") { try await close(.abandoned, "Cart abandoned successfully", $0, $1) }
    }

    /// Who acts on carts, and how: a customer on their own (online), staff on any (in store).
    struct Actor {
        let user: User
        var isCustomer: Bool { user.role == .customer }
        var owner: Int64? { isCustomer ? user.id : nil }
        var channel: CartItem.SaleChannel { isCustomer ? .online : .inStore }
        var auditActor: User? { isCustomer ? nil : user }
    }

    @Sendable func open(_ request: Request, context: DukaRequestContext) async throws -> Response {
        let actor = Actor(user: try await authenticator.user(for: request))
        var customerID: Int64?
        var customerUUID: String?
        var field = "customer_id"
        if actor.isCustomer {
            customerID = actor.user.id  // a customer's body (if any) is ignored
        } else {
            var reader = FieldReader(try await RequestBody.object(request))
            customerID = reader.id("customer_id")
            let uuid = reader.string("customer_uuid").value
            if let uuid {
                customerUUID = UUIDString.normalized(uuid)
                if customerUUID == nil { reader.fail("customer_uuid", "must be a UUID") }
                field = "customer_uuid"
            }
            if reader.errors.isEmpty, (reader.body["customer_id"] != nil) == (reader.body["customer_uuid"] != nil) {
                reader.fail("customer_id", "give exactly one of customer_id and customer_uuid")
            }
            try reader.finish()
        }
        let (id, uuid, problemField) = (customerID, customerUUID, field)
        let cart = try await apply { db in
            let resolved = try id ?? uuid.flatMap { try UserStore.find(uuid: $0, in: db)?.id }
            guard let resolved else { throw CartStore.ChangeError.customerNotAllowed }
            return try CartStore.open(customerID: resolved, auditActor: actor.auditActor, in: db)
        } customerField: { problemField }
        return .json(.envelope("Cart created successfully", data: CartJSON.cart(cart)), status: .created)
    }

    @Sendable func list(_ request: Request, context: DukaRequestContext) async throws -> Response {
        let actor = Actor(user: try await authenticator.user(for: request))
        var query = QueryReader(request)
        let page = query.page(sizeParameter: "limit", defaultSize: 10)
        let status = query.choice("status", as: Cart.Status.self)
        var customerID: Int64? = nil
        var customerUUID: String? = nil
        if !actor.isCustomer {
            // Staff filter by customer: the integer id, or the uuid the users API shows.
            if query.string("customer_id") != nil { customerID = query.int("customer_id", default: 0, range: 0...Int64.max) }
            customerUUID = query.uuid("customer_uuid")
        }
        try query.finish()
        if customerID != nil, customerUUID != nil {
            throw APIError.validation("customer_id", "give at most one of customer_id and customer_uuid")
        }
        let (id, uuid) = (actor.owner ?? customerID, customerUUID)
        let result = try await database.read { db in
            var owner = id
            // An unknown uuid owns nothing: id 0 is never assigned.
            if let uuid { owner = try UserStore.find(uuid: uuid, in: db)?.id ?? 0 }
            return try CartStore.list(userID: owner, status: status, page: page, in: db)
        }
        return .v1List("Carts retrieved successfully", key: "carts", page: result, bytesPerItem: 1024) {
            CartJSON.writeCart($0, withTotal: true, to: &$1)
        }
    }

    @Sendable func detail(_ request: Request, context: DukaRequestContext) async throws -> Response {
        let actor = Actor(user: try await authenticator.user(for: request))
        let id = try PathID.integer(context)
        guard let cart = try await database.read({ try CartStore.find(id: id, owner: actor.owner, in: $0) }) else {
            throw Self.notFound
        }
        return .json(.envelope("Cart retrieved successfully", data: CartJSON.cart(cart)))
    }

    @Sendable func addItem(_ request: Request, context: DukaRequestContext) async throws -> Response {
        let actor = Actor(user: try await authenticator.user(for: request))
        let cartID = try PathID.integer(context)
        var reader = FieldReader(try await RequestBody.object(request))
        let productID = reader.id("product_id", required: true)
        let quantity = reader.decimal("quantity", required: true, problem: CatalogueRules.quantityProblem, parse: CatalogueRules.quantity)
        try reader.finish()
        guard let productID, let quantity else { throw APIError.validation("quantity", "is required") }
        let cart = try await apply { db in
            try CartStore.addItem(
                cartID: cartID, productID: productID, quantityMilli: quantity, channel: actor.channel,
                owner: actor.owner, auditActor: actor.auditActor, in: db
            )
        }
        return .json(.envelope("Cart item added successfully", data: CartJSON.cart(cart)), status: .created)
    }

    @Sendable func updateItem(_ request: Request, context: DukaRequestContext) async throws -> Response {
        let actor = Actor(user: try await authenticator.user(for: request))
        let cartID = try PathID.integer(context)
        let itemID = try PathID.integer(context, "item")
        var reader = FieldReader(try await RequestBody.object(request))
        let quantity = reader.decimal("quantity", required: true, problem: CatalogueRules.quantityProblem, parse: CatalogueRules.quantity)
        try reader.finish()
        guard let quantity else { throw APIError.validation("quantity", "is required") }
        let cart = try await apply { db in
            try CartStore.changeItem(cartID: cartID, itemID: itemID, quantityMilli: quantity, owner: actor.owner, auditActor: actor.auditActor, in: db)
        }
        return .json(.envelope("Cart item updated successfully", data: CartJSON.cart(cart)))
    }

    @Sendable func removeItem(_ request: Request, context: DukaRequestContext) async throws -> Response {
        let actor = Actor(user: try await authenticator.user(for: request))
        let cartID = try PathID.integer(context)
        let itemID = try PathID.integer(context, "item")
        let cart = try await apply { db in
            try CartStore.changeItem(cartID: cartID, itemID: itemID, quantityMilli: nil, owner: actor.owner, auditActor: actor.auditActor, in: db)
        }
        return .json(.envelope("Cart item removed successfully", data: CartJSON.cart(cart)))
    }

    func close(_ status: Cart.Status, _ message: String, _ request: Request, _ context: DukaRequestContext) async throws -> Response {
        let actor = Actor(user: try await authenticator.user(for: request))
        let cartID = try PathID.integer(context)
        let cart = try await apply { db in
            try CartStore.close(cartID: cartID, as: status, owner: actor.owner, auditActor: actor.auditActor, in: db)
        }
        return .json(.envelope(message, data: CartJSON.cart(cart)))
    }

    /// Runs a cart change in one write transaction and maps its refusals to answers.
    private func apply<T: Sendable>(
        _ body: @escaping @Sendable (Connection) throws -> T, customerField: () -> String = { "customer_id" }
    ) async throws -> T {
        do {
            return try await database.write(body)
        } catch let error as CartStore.ChangeError {
            switch error {
            case .notFound: throw Self.notFound
            case .itemNotFound: throw APIError.notFound("Cart item not found")
            case .activeCartExists: throw APIError.conflict("active_cart_exists", "This customer already has an active cart")
            case .cartNotActive: throw APIError(.badRequest, code: "cart_not_active", message: "The cart is no longer active")
            case .emptyCart: throw APIError(.badRequest, code: "empty_cart", message: "An empty cart cannot be checked out")
            case .customerNotAllowed: throw APIError.validation(customerField(), "must name an active customer")
            case .productUnknown: throw APIError.validation("product_id", "does not name a product")
            case .productInactive: throw APIError.validation("product_id", "names a product that is not on sale")
            case .quantityTooLarge: throw APIError.validation("quantity", "would take the line past 1000000.000")
            case .cartTotalTooLarge: throw APIError.validation("quantity", "would take the cart's total past 100000000000000.00")
            }
        }
    }

    static let notFound = APIError.notFound("Cart not found")
}
