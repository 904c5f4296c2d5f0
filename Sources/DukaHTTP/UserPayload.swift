import DukaCore

/// The user fields of API.md 4.3 read from a JSON body, each checked against `UserRules`.
/// Profile fields keep their presence: absent (unchanged), null (cleared), or a value.
struct UserPayload {
    var username: String?
    var email: String?
    var password: String?
    var role: Role?
    var isActive: Bool?
    var fullName: FieldReader.Field<String> = .absent
    var idNumber: FieldReader.Field<String> = .absent
    var phoneNumber: FieldReader.Field<String> = .absent
    var county: FieldReader.Field<String> = .absent
    var town: FieldReader.Field<String> = .absent
    var street: FieldReader.Field<String> = .absent

    /// Reads and checks every known field; `required` names the fields that must be present.
    /// `ignored` names fields to leave unread (e.g. `role` at registration).
    static func read(_ body: [String: JSON], required: Set<String>, ignored: Set<String> = []) throws -> UserPayload {
        var reader = FieldReader(body)
        var payload = UserPayload()
        func text(_ field: String, _ rule: (String) -> String?) -> String? {
            guard !ignored.contains(field) else { return nil }
            let read = reader.string(field, required: required.contains(field))
            // These fields cannot be cleared.
            if case .null = read { reader.fail(field, "must be a string") }
            let value = read.value
            reader.check(field, value, rule)
            return value
        }
        payload.username = text("username", UserRules.username)
        payload.email = text("email", UserRules.email)
        payload.password = text("password", UserRules.password)
        payload.role = text("role", UserRules.role).flatMap(Role.init(rawValue:))
        if !ignored.contains("is_active") {
            payload.isActive = reader.bool("is_active").value
        }
        func profile(_ field: String, _ extra: ((String) -> String?)? = nil) -> FieldReader.Field<String> {
            let value = reader.string(field, required: required.contains(field))
            reader.check(field, value.value, UserRules.profileText)
            if let extra { reader.check(field, value.value, extra) }
            if required.contains(field), let text = value.value, text.trimmingWhitespaceAndNewlines().isEmpty {
                reader.fail(field, "is required")
            }
            return value
        }
        payload.fullName = profile("full_name")
        payload.idNumber = profile("id_number")
        payload.phoneNumber = profile("phone_number", UserRules.phoneNumber)
        payload.county = profile("county")
        payload.town = profile("town")
        payload.street = profile("street")
        try reader.finish()
        return payload
    }

    /// The changes of a partial update (the password already hashed, when given).
    func changes(passwordHash: String?) -> UserChanges {
        var changes = UserChanges()
        changes.username = username
        changes.email = email
        changes.passwordHash = passwordHash
        changes.role = role
        changes.isActive = isActive
        func clearable(_ field: FieldReader.Field<String>) -> String?? {
            switch field {
            case .absent: return nil
            case .null: return .some(nil)
            case .value(let text): return .some(text)
            }
        }
        changes.fullName = clearable(fullName)
        changes.idNumber = clearable(idNumber)
        changes.phoneNumber = clearable(phoneNumber)
        changes.county = clearable(county)
        changes.town = clearable(town)
        changes.street = clearable(street)
        return changes
    }

    /// The profile for a new user (absent and null both mean none).
    var newProfile: User.Profile {
        User.Profile(
            fullName: fullName.value, idNumber: idNumber.value, phoneNumber: phoneNumber.value,
            county: county.value, town: town.value, street: street.value
        )
    }
}
