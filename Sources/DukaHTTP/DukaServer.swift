import DukaCore
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOSSL
import Logging
import ServiceLifecycle

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Duka assembled: the storage engine (opened by the caller, bootstrapped here), the
/// shared services, and the Hummingbird application serving the API. Used by `duka serve`
/// and the tests.
public struct DukaServer: Sendable {
    public let configuration: DukaConfiguration
    public let storage: any Storage
    public let hasher: PasswordHasher
    public let bootstrap: Bootstrap.Outcome
    public let routes: RouteTable
    /// Failed logins per account and address (kept in memory).
    public let loginThrottle: any AttemptThrottle
    public let application: Application<RouterResponder<DukaRequestContext>>

    public static let minimumSecretLength = 32

    /// Serves `storage`, which the server closes when it stops (or when this throws).
    public static func make(_ configuration: DukaConfiguration, storage: any Storage, logger: Logger) async throws -> DukaServer {
        let hasher = PasswordHasher(cost: configuration.bcryptCost, threads: configuration.readers)
        do {
            let bootstrap = try await Bootstrap.run(
                storage: storage, hasher: hasher, demo: configuration.demo, adminPassword: configuration.adminPassword
            )
            let secret = try await signingSecret(configuration, storage: storage)
            let tokens = await TokenService(secret: secret, lifetime: configuration.tokenTTL)

            let router = Router(context: DukaRequestContext.self)
            let routes = RouteTable(router: router, authenticator: Authenticator(tokens: tokens), storage: storage)
            let connections = CountedConnections(maximum: configuration.maxConnections)
            if configuration.metricsToken != nil {
                // Outermost: it sees every answer, by route pattern (never the raw path).
                router.add(middleware: MetricsMiddleware())
            }
            let proxies = ClientAddressMiddleware(trustedProxies: configuration.trustedProxies)
            router.add(middleware: proxies)
            router.add(middleware: SecurityHeadersMiddleware(allowedOrigins: Set(configuration.corsOrigins)))
            router.add(middleware: ErrorAndLogMiddleware(routes: routes))
            router.add(middleware: CrossSiteRequestMiddleware(
                allowedOrigins: Set(configuration.corsOrigins), proxies: proxies, servesTLS: configuration.usesTLS
            ))
            // Counted in the database when instances share it (PostgreSQL), else here.
            let loginThrottle = storage.sharedThrottle(scope: "login", limits: configuration.loginLimits)
                ?? LoginThrottle(limits: configuration.loginLimits)
            HealthController(storage: storage).register(in: routes)
            AuthController(
                storage: storage, hasher: hasher, tokens: tokens,
                throttle: loginThrottle,
                registrations: storage.sharedThrottle(scope: "registration", limits: configuration.registrationLimits)
                    ?? LoginThrottle(limits: configuration.registrationLimits),
                secureCookies: configuration.secureCookies || configuration.usesTLS
            ).register(in: routes)
            EmployeeController(storage: storage).register(in: routes)
            UsersController(storage: storage, hasher: hasher).register(in: routes)
            AuditLogController(storage: storage).register(in: routes)
            ProductsController(storage: storage).register(in: routes)
            CartsController(storage: storage).register(in: routes)
            ShopController(storage: storage).register(in: routes)
            ShiftsController(storage: storage).register(in: routes)
            RefundsController(storage: storage, hasher: hasher, throttle: loginThrottle).register(in: routes)
            StockController(storage: storage).register(in: routes)
            ReportsController(storage: storage).register(in: routes)
            ConsoleController(kioskReset: configuration.demoResetEvery).register(in: routes)
            if let token = configuration.metricsToken {
                let engineVersion = (try? await storage.engineVersion()) ?? "unknown"
                MetricsController(
                    storage: storage, token: token, connections: connections, commit: configuration.commit, engineVersion: engineVersion
                ).register(in: routes)
            }

            // Stopped in reverse order: the storage closes last.
            var services: [any Service] = [
                ShutdownService(storage: storage, hasher: hasher, logger: logger), KeptSearchSeeding(storage: storage, logger: logger),
            ]
            if configuration.jwtSecret == nil {
                services.append(SecretWatcher(storage: storage, tokens: tokens, current: secret, logger: logger))
            }
            if let every = configuration.demoResetEvery {
                services.append(DemoReset(every: every, storage: storage, hasher: hasher, logger: logger))
            }
            if let backups = configuration.backups {
                services.append(BackupScheduler(schedule: backups, storage: storage, logger: logger))
            }
            let application = Application(
                router: router,
                server: try serverBuilder(configuration),
                configuration: .init(
                    address: .hostname(configuration.host, port: configuration.port),
                    serverName: nil,
                    availableConnectionsDelegate: connections
                ),
                services: services,
                logger: logger
            )
            return DukaServer(
                configuration: configuration, storage: storage, hasher: hasher, bootstrap: bootstrap,
                routes: routes, loginThrottle: loginThrottle, application: application
            )
        } catch {
            await hasher.shutdown()
            await storage.close()
            throw error
        }
    }

    /// HTTP/1.1 with an idle timeout, a request deadline and header limits, wrapped in TLS when configured.
    static func serverBuilder(_ configuration: DukaConfiguration) throws -> HTTPServerBuilder {
        let http = HTTPServerBuilder.http1(
            configuration: .init(
                idleTimeout: .milliseconds(Int64(configuration.idleTimeout * 1000)),
                httpDecoderConfiguration: .init(maxHeaderFieldSize: 16 * 1024, maxHeaderListSize: 64 * 1024, maxHeaderFieldCount: 100)
            ),
            requestTimeout: .milliseconds(Int64(configuration.requestTimeout * 1000))
        )
        guard let certificatePath = configuration.tlsCertificatePath else { return http }
        guard let keyPath = configuration.tlsKeyPath else { throw ConfigurationError.tls("--tls-cert needs --tls-key") }
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
            let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
            let tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
            return try .tls(http, tlsConfiguration: tls)
        } catch {
            throw ConfigurationError.tls("cannot use \(certificatePath) and \(keyPath): \(error)")
        }
    }

    /// `DUKA_JWT_SECRET` when given; otherwise one generated on first start and kept in `settings`.
    static func signingSecret(_ configuration: DukaConfiguration, storage: any Storage) async throws -> String {
        if let secret = configuration.jwtSecret {
            // HS256 wants a key at least as long as its output (jwt-kit enforces it).
            guard secret.utf8.count >= minimumSecretLength else { throw ConfigurationError.shortSecret }
            return secret
        }
        return try await storage.signingSecret()
    }
}

public enum ConfigurationError: Error, CustomStringConvertible {
    case shortSecret
    case tls(String)

    public var description: String {
        switch self {
        case .shortSecret: return "DUKA_JWT_SECRET must be at least \(DukaServer.minimumSecretLength) bytes long"
        case .tls(let reason): return "TLS: \(reason)"
        }
    }
}

/// Runs until graceful shutdown, then closes what the server opened. Registered before
/// the HTTP server, so ServiceLifecycle stops it after the server has finished its requests.
struct ShutdownService: Service {
    let storage: any Storage
    let hasher: PasswordHasher
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        await hasher.shutdown()
        await storage.close()
        logger.info("database checkpointed and closed")
    }
}
