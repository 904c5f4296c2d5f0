import SQLite

extension AuditLog {
    /// Every action Duka records (API.md section 6).
    public static let actions: Set<String> = [
        "user.create", "user.update", "user.toggle_status", "user.delete",
        "customer.soft_delete", "customer.restore", "customer.activate", "customer.deactivate",
        "product.create", "product.update", "product.delete",
        "cart.create", "cart.add_item", "cart.update_item", "cart.remove_item", "cart.checkout", "cart.abandon",
    ]

    public struct Entry: Sendable, Equatable {
        public var id: Int64
        public var actorUUID: String
        public var actorUsername: String
        public var action: String
        public var targetType: String
        public var targetID: String
        public var createdAt: Int64
    }

    /// A page of entries, newest first, optionally for one actor and one action.
    public static func list(actorUUID: String?, action: String?, page: PageRequest, in db: Connection) throws -> Page<Entry> {
        var filter = SQLFilter()
        if let actorUUID { filter.add("actor_uuid = ?", actorUUID) }
        if let action { filter.add("action = ?", action) }
        return try db.page(
            of: "audit_log", filter: filter, page: page,
            select: """
                SELECT id, actor_uuid, actor_username, action, target_type, target_id, created_at
                FROM audit_log \(filter.whereClause) ORDER BY id DESC LIMIT ? OFFSET ?
                """
        ) { row in
            Entry(
                id: row.int64(0), actorUUID: row.string(1), actorUsername: row.string(2), action: row.string(3),
                targetType: row.string(4), targetID: row.string(5), createdAt: row.int64(6)
            )
        }
    }
}
