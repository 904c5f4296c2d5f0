/// The JSON shapes of a user (API.md 3 and 4.1), each written by one function from a
/// decoded `User` or an engine's row alike. Keys are in sorted order, as `JSON` encodes them.
/// Inlinable, so that each engine's row type gets its own specialised copy (the hot lists
/// write 20 rows of 16 fields from it).
public enum UserAnswers {
    public typealias Fields = RowView<UserColumn>

    /// `<user>`: list items and create/update/toggle answers of `/api/v1/users`.
    @inlinable
    public static func writeSummary(_ user: some Fields, to out: inout JSONWriter) {
        out.beginObject()
        out.key("created_at"); out.timestamp(user.int64(.createdAt))
        out.key("email"); user.withUTF8(.email) { out.optionalString(utf8: $0) }
        out.key("id"); user.withUTF8(.uuid) { out.optionalString(utf8: $0) }
        out.key("is_active"); out.bool(user.bool(.isActive))
        out.key("role"); user.withUTF8(.role) { out.optionalString(utf8: $0) }
        out.key("updated_at"); out.timestamp(user.int64(.updatedAt))
        out.key("username"); user.withUTF8(.username) { out.optionalString(utf8: $0) }
        out.endObject()
    }

    /// `<user detail>`: `<user>` and the profile (get by id, me, register).
    @inlinable
    public static func writeDetail(_ user: some Fields, to out: inout JSONWriter) {
        out.beginObject()
        out.key("county"); user.withUTF8(.county) { out.optionalString(utf8: $0) }
        out.key("created_at"); out.timestamp(user.int64(.createdAt))
        out.key("deleted_at"); out.optionalTimestamp(user.optionalInt64(.deletedAt))
        out.key("email"); user.withUTF8(.email) { out.optionalString(utf8: $0) }
        out.key("full_name"); user.withUTF8(.fullName) { out.optionalString(utf8: $0) }
        out.key("id"); user.withUTF8(.uuid) { out.optionalString(utf8: $0) }
        out.key("id_number"); user.withUTF8(.idNumber) { out.optionalString(utf8: $0) }
        out.key("is_active"); out.bool(user.bool(.isActive))
        out.key("phone_number"); user.withUTF8(.phoneNumber) { out.optionalString(utf8: $0) }
        out.key("role"); user.withUTF8(.role) { out.optionalString(utf8: $0) }
        out.key("street"); user.withUTF8(.street) { out.optionalString(utf8: $0) }
        out.key("town"); user.withUTF8(.town) { out.optionalString(utf8: $0) }
        out.key("updated_at"); out.timestamp(user.int64(.updatedAt))
        out.key("username"); user.withUTF8(.username) { out.optionalString(utf8: $0) }
        out.endObject()
    }

    /// The employee portal's customer (integer `id`, plus `uuid`). With `carts`, the
    /// portal's detail: the customer plus `carts` and `total_carts`.
    @inlinable
    public static func writeCustomer(_ user: some Fields, carts: [Cart]? = nil, to out: inout JSONWriter) {
        out.beginObject()
        if let carts {
            out.key("carts")
            out.beginArray()
            for cart in carts { CartAnswers.writeCart(cart, withTotal: false, to: &out) }
            out.endArray()
        }
        out.key("county"); user.withUTF8(.county) { out.optionalString(utf8: $0) }
        out.key("created_at"); out.timestamp(user.int64(.createdAt))
        out.key("deleted_at"); out.optionalTimestamp(user.optionalInt64(.deletedAt))
        out.key("email"); user.withUTF8(.email) { out.optionalString(utf8: $0) }
        out.key("full_name"); user.withUTF8(.fullName) { out.optionalString(utf8: $0) }
        out.key("id"); out.int(user.int64(.id))
        out.key("id_number"); user.withUTF8(.idNumber) { out.optionalString(utf8: $0) }
        out.key("is_active"); out.bool(user.bool(.isActive))
        out.key("phone_number"); user.withUTF8(.phoneNumber) { out.optionalString(utf8: $0) }
        out.key("role"); user.withUTF8(.role) { out.optionalString(utf8: $0) }
        out.key("street"); user.withUTF8(.street) { out.optionalString(utf8: $0) }
        if let carts { out.key("total_carts"); out.int(Int64(carts.count)) }
        out.key("town"); user.withUTF8(.town) { out.optionalString(utf8: $0) }
        out.key("updated_at"); out.timestamp(user.int64(.updatedAt))
        out.key("username"); user.withUTF8(.username) { out.optionalString(utf8: $0) }
        out.key("uuid"); user.withUTF8(.uuid) { out.optionalString(utf8: $0) }
        out.endObject()
    }
}
