/// What a first start on an empty database does.
public enum Bootstrap {
    public enum Outcome: Sendable, Equatable {
        /// The database already had users.
        case nothing
        /// A bootstrap admin was created; `generatedPassword` is set when Duka chose it.
        case admin(generatedPassword: String?)
        /// The demo shop was loaded.
        case demo
    }

    public static let adminUsername = "admin"
    public static let adminEmail = "admin@duka.local"

    public static func run(storage: any Storage, hasher: PasswordHasher, demo: Bool, adminPassword: String?) async throws -> Outcome {
        guard try await !storage.hasUsers() else { return .nothing }
        if demo {
            return try await storage.loadDemo(hasher: hasher) ? .demo : .nothing
        }
        let generated = adminPassword == nil ? randomPassword() : nil
        let hash = try await hasher.hash(adminPassword ?? generated!)
        let created = try await storage.insertFirstAdmin(
            NewUser(username: adminUsername, email: adminEmail, passwordHash: hash, role: .admin,
                    profile: .init(fullName: "Duka Administrator"))
        )
        return created ? .admin(generatedPassword: generated) : .nothing
    }

    /// 20 characters from an alphabet without look-alikes (about 115 bits).
    public static func randomPassword() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet.randomElement(using: &generator)! })
    }
}
