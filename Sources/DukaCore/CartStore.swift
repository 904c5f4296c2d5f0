import SQLite

/// The SQL of `carts` and `cart_items`.
public enum CartStore {
    static let cartColumns = "id, user_id, status, created_at, updated_at"
    static let itemColumns = "i.id, i.cart_id, i.product_id, i.quantity_milli, i.sale_channel, i.unit_price_cents, i.created_at, i.updated_at"

    static func decodeCart(_ row: Row) -> Cart {
        Cart(
            id: row.int64(0), userID: row.int64(1), status: Cart.Status(rawValue: row.string(2)) ?? .active,
            createdAt: row.int64(3), updatedAt: row.int64(4), items: []
        )
    }

    static func decodeItem(_ row: Row) -> CartItem {
        CartItem(
            id: row.int64(0), cartID: row.int64(1), productID: row.int64(2), quantityMilli: row.int64(3),
            saleChannel: CartItem.SaleChannel(rawValue: row.string(4)) ?? .inStore, unitPriceCents: row.int64(5),
            createdAt: row.int64(6), updatedAt: row.int64(7)
        )
    }

    /// Every cart of a user, newest first, each with its lines by id: two queries,
    /// whatever the number of carts.
    public static func carts(ofUser userID: Int64, in db: Connection) throws -> [Cart] {
        var carts = try db.query(
            "SELECT \(cartColumns) FROM carts WHERE user_id = ? ORDER BY created_at DESC, id DESC",
            userID, row: decodeCart
        )
        guard !carts.isEmpty else { return [] }
        let items = try db.query(
            """
            SELECT \(itemColumns) FROM cart_items AS i JOIN carts AS c ON c.id = i.cart_id
            WHERE c.user_id = ? ORDER BY i.cart_id, i.id
            """,
            userID, row: decodeItem
        )
        let byCart = Dictionary(grouping: items, by: \.cartID)
        for index in carts.indices {
            carts[index].items = byCart[carts[index].id] ?? []
        }
        return carts
    }

    public static func count(in db: Connection) throws -> Int64 {
        try Counters.value(.carts, in: db)
    }
}
