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

    /// The `/api/v1/carts` cart: the portal's shape plus `total`.
    static func cart(_ cart: Cart) -> JSON {
        var members = portalCart(cart)
        members["total"] = .string(FixedPoint.money(cart.totalCents))
        return .object(members)
    }
}
