/// Who acts on carts, and how: a customer on their own carts (online sales), staff on
/// anyone's (in-store sales at the till), and only staff changes are audited.
public struct CartActor: Sendable {
    public let user: User

    public init(_ user: User) {
        self.user = user
    }

    public var isCustomer: Bool { user.role == .customer }
    /// The only owner whose carts the actor may see (nil: any).
    public var owner: Int64? { isCustomer ? user.id : nil }
    public var channel: CartItem.SaleChannel { isCustomer ? .online : .inStore }
    public var auditActor: User? { isCustomer ? nil : user }
}
