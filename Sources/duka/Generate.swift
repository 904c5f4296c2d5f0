import ArgumentParser
import DukaCore
import DukaSQLite
import SQLite

#if canImport(Glibc)
import Glibc
#endif

struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fill a new database with a large, deterministic shop for benchmarks.",
        discussion: """
            Customers log in with the password duka-customer-demo; the admin is created as on a first \
            start (DUKA_ADMIN_PASSWORD, or a random password printed once).
            """
    )

    @OptionGroup var database: DatabaseOptions
    @Option(help: "How many customers (about 0.5 carts each, 1-5 lines per cart, 3% soft-deleted).") var customers = 100_000
    @Option(help: "The seed: the same seed gives the same data.") var seed: UInt64 = 1
    @Option(help: "bcrypt cost for the shared customer password and the admin, 4...31.") var bcryptCost = 10

    func validate() throws {
        guard (1...10_000_000).contains(customers) else { throw ValidationError("--customers must be within 1...10000000") }
        guard PasswordHasher.allowedCosts.contains(bcryptCost) else { throw ValidationError("--bcrypt-cost must be within 4...31") }
    }

    func run() async throws {
        let started = ContinuousClock.now
        let db = try database.open(configuration: .init(readers: 1, synchronous: .normal, writerCacheKiB: 262_144, writerTempStoreInMemory: true))
        let hasher = PasswordHasher(cost: bcryptCost, threads: 1)
        let existing = try await db.read { try Counters.value(.customersAll, in: $0) }
        guard existing == 0 else {
            printError("\(database.resolvedPath) already has customers; generate into a new file")
            await db.close()
            throw ExitCode(1)
        }
        if case .admin(let generated?) = try await Bootstrap.run(
            storage: SQLiteStorage(database: db), hasher: hasher, demo: false, adminPassword: Env.string("DUKA_ADMIN_PASSWORD")
        ) {
            print("created the admin 'admin' with password: \(generated)")
        }
        let hash = try await hasher.hash(DemoSeed.customerPassword)
        // Batches of 100,000 customers a transaction: at 1,000,000, fewer commits rewrite
        // fewer randomly dirtied index pages (rows 74 s at 50,000, 65 s at 100,000 and at
        // 200,000, for a peak RSS of 530, 625 and 785 MB).
        let summary = try await DataGenerator.run(customers: customers, seed: seed, passwordHash: hash, database: db, batch: 100_000)
        await hasher.shutdown()
        await db.close()
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        print("generated \(summary.customers) customers, \(summary.products) products, \(summary.carts) carts, \(summary.lines) lines in \((seconds * 10).rounded() / 10)s")
        print("  " + summary.steps.map { "\($0.name) \(($0.seconds * 10).rounded() / 10)s" }.joined(separator: ", "))
    }
}
