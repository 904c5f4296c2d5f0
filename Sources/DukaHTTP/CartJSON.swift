import DukaCore

/// The JSON shapes of carts and their lines (API.md 3 and 5).
enum CartJSON {
    static func item(_ item: CartItem) -> JSON {
        .object([
            "id": .int(item.id),
            "cart_id": .int(item.cartID),
            "product_id": .int(item.productID),
            "quantity": .string(FixedPoint.quantity(item.quantityMilli)),
            "sale_channel": .string(item.saleChannel.rawValue),
            "unit_price": .string(FixedPoint.money(item.unitPriceCents)),
            "line_total": .string(FixedPoint.money(item.lineTotalCents)),
            "created_at": .string(Timestamp.iso8601(item.createdAt)),
            "updated_at": .string(Timestamp.iso8601(item.updatedAt)),
        ])
    }

    /// The employee portal's cart: lines and their count.
    static func portalCart(_ cart: Cart) -> [String: JSON] {
        [
            "id": .int(cart.id),
            "user_id": .int(cart.userID),
            "status": .string(cart.status.rawValue),
            "created_at": .string(Timestamp.iso8601(cart.createdAt)),
            "updated_at": .string(Timestamp.iso8601(cart.updatedAt)),
            "items": .array(cart.items.map(item)),
            "items_count": .int(cart.items.count),
        ]
    }

    /// `item(_:)` written directly (keys in sorted order).
    static func writeItem(_ item: CartItem, to out: inout JSONWriter) {
        out.beginObject()
        out.key("cart_id"); out.int(item.cartID)
        out.key("created_at"); out.timestamp(item.createdAt)
        out.key("id"); out.int(item.id)
        out.key("line_total"); out.string(FixedPoint.money(item.lineTotalCents))
        out.key("product_id"); out.int(item.productID)
        out.key("quantity"); out.string(FixedPoint.quantity(item.quantityMilli))
        out.key("sale_channel"); out.string(item.saleChannel.rawValue)
        out.key("unit_price"); out.string(FixedPoint.money(item.unitPriceCents))
        out.key("updated_at"); out.timestamp(item.updatedAt)
        out.endObject()
    }

    /// `portalCart(_:)` written directly, with `total` for the `/api/v1` shape.
    static func writeCart(_ cart: Cart, withTotal: Bool, to out: inout JSONWriter) {
        out.beginObject()
        out.key("created_at"); out.timestamp(cart.createdAt)
        out.key("id"); out.int(cart.id)
        out.key("items")
        out.beginArray()
        for item in cart.items { writeItem(item, to: &out) }
        out.endArray()
        out.key("items_count"); out.int(Int64(cart.items.count))
        out.key("status"); out.string(cart.status.rawValue)
        if withTotal { out.key("total"); out.string(FixedPoint.money(cart.totalCents)) }
        out.key("updated_at"); out.timestamp(cart.updatedAt)
        out.key("user_id"); out.int(cart.userID)
        out.endObject()
    }

    /// The `/api/v1/carts` cart: the portal's shape plus `total`.
    static func cart(_ cart: Cart) -> JSON {
        var members = portalCart(cart)
        members["total"] = .string(FixedPoint.money(cart.totalCents))
        return .object(members)
    }
}
