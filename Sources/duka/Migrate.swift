import ArgumentParser
import DukaCore
import DukaPostgres
import DukaSQLite
import SQLite

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or migrate the database (file or PostgreSQL), then exit.")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        if database.isPostgres {
            let storage = try await database.openStorageForCommand()
            let version = try await (storage as! PostgresStorage).schemaVersion()
            await storage.close()
            print("\(database.displayName): schema version \(version) (latest \(PGMigrations.latestVersion))")
            return
        }
        let path = database.resolvedPath
        let db = try database.open(configuration: .init(readers: 1))
        let version = try await db.read { try Migrations.version(of: $0) }
        await db.close()
        print("\(path): schema version \(version) (latest \(Migrations.latestVersion))")
    }
}

func printError(_ message: String) {
    var standardError = StandardError()
    print("duka: \(message)", to: &standardError)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        var bytes = Array(string.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
