import DukaCore
import SQLite

/// The SQL of `carts` and `cart_items`.
enum CartStore {
    static let cartColumns = CartColumn.selectList()
    static let itemColumns = CartItemColumn.selectList(table: "i")

    static func decodeCart(_ row: Row) -> Cart {
        Cart(
            id: row.int64(CartColumn.id), userID: row.int64(CartColumn.userID),
            status: Cart.Status(rawValue: row.string(CartColumn.status)) ?? .active,
            createdAt: row.int64(CartColumn.createdAt), updatedAt: row.int64(CartColumn.updatedAt), items: []
        )
    }

    static func decodeItem(_ row: Row) -> CartItem {
        CartItem(
            id: row.int64(CartItemColumn.id), cartID: row.int64(CartItemColumn.cartID),
            productID: row.int64(CartItemColumn.productID), quantityMilli: row.int64(CartItemColumn.quantityMilli),
            saleChannel: CartItem.SaleChannel(rawValue: row.string(CartItemColumn.saleChannel)) ?? .inStore,
            unitPriceCents: row.int64(CartItemColumn.unitPriceCents),
            createdAt: row.int64(CartItemColumn.createdAt), updatedAt: row.int64(CartItemColumn.updatedAt)
        )
    }

    /// Every cart of a user, newest first, each with its lines by id: two queries,
    /// whatever the number of carts.
    static func carts(ofUser userID: Int64, in db: Connection) throws -> [Cart] {
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

    static func count(in db: Connection) throws -> Int64 {
        try Counters.value(.carts, in: db)
    }
}
