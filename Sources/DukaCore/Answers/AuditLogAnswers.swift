/// The audit log's entry (API.md section 6), keys in sorted order.
public enum AuditLogAnswers {
    public static func writeEntry(_ entry: AuditLog.Entry, to out: inout JSONWriter) {
        out.beginObject()
        out.key("action"); out.string(entry.action)
        out.key("actor_id"); out.string(entry.actorUUID)
        out.key("actor_username"); out.string(entry.actorUsername)
        out.key("created_at"); out.timestamp(entry.createdAt)
        out.key("id"); out.int(entry.id)
        out.key("target_id"); out.string(entry.targetID)
        out.key("target_type"); out.string(entry.targetType)
        out.endObject()
    }
}
