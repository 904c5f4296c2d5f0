import DukaCore
@testable import DukaPostgres
@testable import DukaSQLite
import DukaAssets
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SQLite
import Synchronization
import Testing

@testable import DukaHTTP

/// A Duka server on a fresh database (a SQLite file in a temporary folder, or a new
/// PostgreSQL database), bcrypt at its lowest cost.
struct TestDuka {
    let server: DukaServer
    let directory: URL
    let engine: TestEngine
    /// The PostgreSQL database's URL (dropped after `run`).
    let postgresURL: String?

    static let adminPassword = "admin-password-1"

    static func make(
        _ engine: TestEngine = .sqlite, demo: Bool = false, logger: Logger? = nil, _ adjust: (inout DukaConfiguration) -> Void = { _ in }
    ) async throws -> TestDuka {
        // Every test server records its metrics (swift-metrics takes one backend per process).
        DukaMetrics.bootstrap()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("duka-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var configuration = DukaConfiguration()
        configuration.databasePath = directory.appendingPathComponent("duka.sqlite").path
        configuration.bcryptCost = 4
        configuration.readers = 2
        configuration.demo = demo
        configuration.adminPassword = adminPassword
        configuration.port = 0
        adjust(&configuration)
        var quiet = Logger(label: "duka-test")
        quiet.logLevel = .error
        let storage: any Storage
        var postgresURL: String?
        switch engine {
        case .sqlite:
            storage = try SQLiteStorage.open(
                path: configuration.databasePath, readers: configuration.readers, sharedFile: configuration.allowSharedFile
            )
        case .postgres:
            // A test that sets `databasePath` to an earlier server's URL reopens that database.
            let url = PostgresLocation.isURL(configuration.databasePath)
                ? configuration.databasePath : try await TestPostgres.shared.makeDatabase()
            postgresURL = url
            configuration.databasePath = url
            storage = try await PostgresStorage.open(url: url, connections: 8, logger: quiet)
        }
        return TestDuka(
            server: try await DukaServer.make(configuration, storage: storage, logger: logger ?? quiet), directory: directory,
            engine: engine, postgresURL: postgresURL
        )
    }

    /// The SQLite engine's database, for tests of what only SQLite has (files, pragmas).
    var database: Database { (server.storage as! SQLiteStorage).database }

    /// Runs `body` against the in-process router, then removes the database folder (or
    /// drops the PostgreSQL database).
    func run<T: Sendable>(_ mode: TestingSetup = .router, _ body: @Sendable (TestAPI) async throws -> T) async throws -> T {
        defer { try? FileManager.default.removeItem(at: directory) }
        let outcome: Result<T, any Error>
        do {
            outcome = .success(try await server.application.test(mode) { client in
                try await body(TestAPI(client: client, duka: self))
            })
        } catch {
            outcome = .failure(error)
        }
        if let postgresURL {
            await server.storage.close()
            await TestPostgres.shared.dropDatabase(url: postgresURL)
        }
        return try outcome.get()
    }

    /// Inserts a user directly (password hashed at the test cost).
    @discardableResult
    func makeUser(
        _ username: String, role: Role, password: String = "password-1", isActive: Bool = true, deleted: Bool = false,
        profile: User.Profile = .init()
    ) async throws -> User {
        let hash = try await server.hasher.hash(password)
        return try await server.storage.createUser(
            NewUser(
                username: username, email: "\(username)@example.com", passwordHash: hash, role: role, profile: profile,
                isActive: isActive, deletedAt: deleted ? Timestamp.now() : nil
            ),
            by: nil
        )
    }

    func user(id: Int64) async throws -> User? {
        guard let uuid = try await scalarText("SELECT uuid FROM users WHERE id = ?", .int(id)) else { return nil }
        return try await server.storage.user(uuid: uuid)
    }

    /// The user whose username or email is `login`.
    func user(login: String) async throws -> User? {
        try await server.storage.user(login: login)
    }
}

/// A logger that keeps what is logged, for tests of the security events.
final class CapturedLog: Sendable {
    private let lines = Mutex<[(message: String, metadata: [String: String])]>([])

