import DukaCore

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
