import DukaCore
import Logging
import NIOCore

/// Everything `duka serve` can be told (flags, with `DUKA_*` environment fallbacks).
public struct DukaConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var databasePath = "./duka.sqlite"
    /// Load the demo shop into an empty database instead of creating a bootstrap admin.
    public var demo = false
    public var logLevel: Logger.Level = .info
    public var bcryptCost = 12
    /// Token lifetime in seconds.
    public var tokenTTL: Int64 = 24 * 3600
    /// The HS256 signing secret; generated once and kept in `settings` when nil.
    public var jwtSecret: String?
    /// The bootstrap admin's password; a random one is printed once when nil.
    public var adminPassword: String?
    /// Reader connections (and their threads), and bcrypt threads.
    public var readers = System.coreCount
    /// Add `Secure` to the session cookie even when the request did not come over HTTPS.
    public var secureCookies = false
    public var loginLimits = LoginThrottle.Limits()
    /// Registrations per client address (the per-account limit does not apply).
    public var registrationLimits = LoginThrottle.Limits(perAddress: 30)
    /// Origins allowed to call the API from a browser (CORS); none by default.
    public var corsOrigins: [String] = []
    /// Seconds a connection may sit without a complete request before it is closed
    /// (this also cuts off clients that send a request a byte at a time).
    public var idleTimeout: Double = 30
    /// Connections served at once; more wait in the listen backlog.
    public var maxConnections = 1000
    /// Seconds a request (head and body) may take to arrive once its first byte has.
    public var requestTimeout: Double = 30
    /// Peers whose `X-Forwarded-For` (and `X-Forwarded-Host`) are believed; none by default.
    public var trustedProxies: [IPRange] = []
    /// Keep the database file's permissions as they are (else group/other bits are removed).
    public var allowSharedFile = false
    /// PEM files for serving HTTPS directly; plain HTTP when nil.
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    /// The git commit the binary was built from (for `/metrics`).
    public var commit = "unknown"
    /// A demo kiosk: the demo shop is put back as new this often (with `demo`).
    public var demoResetEvery: Duration?
    /// Checked copies of the database taken while serving (SQLite only).
    public var backups: BackupSchedule?
    /// The bearer token `GET /metrics` wants; the route is not served when nil.
    public var metricsToken: String?

    public var usesTLS: Bool { tlsCertificatePath != nil }

    public init() {}
}
