import DukaCore
import SQLite

/// The SQL of `carts` and `cart_items`.
enum CartStore {
    static let cartColumns = CartColumn.selectList()
    static let itemColumns = CartItemColumn.selectList(table: "i")

    static func decodeCart(_ row: Row) -> Cart {
        var cart = Cart(
            id: row.int64(CartColumn.id), userID: row.int64(CartColumn.userID),
            status: Cart.Status(rawValue: row.string(CartColumn.status)) ?? .active,
            createdAt: row.int64(CartColumn.createdAt), updatedAt: row.int64(CartColumn.updatedAt), items: []
        )
        cart.branchID = row.int64(CartColumn.branchID)
        cart.receiptNumber = row.optionalString(CartColumn.receiptNumber)
        cart.isPaid = row.string(CartColumn.paymentStatus) == "paid"
        cart.changeCents = row.int64(CartColumn.changeCents)
        cart.shiftID = row.optionalInt64(CartColumn.shiftID)
        cart.cashier = row.optionalString(CartColumn.cashier)
        cart.refundedCents = row.int64(CartColumn.refundedCents)
        return cart
    }

    static func decodeItem(_ row: Row) -> CartItem {
        var item = CartItem(
            id: row.int64(CartItemColumn.id), cartID: row.int64(CartItemColumn.cartID),
            productID: row.int64(CartItemColumn.productID), quantityMilli: row.int64(CartItemColumn.quantityMilli),
            saleChannel: CartItem.SaleChannel(rawValue: row.string(CartItemColumn.saleChannel)) ?? .inStore,
            unitPriceCents: row.int64(CartItemColumn.unitPriceCents),
            createdAt: row.int64(CartItemColumn.createdAt), updatedAt: row.int64(CartItemColumn.updatedAt)
        )
        item.taxClass = TaxClass(rawValue: row.string(CartItemColumn.taxClass)) ?? .b
        return item
    }

    /// `carts` with their tenders filled in (one query for all of them).
    static func withPayments(_ carts: [Cart], in db: Connection) throws -> [Cart] {
        let paid = carts.filter(\.isPaid).map(\.id)
        guard !paid.isEmpty else { return carts }
        var byCart: [Int64: [Payment]] = [:]
        _ = try db.query(
            SellingSQL.payments(of: "cart_id", idCondition: SellingStore.idIn("cart_id")), SellingStore.idList(paid)
        ) { row in byCart[row.int64(Int32(5)), default: []].append(SellingSQL.decodePayment(row)) }
        return carts.map { cart in
            var cart = cart
            cart.payments = byCart[cart.id] ?? []
            return cart
        }
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
