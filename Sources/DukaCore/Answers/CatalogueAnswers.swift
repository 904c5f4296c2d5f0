/// The JSON shapes of products, carts and cart lines (API.md section 5), keys in sorted order.
public enum ProductAnswers {
    public static func write(_ product: Product, to out: inout JSONWriter) {
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
}

public enum CartAnswers {
    public static func writeItem(_ item: CartItem, to out: inout JSONWriter) {
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

    /// The portal's cart (its lines and their count); with `total`, the `/api/v1/carts` cart.
    public static func writeCart(_ cart: Cart, withTotal: Bool, to out: inout JSONWriter) {
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
}
