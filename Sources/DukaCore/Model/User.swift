/// A row of `users`: staff and customers alike.
public struct User: Sendable, Equatable {
    public var id: Int64
    public var uuid: String
    public var username: String
    public var email: String
    public var passwordHash: String
    public var role: Role
    public var profile: Profile
    public var isActive: Bool
    public var deletedAt: Int64?
    public var sessionVersion: Int64
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(id: Int64, uuid: String, username: String, email: String, passwordHash: String, role: Role, profile: Profile, isActive: Bool, deletedAt: Int64?, sessionVersion: Int64, createdAt: Int64, updatedAt: Int64) {
        self.id = id
        self.uuid = uuid
        self.username = username
        self.email = email
        self.passwordHash = passwordHash
        self.role = role
        self.profile = profile
        self.isActive = isActive
        self.deletedAt = deletedAt
        self.sessionVersion = sessionVersion
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The optional personal fields (API.md 4.3), each at most 100 characters.
    public struct Profile: Sendable, Equatable {
        public var fullName: String?
        public var idNumber: String?
        public var phoneNumber: String?
        public var county: String?
        public var town: String?
        public var street: String?

        public init(fullName: String? = nil, idNumber: String? = nil, phoneNumber: String? = nil,
                    county: String? = nil, town: String? = nil, street: String? = nil) {
            self.fullName = fullName
            self.idNumber = idNumber
            self.phoneNumber = phoneNumber
            self.county = county
            self.town = town
            self.street = street
        }
    }

    public var isDeleted: Bool { deletedAt != nil }
}

/// What it takes to insert a user; the password is already hashed.
public struct NewUser: Sendable {
    public var uuid: String
    public var username: String
    public var email: String
    public var passwordHash: String
    public var role: Role
    public var profile: User.Profile
    public var isActive: Bool
    public var deletedAt: Int64?
    public var createdAt: Int64

    public init(uuid: String = UUIDString.random(), username: String, email: String, passwordHash: String, role: Role,
                profile: User.Profile = .init(), isActive: Bool = true, deletedAt: Int64? = nil,
                createdAt: Int64 = Timestamp.now()) {
        self.uuid = uuid
        self.username = username
        self.email = email
        self.passwordHash = passwordHash
        self.role = role
        self.profile = profile
        self.isActive = isActive
        self.deletedAt = deletedAt
        self.createdAt = createdAt
    }
}
