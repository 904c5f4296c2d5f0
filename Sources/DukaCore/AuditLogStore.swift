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
        var conditions: [String] = []
        var arguments: [any SQLBindable] = []
        if let actorUUID {
            conditions.append("actor_uuid = ?")
            arguments.append(actorUUID)
        }
        if let action {
            conditions.append("action = ?")
            arguments.append(action)
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let total = try db.scalarInt("SELECT COUNT(*) FROM audit_log \(whereClause)", arguments: arguments) ?? 0
        guard let offset = page.offset, offset < total else { return Page(items: [], total: total, request: page) }
        let entries = try db.query(
            """
            SELECT id, actor_uuid, actor_username, action, target_type, target_id, created_at
            FROM audit_log \(whereClause) ORDER BY id DESC LIMIT ? OFFSET ?
            """,
            arguments: arguments + [page.size, offset]
        ) { row in
            Entry(
                id: row.int64(0), actorUUID: row.string(1), actorUsername: row.string(2), action: row.string(3),
                targetType: row.string(4), targetID: row.string(5), createdAt: row.int64(6)
            )
        }
        return Page(items: entries, total: total, request: page)
    }
}
