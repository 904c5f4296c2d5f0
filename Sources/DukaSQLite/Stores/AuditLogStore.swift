import DukaCore
import SQLite

/// The SQL of `audit_log`.
enum AuditLogStore {
    static let columns = AuditLogColumn.selectList()

    static func record(
        actor: User, action: String, targetType: AuditLog.TargetType, targetID: String,
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

    static func decode(_ row: Row) -> AuditLog.Entry {
        AuditLog.Entry(
            id: row.int64(AuditLogColumn.id), actorUUID: row.string(AuditLogColumn.actorUUID),
            actorUsername: row.string(AuditLogColumn.actorUsername), action: row.string(AuditLogColumn.action),
            targetType: row.string(AuditLogColumn.targetType), targetID: row.string(AuditLogColumn.targetID),
            createdAt: row.int64(AuditLogColumn.createdAt)
        )
    }

    /// A page of entries, newest first, optionally for one actor and one action.
    static func list(_ filter: AuditLog.Filter, page: PageRequest, in db: Connection) throws -> Page<AuditLog.Entry> {
        var sql = SQLFilter()
        if let actorUUID = filter.actorUUID { sql.add("actor_uuid = ?", actorUUID) }
        if let action = filter.action { sql.add("action = ?", action) }
        return try db.page(
            of: "audit_log", filter: sql, page: page,
            select: "SELECT \(columns) FROM audit_log \(sql.whereClause) ORDER BY id DESC LIMIT ? OFFSET ?",
            row: decode
        )
    }
}