    var logger: Logger {
        var logger = Logger(label: "duka-test-captured") { _ in Handler(log: self) }
        logger.logLevel = .trace
        return logger
    }

    var entries: [(message: String, metadata: [String: String])] { lines.withLock { $0 } }

    /// The security events logged so far, as their metadata.
    var events: [[String: String]] { entries.filter { $0.message == "security event" }.map(\.metadata) }

    /// Everything logged, as one text.
    var text: String { entries.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n") }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var all = metadata.mapValues { "\($0)" }
            for (key, value) in event.metadata ?? [:] { all[key] = "\(value)" }
            let entry = (message: "\(event.message)", metadata: all)
            log.lines.withLock { $0.append(entry) }
        }
    }
}

/// An answer decoded for assertions.
struct APIResponse: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let body: String

    var json: JSON {
        (try? JSON.parse(body)) ?? .null
    }

    var code: String? { json["code"]?.stringValue }
    var data: JSON? { json["data"] }

    /// The member names of an object.
    static func keys(_ value: JSON?) -> Set<String> {
        if case .object(let members)? = value { return Set(members.keys) }
        return []
    }
}

struct TestAPI: Sendable {
    let client: any TestClientProtocol
    let duka: TestDuka

    @discardableResult
    func request(
        _ method: HTTPRequest.Method, _ uri: String, json: JSON? = nil, rawBody: String? = nil,
        token: String? = nil, headers extra: HTTPFields = [:]
    ) async throws -> APIResponse {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        var body: ByteBuffer?
        if let json {
            body = ByteBuffer(bytes: json.encoded())
            if headers[.contentType] == nil { headers[.contentType] = "application/json" }
        } else if let rawBody {
            body = ByteBuffer(string: rawBody)
        }
        return try await client.execute(uri: uri, method: method, headers: headers, body: body) { response in
            APIResponse(
                status: response.status,
                headers: response.headers,
                body: response.body.getString(at: response.body.readerIndex, length: response.body.readableBytes) ?? ""
            )
        }
    }

    func login(_ username: String, _ password: String = "password-1", headers: HTTPFields = [:]) async throws -> APIResponse {
        try await request(.post, "/api/v1/auth/login", json: .object(["username": .string(username), "password": .string(password)]), headers: headers)
    }

    /// Logs in and answers the access token (fails the test otherwise).
    func token(_ username: String, _ password: String = "password-1") async throws -> String {
        let response = try await login(username, password)
        #expect(response.status == .ok, "login of \(username) failed: \(response.body)")
        return response.data?["access_token"]?.stringValue ?? ""
    }
}

extension TestDuka {
    @discardableResult
    func makeProduct(_ sku: String, priceCents: Int64, unit: String = "piece", isActive: Bool = true) async throws -> Int64 {
        try await insert(
            "INSERT INTO products (sku, name, unit, unit_price_cents, is_active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, 1)",
            .text(sku), .text("Product \(sku)"), .text(unit), .int(priceCents), .bool(isActive)
        )
    }

    /// Inserts a cart with lines given as (product id, quantity in thousandths, unit price in cents, channel).
    @discardableResult
    func makeCart(
        userID: Int64, status: String = "checked_out", createdAt: Int64,
        items: [(productID: Int64, quantityMilli: Int64, priceCents: Int64, channel: String)] = []
    ) async throws -> Int64 {
        let cartID = try await insert(
            "INSERT INTO carts (user_id, status, created_at, updated_at) VALUES (?, ?, ?, ?)",
            .int(userID), .text(status), .int(createdAt), .int(createdAt)
        )
        for item in items {
            try await execute(
                """
                INSERT INTO cart_items (cart_id, product_id, quantity_milli, sale_channel, unit_price_cents, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                .int(cartID), .int(item.productID), .int(item.quantityMilli), .text(item.channel), .int(item.priceCents),
                .int(createdAt), .int(createdAt)
            )
        }
        return cartID
    }

    func auditRows() async throws -> [(actor: String, action: String, targetType: String, targetID: String)] {
        try await rows("SELECT actor_username, action, target_type, target_id FROM audit_log ORDER BY id", []).map { row in
            (row[0].text ?? "", row[1].text ?? "", row[2].text ?? "", row[3].text ?? "")
        }
    }
}
