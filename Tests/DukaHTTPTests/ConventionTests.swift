import DukaCore
@testable import DukaSQLite
import DukaAssets
import Foundation
import SQLite
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import DukaHTTP

@Suite struct ConventionTests {
    @Test(arguments: TestEngine.available) func healthAndReadiness(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.run { (api: TestAPI) async throws in
            let health = try await api.request(.get, "/healthz")
            #expect(health.status == .ok)
            #expect(health.body == #"{"status":"ok"}"#)
            #expect(health.headers[.contentType] == "application/json; charset=utf-8")
            let ready = try await api.request(.get, "/readyz")
            #expect(ready.status == .ok)
        }
    }

    @Test(arguments: TestEngine.available) func unknownRoutesAndMethodsAnswerJSON(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.run { (api: TestAPI) async throws in
            let unknown = try await api.request(.get, "/api/v1/nothing-here")
            #expect(unknown.status == .notFound)
            #expect(unknown.json == .object(["message": .string("Route not found"), "code": .string("not_found")]))
            let wrongMethod = try await api.request(.delete, "/api/v1/auth/login")
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(wrongMethod.code == "method_not_allowed")
            #expect(wrongMethod.headers[.allow] == "POST")
            // Several methods: listed in the order their routes were registered.
            let users = try await api.request(.patch, "/api/v1/users/1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed")
            #expect(users.status == .methodNotAllowed)
            #expect(users.headers[.allow] == "GET, PUT, DELETE")
            #expect(try await api.request(.put, "/api/v1/carts").headers[.allow] == "POST, GET")
        }
    }

    @Test(arguments: TestEngine.available) func bodiesOverOneMebibyteAre413(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.run { (api: TestAPI) async throws in
            let big = "{\"username\":\"" + String(repeating: "x", count: 1 << 20) + "\",\"password\":\"p\"}"
            let response = try await api.request(.post, "/api/v1/auth/login", rawBody: big, headers: [.contentType: "application/json"])
            #expect(response.status == .contentTooLarge)
            #expect(response.code == "payload_too_large")
        }
    }

    @Test(arguments: TestEngine.available) func errorsNeverLeakInternals(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.run { (api: TestAPI) async throws in
            let response = try await api.request(.post, "/api/v1/auth/register", json: .object(["username": .string("x'); DROP TABLE users; --")]))
            #expect(response.status == .badRequest)
            #expect(!response.body.lowercased().contains("sqlite"))
            #expect(!response.body.contains("/"))
            #expect(try await duka.server.storage.userCount() == 1)
        }
    }

    @Test(arguments: TestEngine.available) func aRealListeningSocket(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.run(.live) { (api: TestAPI) async throws in
            #expect(try await api.request(.get, "/healthz").status == .ok)
            let token = try await api.token("admin", TestDuka.adminPassword)
            let me = try await api.request(.get, "/api/v1/auth/me", token: token)
            #expect(me.status == .ok)
            #expect(me.data?["username"] == .string("admin"))
            #expect(me.data?["email"] == .string("admin@duka.local"))
            #expect(me.data?["role"] == .string("admin"))
        }
    }
}

@Suite struct BootstrapTests {
    @Test(arguments: TestEngine.available) func anEmptyDatabaseGetsABootstrapAdmin(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        #expect(duka.server.bootstrap == .admin(generatedPassword: nil))
        try await duka.run { (api: TestAPI) async throws in
            #expect(try await api.login("admin@duka.local", TestDuka.adminPassword).status == .ok)
        }
    }

    @Test(arguments: TestEngine.available) func withoutAPasswordOneIsGeneratedAndWorks(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine) { $0.adminPassword = nil }
        guard case .admin(let generated?) = duka.server.bootstrap else {
            Issue.record("expected a generated password, got \(duka.server.bootstrap)")
            return
        }
        #expect(generated.count == 20)
        try await duka.run { (api: TestAPI) async throws in
            #expect(try await api.login("admin", generated).status == .ok)
        }
    }

    @Test(arguments: TestEngine.available) func theSigningSecretIsKeptAcrossRestarts(_ engine: TestEngine) async throws {
        let first = try await TestDuka.make(engine)
        let path = first.server.configuration.databasePath
        let token = try await first.server.application.test(.router) { client in
            try await TestAPI(client: client, duka: first).token("admin", TestDuka.adminPassword)
        }
        // A second server on the same file accepts the first one's token.
        let second = try await TestDuka.make(engine) { $0.databasePath = path }
        #expect(second.server.bootstrap == .nothing)
        try await second.run { (api: TestAPI) async throws in
            #expect(try await api.request(.get, "/api/v1/auth/me", token: token).status == .ok)
        }
        try? FileManager.default.removeItem(at: first.directory)
    }

    @Test(arguments: TestEngine.available) func theDemoShopHasItsStatedFigures(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine, demo: true)
        #expect(duka.server.bootstrap == .demo)
        let counts = (
            try await duka.scalarInt("SELECT COUNT(*) FROM users WHERE role = 'customer'"),
            try await duka.scalarInt("SELECT COUNT(*) FROM users WHERE role = 'customer' AND deleted_at IS NULL"),
            try await duka.scalarInt("SELECT COUNT(*) FROM users WHERE role = 'customer' AND is_active = FALSE"),
            try await duka.scalarInt("SELECT COUNT(*) FROM products"),
            try await duka.scalarInt("SELECT COUNT(*) FROM carts"),
            try await duka.scalarInt("SELECT COUNT(DISTINCT status) FROM carts"),
            try await duka.scalarInt("SELECT COUNT(DISTINCT sale_channel) FROM cart_items"),
            try await duka.scalarInt("SELECT MIN(n) FROM (SELECT COUNT(*) AS n FROM cart_items GROUP BY cart_id) AS lines"),
            try await duka.scalarInt("SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM cart_items GROUP BY cart_id) AS lines")
        )
        #expect(counts.0 == 150)
        #expect(counts.1 == 146)
        #expect(counts.2 == 3)
        #expect(counts.3 == 45)
        #expect(counts.4 == 23)
        #expect(counts.5 == 3)
        #expect(counts.6 == 2)
        #expect(counts.7 == 1)
        #expect(counts.8 == 6)
        try await duka.run { (api: TestAPI) async throws in
            for (username, password, role) in try DemoSeed.staffLogins {
                let response = try await api.login(username, password)
                #expect(response.status == .ok, "\(username)")
                #expect(response.data?["user"]?["role"] == .string(role.rawValue))
            }
            #expect(try await api.login("customer", DemoSeed.customerPassword).status == .ok)
        }
    }
}
