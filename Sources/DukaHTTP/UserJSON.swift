import DukaCore
import SQLite

/// The JSON shapes of a user (API.md 3 and 4.1).
enum UserJSON {
    /// `<user>`: list items and create/update/toggle answers of `/api/v1/users`.
    static func summary(_ user: User) -> JSON {
        .object(summaryMembers(user))
    }

    /// `<user detail>`: get by id, me, register.
    static func detail(_ user: User) -> JSON {
        var members = summaryMembers(user)
        members.merge(profileMembers(user)) { $1 }
        return .object(members)
    }

    /// The employee portal's customer object (integer `id`, plus `uuid`).
    static func customer(_ user: User) -> [String: JSON] {
        var members = profileMembers(user)
        members["id"] = .int(user.id)
        members["uuid"] = .string(user.uuid)
        members["username"] = .string(user.username)
        members["email"] = .string(user.email)
        members["role"] = .string(user.role.rawValue)
        members["is_active"] = .bool(user.isActive)
        members["created_at"] = .string(Timestamp.iso8601(user.createdAt))
        members["updated_at"] = .string(Timestamp.iso8601(user.updatedAt))
        return members
    }

    /// The customer object written directly (keys in sorted order), for the portal's list.
    /// With `carts`, the portal's detail: the customer plus `carts` and `total_carts`.
    static func writeCustomer(_ user: User, carts: [Cart]? = nil, to out: inout JSONWriter) {
        out.beginObject()
        if let carts {
            out.key("carts")
            out.beginArray()
            for cart in carts { CartJSON.writeCart(cart, withTotal: false, to: &out) }
            out.endArray()
        }
        out.key("county"); out.optionalString(user.profile.county)
        out.key("created_at"); out.timestamp(user.createdAt)
        out.key("deleted_at"); out.optionalTimestamp(user.deletedAt)
        out.key("email"); out.string(user.email)
        out.key("full_name"); out.optionalString(user.profile.fullName)
        out.key("id"); out.int(user.id)
        out.key("id_number"); out.optionalString(user.profile.idNumber)
        out.key("is_active"); out.bool(user.isActive)
        out.key("phone_number"); out.optionalString(user.profile.phoneNumber)
        out.key("role"); out.string(user.role.rawValue)
        out.key("street"); out.optionalString(user.profile.street)
        if let carts { out.key("total_carts"); out.int(Int64(carts.count)) }
        out.key("town"); out.optionalString(user.profile.town)
        out.key("updated_at"); out.timestamp(user.updatedAt)
        out.key("username"); out.string(user.username)
        out.key("uuid"); out.string(user.uuid)
        out.endObject()
    }

    /// `writeCustomer(_:to:)` for a row selected with `UserStore.columns`, written from
    /// SQLite's own bytes: no `User`, no Strings (the portal's list, 20 rows a page).
    static func writeCustomer(row: Row, to out: inout JSONWriter) {
        typealias Column = UserStore.Column
        out.beginObject()
        out.key("county"); row.withUTF8(Column.county) { out.optionalString(utf8: $0) }
        out.key("created_at"); out.timestamp(row.int64(Column.createdAt))
        out.key("deleted_at"); out.optionalTimestamp(row.optionalInt64(Column.deletedAt))
        out.key("email"); row.withUTF8(Column.email) { out.optionalString(utf8: $0) }
        out.key("full_name"); row.withUTF8(Column.fullName) { out.optionalString(utf8: $0) }
        out.key("id"); out.int(row.int64(Column.id))
        out.key("id_number"); row.withUTF8(Column.idNumber) { out.optionalString(utf8: $0) }
        out.key("is_active"); out.bool(row.bool(Column.isActive))
        out.key("phone_number"); row.withUTF8(Column.phoneNumber) { out.optionalString(utf8: $0) }
        out.key("role"); row.withUTF8(Column.role) { out.optionalString(utf8: $0) }
        out.key("street"); row.withUTF8(Column.street) { out.optionalString(utf8: $0) }
        out.key("town"); row.withUTF8(Column.town) { out.optionalString(utf8: $0) }
        out.key("updated_at"); out.timestamp(row.int64(Column.updatedAt))
        out.key("username"); row.withUTF8(Column.username) { out.optionalString(utf8: $0) }
        out.key("uuid"); row.withUTF8(Column.uuid) { out.optionalString(utf8: $0) }
        out.endObject()
    }

    /// `<user>` written directly (keys in sorted order); the users list writes the same
    /// from rows (`writeSummary(row:to:)`).
    static func writeSummary(_ user: User, to out: inout JSONWriter) {
        out.beginObject()
        out.key("created_at"); out.timestamp(user.createdAt)
        out.key("email"); out.string(user.email)
        out.key("id"); out.string(user.uuid)
        out.key("is_active"); out.bool(user.isActive)
        out.key("role"); out.string(user.role.rawValue)
        out.key("updated_at"); out.timestamp(user.updatedAt)
        out.key("username"); out.string(user.username)
        out.endObject()
    }

    /// `writeSummary(_:to:)` for a row selected with `UserStore.columns`, from SQLite's bytes.
    static func writeSummary(row: Row, to out: inout JSONWriter) {
        typealias Column = UserStore.Column
        out.beginObject()
        out.key("created_at"); out.timestamp(row.int64(Column.createdAt))
        out.key("email"); row.withUTF8(Column.email) { out.optionalString(utf8: $0) }
        out.key("id"); row.withUTF8(Column.uuid) { out.optionalString(utf8: $0) }
        out.key("is_active"); out.bool(row.bool(Column.isActive))
        out.key("role"); row.withUTF8(Column.role) { out.optionalString(utf8: $0) }
        out.key("updated_at"); out.timestamp(row.int64(Column.updatedAt))
        out.key("username"); row.withUTF8(Column.username) { out.optionalString(utf8: $0) }
        out.endObject()
    }

    private static func summaryMembers(_ user: User) -> [String: JSON] {
        [
            "id": .string(user.uuid),
            "username": .string(user.username),
            "email": .string(user.email),
            "role": .string(user.role.rawValue),
            "is_active": .bool(user.isActive),
            "created_at": .string(Timestamp.iso8601(user.createdAt)),
            "updated_at": .string(Timestamp.iso8601(user.updatedAt)),
        ]
    }

    private static func profileMembers(_ user: User) -> [String: JSON] {
        [
            "full_name": .optionalString(user.profile.fullName),
            "id_number": .optionalString(user.profile.idNumber),
            "phone_number": .optionalString(user.profile.phoneNumber),
            "county": .optionalString(user.profile.county),
            "town": .optionalString(user.profile.town),
            "street": .optionalString(user.profile.street),
            "deleted_at": user.deletedAt.map { .string(Timestamp.iso8601($0)) } ?? .null,
        ]
    }
}

extension JSON {
    /// The `/api/v1` envelope: `{"message", "data"}`.
    static func envelope(_ message: String, data: JSON? = nil) -> JSON {
        var members: [String: JSON] = ["message": .string(message)]
        if let data { members["data"] = data }
        return .object(members)
    }
}
