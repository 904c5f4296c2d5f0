import ArgumentParser
import DukaCore
import DukaSQLite
import SQLite

struct CreateAdmin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create an admin account. The password comes from DUKA_ADMIN_PASSWORD or standard input, never from a flag."
    )

    @OptionGroup var database: DatabaseOptions
    @Option(help: "The new admin's username.") var username: String
    @Option(help: "The new admin's email address.") var email: String
    @Option(help: "bcrypt cost, 4...31 (env DUKA_BCRYPT_COST; default 12).") var bcryptCost: Int?

    func run() async throws {
        let password = Env.string("DUKA_ADMIN_PASSWORD") ?? readPassword()
        let problems = [
            UserRules.username(username).map { "username \($0)" },
            UserRules.email(email).map { "email \($0)" },
            password.flatMap(UserRules.password).map { "password \($0)" } ?? (password == nil ? "password is required (DUKA_ADMIN_PASSWORD or standard input)" : nil),
        ].compactMap { $0 }
        guard problems.isEmpty, let password else {
            printError(problems.joined(separator: "; "))
            throw ExitCode(2)
        }
        let cost = try Env.int("DUKA_BCRYPT_COST", flag: bcryptCost, default: 12, range: PasswordHasher.allowedCosts)
        let storage = try await database.openStorageForCommand()
        let hasher = PasswordHasher(cost: cost, threads: 1)
        defer { Task { await hasher.shutdown() } }
        let hash = try await hasher.hash(password)
        do {
            _ = try await storage.createUser(NewUser(username: username, email: email, passwordHash: hash, role: .admin), by: nil)
            await storage.close()
        } catch UserChangeError.duplicate(let taken) {
            await storage.close()
            printError("\(taken.joined(separator: " and ")) already taken")
            throw ExitCode(1)
        }
        print("created admin \(username)")
    }

    private func readPassword() -> String? {
        guard let line = readLine(strippingNewline: true), !line.isEmpty else { return nil }
        return line
    }
}
