import DukaCore
import Hummingbird

/// `/api/v1/carts` (API.md section 5). A customer works on their own carts (online sales);
/// staff work on anyone's (in-store sales at the till), and their changes are audited
/// (`CartActor`).
struct CartsController {
    let storage: any Storage

    func register(in routes: RouteTable) {
        routes.post("/api/v1/carts", roles: .everyone, open)
        routes.get("/api/v1/carts", roles: .everyone, list)
        routes.get("/api/v1/carts/:id", roles: .everyone, detail)
        routes.post("/api/v1/carts/:id/items", roles: .everyone, addItem)
        routes.patch("/api/v1/carts/:id/items/:item", roles: .everyone, updateItem)
        routes.delete("/api/v1/carts/:id/items/:item", roles: .everyone, removeItem)
        routes.post("/api/v1/carts/:id/checkout", roles: .everyone, checkout)
        routes.post("/api/v1/carts/:id/abandon", roles: .everyone) { _, context, caller in
            let actor = CartActor(try await caller.user())
            let cart = try await storage.abandonCart(cartID: try PathID.integer(context), by: actor)
            return Self.answer("Cart abandoned successfully", cart)
        }
        routes.get("/api/v1/carts/:id/receipt", roles: .everyone, receipt)
    }

    @Sendable func open(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        let actor = CartActor(try await caller.user())
        let customer: CustomerReference
        var field = "customer_id"
        var branchID: Int64?
        if actor.isCustomer {
            customer = .id(actor.user.id)  // a customer's body (if any) is ignored
        } else {
            var reader = FieldReader(try await RequestBody.object(request))
            branchID = reader.id("branch_id")
            let id = reader.id("customer_id")
            var uuid: String?
            if let text = reader.string("customer_uuid").value {
                uuid = UUIDString.normalized(text)
                if uuid == nil { reader.fail("customer_uuid", "must be a UUID") }
                field = "customer_uuid"
            }
            if reader.errors.isEmpty, (reader.body["customer_id"] != nil) == (reader.body["customer_uuid"] != nil) {
                reader.fail("customer_id", "give exactly one of customer_id and customer_uuid")
            }
            try reader.finish()
            guard let named = id.map(CustomerReference.id) ?? uuid.map(CustomerReference.uuid) else {
                // `"customer_uuid": null`: names nobody.
                throw APIError.validation(field, "must name an active customer")
            }
            customer = named
        }
        do {
            let cart = try await storage.openCart(for: customer, branchID: branchID, by: actor)
            return .envelope("Cart created successfully", status: .created) { CartAnswers.writeCart(cart, withTotal: true, to: &$0) }
        } catch CartChangeError.customerNotAllowed {
            // Named after the field the customer was given in.
            throw APIError.validation(field, "must name an active customer")
        }
    }

    @Sendable func list(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        let actor = CartActor(try await caller.user())
        var query = QueryReader(request)
        let page = query.page(sizeParameter: "limit", defaultSize: 10)
        var filter = CartListFilter(status: query.choice("status", as: Cart.Status.self), branchID: query.optionalID("branch_id"))
        if let number = query.string("receipt_number") {
            // As printed: `MAIN-000123`; typed in any case.
            filter.receiptNumber = number.uppercased()
            if number.count > 20 { query.fail("receipt_number", "must be at most 20 characters") }
        }
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
        filter.customer = customerID.map(CustomerReference.id) ?? customerUUID.map(CustomerReference.uuid)
        let result = try await storage.cartsPage(filter, owner: actor.owner, page: page)
        return .v1List("Carts retrieved successfully", key: "carts", page: result, bytesPerItem: 1024) {
            CartAnswers.writeCart($0, withTotal: true, to: &$1)
        }
    }

    @Sendable func detail(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        let actor = CartActor(try await caller.user())
        let id = try PathID.integer(context)
        guard let cart = try await storage.cart(id: id, owner: actor.owner) else { throw APIError.cartNotFound }
        return Self.answer("Cart retrieved successfully", cart)
    }

