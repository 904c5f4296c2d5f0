import ArgumentParser
import DukaCore
import DukaPostgres
import DukaSQLite
import DukaHTTP
import Hummingbird
import Logging
import NIOCore
import SQLite

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open (or create) the database, migrate it and serve the API until SIGINT/SIGTERM."
    )

    @Option(help: "Address to listen on (env DUKA_HOST; default 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on (env DUKA_PORT; default 8080).") var port: Int?
    @OptionGroup var database: DatabaseOptions
    @Flag(help: "Load the demo shop into an empty database (env DUKA_DEMO).") var demo = false
    @Option(help: "With --demo: put the demo shop back as new every MINUTES while serving, for a public kiosk (env DUKA_RESET_EVERY).")
    var resetEvery: Int?
    @Flag(help: "A fresh demo shop in a temporary file on every start, removed at exit; not with --db (env DUKA_EPHEMERAL).")
    var ephemeral = false
    @Option(help: "trace, debug, info, notice, warning, error or critical (env DUKA_LOG_LEVEL).") var logLevel: String?
    @Option(help: "text, or json: one object per line (env DUKA_LOG_FORMAT; default text).") var logFormat: String?
    @Option(help: "bcrypt cost, 4...31 (env DUKA_BCRYPT_COST; default 12).") var bcryptCost: Int?
    @Option(help: "Token lifetime in seconds (env DUKA_TOKEN_TTL; default 86400).") var tokenTtl: Int?
    @Option(help: "SQLite: reader connections and worker threads; PostgreSQL: pooled connections (env DUKA_READERS; default: the core count, 16 on PostgreSQL).") var readers: Int?
    @Flag(help: "Mark the session cookie Secure even without HTTPS (env DUKA_SECURE_COOKIES).") var secureCookies = false
    @Option(help: "An origin allowed to call the API from a browser, e.g. https://shop.example.com; repeatable (env DUKA_CORS_ORIGINS, comma-separated). None by default.")
    var corsOrigin: [String] = []
    @Option(help: "Serve HTTPS with this PEM certificate chain (env DUKA_TLS_CERT); needs --tls-key.") var tlsCert: String?
    @Option(help: "The PEM private key for --tls-cert (env DUKA_TLS_KEY).") var tlsKey: String?
    @Option(help: "Seconds before an idle or stalled connection is closed (env DUKA_IDLE_TIMEOUT; default 30).") var idleTimeout: Int?
    @Option(help: "Connections served at once; more wait (env DUKA_MAX_CONNECTIONS; default 1000).") var maxConnections: Int?
    @Option(help: "Seconds a request (head and body) may take to arrive; then 408 and close (env DUKA_REQUEST_TIMEOUT; default 30).")
    var requestTimeout: Int?
    @Option(help: "A proxy (address or CIDR range) whose X-Forwarded-For names the client; repeatable (env DUKA_TRUSTED_PROXIES, comma-separated). None by default.")
    var trustedProxy: [String] = []
    @Option(help: "Customer registrations allowed per client address in 15 minutes (env DUKA_REGISTRATION_LIMIT; default 30).")
    var registrationLimit: Int?
    @Flag(help: "Litestream replicates the file and checkpoints its WAL: no automatic checkpoints, none at exit (env DUKA_LITESTREAM; docs/OPERATIONS.md).")
    var litestream = false
    @Option(help: "Take a checked backup of the database into this directory while serving (env DUKA_BACKUP_DIR; SQLite only).")
    var backupDir: String?
    @Option(help: "Seconds between scheduled backups (env DUKA_BACKUP_EVERY; default 3600).") var backupEvery: Int?
    @Option(help: "Scheduled backups kept; older ones are removed (env DUKA_BACKUP_KEEP; default 24).") var backupKeep: Int?
    @Option(help: "Serve GET /metrics (Prometheus) to callers with 'Authorization: Bearer TOKEN' (env DUKA_METRICS_TOKEN; at least 16 characters). Not served without it.")
    var metricsToken: String?

    func run() async throws {
        var database = self.database
        var temporary: String?
        if try Env.bool("DUKA_EPHEMERAL", flag: ephemeral) {
            guard database.path == nil, Env.string("DUKA_DB") == nil else {
                throw ValidationError("--ephemeral makes its own temporary database: leave out --db (and DUKA_DB)")
            }
            let directory = try Self.makeTemporaryDirectory()
            temporary = directory
            database.path = directory + "/duka.sqlite"
        }
        defer { if let temporary { try? FileManager.default.removeItem(atPath: temporary) } }
        var configuration = DukaConfiguration()
        configuration.host = host ?? Env.string("DUKA_HOST") ?? "127.0.0.1"
        configuration.port = try Env.int("DUKA_PORT", flag: port, default: 8080, range: 0...65535)
        configuration.databasePath = database.resolvedPath
        configuration.demo = try Env.bool("DUKA_DEMO", flag: demo) || temporary != nil
        if let minutes = try Env.optionalInt("DUKA_RESET_EVERY", flag: resetEvery, range: 1...10_080) {
            guard configuration.demo else { throw ValidationError("--reset-every puts the demo shop back: it needs --demo (or --ephemeral)") }
            configuration.demoResetEvery = .seconds(minutes * 60)
        }
        configuration.logLevel = try Env.logLevel(flag: logLevel)
        configuration.bcryptCost = try Env.int("DUKA_BCRYPT_COST", flag: bcryptCost, default: 12, range: PasswordHasher.allowedCosts)
        configuration.tokenTTL = Int64(try Env.int("DUKA_TOKEN_TTL", flag: tokenTtl, default: 86_400, range: 60...31_536_000))
        configuration.readers = try Env.int("DUKA_READERS", flag: readers, default: database.isPostgres ? 16 : System.coreCount, range: 1...256)
        configuration.secureCookies = try Env.bool("DUKA_SECURE_COOKIES", flag: secureCookies)
        configuration.corsOrigins = try Env.list("DUKA_CORS_ORIGINS", flag: corsOrigin)
        configuration.tlsCertificatePath = tlsCert ?? Env.string("DUKA_TLS_CERT")
        configuration.tlsKeyPath = tlsKey ?? Env.string("DUKA_TLS_KEY")
        configuration.idleTimeout = Double(try Env.int("DUKA_IDLE_TIMEOUT", flag: idleTimeout, default: 30, range: 1...3600))
        configuration.maxConnections = try Env.int("DUKA_MAX_CONNECTIONS", flag: maxConnections, default: 1000, range: 1...100_000)
        configuration.requestTimeout = Double(try Env.int("DUKA_REQUEST_TIMEOUT", flag: requestTimeout, default: 30, range: 1...3600))
        configuration.trustedProxies = try Env.list("DUKA_TRUSTED_PROXIES", flag: trustedProxy).map { text in
            guard let range = IPRange(text) else { throw ValidationError("\(text) is not an IP address or CIDR range (e.g. 10.0.0.0/8)") }
            return range
        }
        configuration.registrationLimits.perAddress = try Env.int(
            "DUKA_REGISTRATION_LIMIT", flag: registrationLimit, default: 30, range: 1...1_000_000
        )
        configuration.allowSharedFile = try database.sharedFile()
        configuration.jwtSecret = Env.string("DUKA_JWT_SECRET")
        configuration.adminPassword = Env.string("DUKA_ADMIN_PASSWORD")
        configuration.commit = builtCommit
        if let directory = backupDir ?? Env.string("DUKA_BACKUP_DIR") {
            guard !database.isPostgres else {
                throw ValidationError("""
                    --backup-dir is for a SQLite file; back up PostgreSQL with pg_dump or pg_basebackup \
                    (docs/OPERATIONS.md), or take a SQLite copy with duka copy --from URL --to FILE
                    """)
            }
            do {
                try PrivateFiles.createDirectoryIfAbsent(directory)
            } catch {
                throw ValidationError("--backup-dir: \(error)")
            }
            configuration.backups = BackupSchedule(
                directory: directory,
                every: .seconds(try Env.int("DUKA_BACKUP_EVERY", flag: backupEvery, default: 3600, range: 1...31_536_000)),
                keep: try Env.int("DUKA_BACKUP_KEEP", flag: backupKeep, default: 24, range: 1...100_000)
            )
        } else if backupEvery != nil || backupKeep != nil {
            throw ValidationError("--backup-every and --backup-keep need --backup-dir")
        }
        if let token = metricsToken ?? Env.string("DUKA_METRICS_TOKEN") {
            guard token.utf8.count >= 16, token.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
                throw ValidationError("--metrics-token must be at least 16 characters, printable ASCII without spaces")
            }
            configuration.metricsToken = token
            // Before the database opens, so that its instruments record into Prometheus.
            DukaMetrics.bootstrap()
        }

        let logger = Env.makeLogger(level: configuration.logLevel, format: try Env.logFormat(flag: logFormat))
        let server: DukaServer
        do {
            let underLitestream = try Env.bool("DUKA_LITESTREAM", flag: litestream)
            if underLitestream && database.isPostgres { throw ValidationError("--litestream is for a SQLite file") }
            let storage = try await database.openStorage(
                connections: configuration.readers, logger: logger, externalCheckpoints: underLitestream
            ) { tightened in
                logger.warning("\(tightened)")
            }
            server = try await DukaServer.make(configuration, storage: storage, logger: logger)
        } catch let error as DukaDatabaseError {
            logger.critical("\(error.description)")
            throw ExitCode(1)
        } catch let error as PostgresLocation.Invalid {
            logger.critical("--db: \(error.description)")
            throw ExitCode(2)
        } catch let error as PGMigrations.TooNew {
            logger.critical("\(database.displayName): \(error.description)")
            throw ExitCode(1)
        } catch let error as StorageError {
            logger.critical("\(database.displayName): \(error.description)")
            throw ExitCode(1)
        } catch let error as ConfigurationError {
            logger.critical("\(error.description)")
            throw ExitCode(2)
        }
        switch server.bootstrap {
        case .admin(let generated?):
            // The password never enters the log stream: the terminal, else a 0600 file.
            logger.notice("created the bootstrap admin 'admin' (admin@duka.local) with a generated password")
            // On PostgreSQL there is no database file to sit beside: ./duka.admin-password.
            BootstrapPassword.hand(generated, databasePath: database.isPostgres ? "./duka" : configuration.databasePath, logger: logger)
        case .admin(nil):
            logger.notice("created the bootstrap admin 'admin' (admin@duka.local) with the password from DUKA_ADMIN_PASSWORD")
        case .demo:
            logger.notice("loaded the demo shop; the demo logins are listed in the README")
        case .nothing:
            break
        }
        let scheme = configuration.usesTLS ? "https" : "http"
        logger.notice("duka \(BuildInfo.version) serving \(database.displayName) on \(scheme)://\(configuration.host):\(configuration.port)")
        if let temporary { logger.notice("an ephemeral demo shop in \(temporary), removed at exit") }
        if let every = configuration.demoResetEvery {
            logger.notice("a demo kiosk: the demo shop is put back as new every \(every.components.seconds / 60) minutes")
        }
        try await server.application.runService()
    }

    /// A new private directory under the system's temporary directory.
    static func makeTemporaryDirectory() throws -> String {
        var template = Array((FileManager.default.temporaryDirectory.path + "/duka-ephemeral-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw ValidationError("--ephemeral: cannot make a temporary directory")
        }
        return String(cString: made)
    }
}
