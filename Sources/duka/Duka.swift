import ArgumentParser

@main
struct Duka: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "duka",
        abstract: "The back office of a small shop: one binary, one SQLite file.",
        subcommands: [Serve.self, Migrate.self, CreateAdmin.self, Backup.self, Copy.self, RotateSecret.self, Generate.self, Version.self],
        defaultSubcommand: Serve.self
    )
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the version of duka and of its schema.")

    func run() {
        print("duka \(Duka.version)")
    }
}
