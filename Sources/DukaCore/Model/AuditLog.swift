/// The audit log: who changed what (API.md section 6). Written by the stores in the same
/// transaction as the change.
public enum AuditLog {
    public enum TargetType: String, Sendable {
        case user, product, cart
        case cartItem = "cart_item"
        case shop, branch, refund, shift
    }

    /// Every action Duka records.
    public static let actions: Set<String> = [
        "user.create", "user.update", "user.toggle_status", "user.delete",
        "customer.soft_delete", "customer.restore", "customer.activate", "customer.deactivate",
        "product.create", "product.update", "product.delete",
        "cart.create", "cart.add_item", "cart.update_item", "cart.remove_item", "cart.checkout", "cart.abandon",
        "shop.update", "branch.create", "branch.update", "refund.create", "shift.open", "shift.cash", "shift.close",
        "stock.receive", "stock.adjust", "stock.transfer",
    ]

    public struct Entry: Sendable, Equatable {
        public var id: Int64
        public var actorUUID: String
        public var actorUsername: String
        public var action: String
        public var targetType: String
        public var targetID: String
        public var createdAt: Int64

        public init(id: Int64, actorUUID: String, actorUsername: String, action: String, targetType: String, targetID: String, createdAt: Int64) {
            self.id = id
            self.actorUUID = actorUUID
            self.actorUsername = actorUsername
            self.action = action
            self.targetType = targetType
            self.targetID = targetID
            self.createdAt = createdAt
        }
    }

    /// Which entries a page of the log shows.
    public struct Filter: Sendable {
        public var actorUUID: String?
        public var action: String?

        public init(actorUUID: String? = nil, action: String? = nil) {
            self.actorUUID = actorUUID
            self.action = action
        }
    }
}
