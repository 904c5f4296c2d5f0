import DukaCore
@testable import DukaSQLite
import DukaAssets
import Foundation
import HTTPTypes
import Testing

@testable import DukaHTTP

@Suite struct SecurityHeadersTests {
    @Test func everyAnswerIsNosniffAndUncached() async throws {
        let duka = try await TestDuka.make()
        try await duka.run { (api: TestAPI) async throws in
            let token = try await api.token("admin", TestDuka.adminPassword)
            for response in [
                try await api.request(.get, "/api/v1/auth/me", token: token),
                try await api.request(.get, "/api/v1/users", token: token),
                try await api.request(.get, "/nowhere"),
                try await api.login("admin", "wrong-password"),
            ] {
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                #expect(response.headers[.cacheControl] == "no-store")
                #expect(response.headers[.server] == nil)
                #expect(response.headers[.accessControlAllowOrigin] == nil)
            }
            // CORS is off by default: a preflight gets no permission.
            let preflight = try await api.request(.options, "/api/v1/users", headers: [.origin: "https://evil.example", .accessControlRequestMethod: "GET"])
            #expect(preflight.headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test func corsOnlyForConfiguredOrigins() async throws {
        let duka = try await TestDuka.make { $0.corsOrigins = ["https://shop.example.com"] }
        try await duka.run { (api: TestAPI) async throws in
            let allowed = try await api.request(.options, "/api/v1/users", headers: [.origin: "https://shop.example.com", .accessControlRequestMethod: "POST"])
            #expect(allowed.status == .noContent)
            #expect(allowed.headers[.accessControlAllowOrigin] == "https://shop.example.com")
            #expect(allowed.headers[.accessControlAllowHeaders]?.contains("Authorization") == true)
            #expect(allowed.headers[.accessControlAllowCredentials] == "true")
            let simple = try await api.request(.get, "/healthz", headers: [.origin: "https://shop.example.com"])
            #expect(simple.headers[.accessControlAllowOrigin] == "https://shop.example.com")
            #expect(simple.headers[.vary] == "Origin")
            let other = try await api.request(.get, "/healthz", headers: [.origin: "https://evil.example"])
            #expect(other.headers[.accessControlAllowOrigin] == nil)
            let otherPreflight = try await api.request(.options, "/api/v1/users", headers: [.origin: "https://evil.example", .accessControlRequestMethod: "GET"])
            #expect(otherPreflight.headers[.accessControlAllowOrigin] == nil)
            #expect(otherPreflight.status == .methodNotAllowed)
        }
    }
}
