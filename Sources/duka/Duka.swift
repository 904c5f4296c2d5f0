import ArgumentParser
import DukaCore
import SQLite

@main
struct Duka: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "duka",
        abstract: "The back office of a small shop: one binary, one SQLite file.",
        version: Version.text,
        subcommands: [Serve.self, Migrate.self, CreateAdmin.self, Backup.self, Restore.self, Check.self, Copy.self, RotateSecret.self, Generate.self, Version.self],
        defaultSubcommand: Serve.self
    )
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the version of duka, the commit it was built from, and its engines'.")

    /// What `duka --version` and `duka version` print.
    static var text: String {
        """
        duka \(BuildInfo.version)
        commit \(builtCommit)
        sqlite \(Connection.libraryVersion)
        postgresql client postgres-nio 1.33 (protocol 3; a server's own version is in /metrics)
        """
    }

    func run() {
        print(Self.text)
    }
}