    @Sendable func addItem(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        let actor = CartActor(try await caller.user())
        let cartID = try PathID.integer(context)
        let body = try await RequestBody.object(request)
        var reader = FieldReader(body)
        // A line names its product by id, or by a scanned barcode (API.md 8.2).
        let barcode = body["product_id"] == nil && body["barcode"] != nil ? reader.string("barcode", required: true).value : nil
        if body["product_id"] != nil, body["barcode"] != nil { reader.fail("barcode", "give either product_id or barcode, not both") }
        let productID = barcode == nil ? reader.id("product_id", required: body["barcode"] == nil) : nil
        let quantity = reader.decimal(
            "quantity", required: body["barcode"] == nil, problem: CatalogueRules.quantityProblem, parse: CatalogueRules.quantity
        )
        try reader.finish()
        var line: (productID: Int64, quantity: Int64)?
        if let productID, let quantity { line = (productID, quantity) }
        if let barcode {
            guard let match = try await storage.productByBarcode(barcode) else { throw APIError.validation("barcode", "does not name a product") }
            if let weighed = match.quantityMilli {
                guard quantity == nil else { throw APIError.validation("quantity", "is set by the scale barcode; leave it out") }
                guard CatalogueRules.quantity(FixedPoint.quantity(weighed)) != nil else {
                    throw APIError.validation("barcode", "reads a quantity outside 0.001 to 1000000.000")
                }
                line = (match.product.id, weighed)
            } else {
                line = (match.product.id, quantity ?? 1000)
            }
        }
        guard let line else { throw APIError.validation("quantity", "is required") }
        let cart = try await storage.addCartItem(cartID: cartID, productID: line.productID, quantityMilli: line.quantity, by: actor)
        return Self.answer("Cart item added successfully", cart, status: .created)
    }

    @Sendable func updateItem(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        let actor = CartActor(try await caller.user())
        let cartID = try PathID.integer(context)
        let itemID = try PathID.integer(context, "item")
        var reader = FieldReader(try await RequestBody.object(request))
        let quantity = reader.decimal("quantity", required: true, problem: CatalogueRules.quantityProblem, parse: CatalogueRules.quantity)
        try reader.finish()
        guard let quantity else { throw APIError.validation("quantity", "is required") }
        let cart = try await storage.changeCartItem(cartID: cartID, itemID: itemID, quantityMilli: quantity, by: actor)
        return Self.answer("Cart item updated successfully", cart)
    }

    @Sendable func removeItem(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        let actor = CartActor(try await caller.user())
        let cartID = try PathID.integer(context)
        let itemID = try PathID.integer(context, "item")
        let cart = try await storage.changeCartItem(cartID: cartID, itemID: itemID, quantityMilli: nil, by: actor)
        return Self.answer("Cart item removed successfully", cart)
    }

    /// Checks out, with tenders when staff give `payments` (API.md 7.3).
    @Sendable func checkout(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        let actor = CartActor(try await caller.user())
        let cartID = try PathID.integer(context)
        var tenders: [Tender] = []
        if let body = try await RequestBody.optionalObject(request) {
            var reader = FieldReader(body)
            tenders = reader.tenders()
            if actor.isCustomer, reader.errors.isEmpty, !tenders.isEmpty {
                reader.fail("payments", "customers check out without payments; tenders are taken at the till")
            }
            try reader.finish()
        }
        let cart = try await storage.checkout(cartID: cartID, tenders: tenders, by: actor)
        return Self.answer("Cart checked out successfully", cart)
    }

    /// A checked-out cart's receipt as JSON, text or HTML (API.md 7.4).
    @Sendable func receipt(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        var query = QueryReader(request)
        let (format, width) = PrintedAnswer.format(&query, request: request)
        let actor = CartActor(try await caller.user())
        let cartID = try PathID.integer(context)
        try query.finish()
        let receipt = try await storage.receipt(cartID: cartID, owner: actor.owner)
        return PrintedAnswer.response(format, width: width, message: "Receipt retrieved successfully") {
            PrintedDocument.receipt(receipt)
        } json: { SellingAnswers.writeReceipt(receipt, to: &$0) }
    }

    /// `{"data": <cart with total>, "message": ...}`.
    static func answer(_ message: String, _ cart: Cart, status: HTTPResponse.Status = .ok) -> Response {
        .envelope(message, status: status, capacity: 512 + cart.items.count * 320) { CartAnswers.writeCart(cart, withTotal: true, to: &$0) }
    }
}
