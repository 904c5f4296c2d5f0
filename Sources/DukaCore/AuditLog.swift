import SQLite

/// The SQL of `audit_log`: who changed what, written in the same transaction as the change.
public enum AuditLog {
    public enum TargetType: String, Sendable {
        case user, product, cart
        case cartItem = "cart_item"
    }

    public static func record(
        actor: User, action: String, targetType: TargetType, targetID: String,
        at time: Int64 = Timestamp.now(), in db: Connection
    ) throws {
        try db.execute(
            """
            INSERT INTO audit_log (actor_id, actor_uuid, actor_username, action, target_type, target_id, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """,
            actor.id, actor.uuid, actor.username, action, targetType.rawValue, targetID, time
        )
    }
}
