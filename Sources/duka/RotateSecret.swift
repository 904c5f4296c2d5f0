import ArgumentParser
import DukaCore
import DukaSQLite
import SQLite

struct RotateSecret: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-secret",
        abstract: "Replace the stored token signing secret: every session ends, the old secret is gone.",
        discussion: """
            Safe while duka serves the file: every token stops working at once, and the server signs \
            with the new secret within a few seconds. When DUKA_JWT_SECRET is set, the server uses that \
            instead of the stored secret: change the variable and restart.
            """
    )

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        // A mistyped path must not "succeed" on a new, empty database.
        guard database.isPostgres || PrivateFiles.mode(of: database.resolvedPath) != nil else {
            printError("\(database.resolvedPath) does not exist")
            throw ExitCode(1)
        }
        let storage = try await database.openStorageForCommand()
        guard try await storage.hasUsers() else {
            // On PostgreSQL a mistyped database name is an empty schema, just made.
            await storage.close()
            printError("\(database.displayName) has no users: is it the right database?")
            throw ExitCode(1)
        }
        let ended = try await storage.rotateSigningSecret()
        await storage.close()
        print("rotated the token signing secret of \(database.displayName); the sessions of all \(ended) users have ended")
        if Env.string("DUKA_JWT_SECRET") != nil {
            printError("DUKA_JWT_SECRET is set: a server started with it signs with that, not with the stored secret")
        }
    }
}
