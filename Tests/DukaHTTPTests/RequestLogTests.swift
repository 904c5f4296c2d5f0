import DukaCore
import Foundation
import HTTPTypes
import Logging
import Testing

@testable import DukaHTTP

/// One log line per request (request id, route pattern, status, duration, bytes, address,
/// user) and never a secret; `--log-format json`'s lines.
@Suite struct RequestLogTests {
    @Test(arguments: TestEngine.available) func oneLinePerRequestWithItsIDAndNoSecrets(_ engine: TestEngine) async throws {
        let log = CapturedLog()
        let duka = try await TestDuka.make(engine, logger: log.logger)
        try await duka.run { api in
            let customer = try await duka.makeUser("logged_customer", role: .customer, profile: .init(fullName: "Logged Customer"))
            let token = try await api.token("admin", TestDuka.adminPassword)
            let asked = try await api.request(
                .get, "/employee/customers/\(customer.id)?search=private-query", token: token,
                headers: [HTTPField.Name("X-Request-Id")!: "till-7:abc_123.x"]
            )
            #expect(asked.status == .ok)
            #expect(asked.headers[HTTPField.Name("X-Request-Id")!] == "till-7:abc_123.x")
            // An id that could forge a log line or carry a payload is replaced by one of ours.
            let forged = try await api.request(.get, "/healthz", headers: [HTTPField.Name("X-Request-Id")!: "x\" level=error"])
            let made = try #require(forged.headers[HTTPField.Name("X-Request-Id")!])
            #expect(made.count == 16 && made.allSatisfy(\.isHexDigit))
            _ = try await api.login("admin", "a-wrong-password-typed")

            let lines = log.entries.filter { $0.metadata["route"] != nil }
            let detail = try #require(lines.first { $0.metadata["request_id"] == "till-7:abc_123.x" })
            #expect(detail.message == "GET /employee/customers/{id} 200")
            #expect(detail.metadata["route"] == "/employee/customers/{id}")
            #expect(detail.metadata["method"] == "GET")
            #expect(detail.metadata["status"] == "200")
            #expect(detail.metadata["user"] == (try await duka.user(login: "admin"))?.uuid)
            #expect(Int(detail.metadata["bytes"] ?? "") == asked.body.utf8.count)
            #expect(Double(detail.metadata["duration_ms"] ?? "") != nil)
            #expect(detail.metadata["address"] != nil)
            #expect(lines.contains { $0.metadata["request_id"] == made && $0.metadata["route"] == "/healthz" })
            // Never the raw path, the query, the token or a password.
            #expect(!log.text.contains("private-query"))
            #expect(!log.text.contains("/employee/customers/\(customer.id)"))
            #expect(!log.text.contains(token))
            #expect(!log.text.contains("a-wrong-password-typed"))
            #expect(!log.text.contains(TestDuka.adminPassword))
            // The security event of the failed login carries its request's id.
            let failed = try #require(log.events.first { $0["event"] == "login_failed" })
            #expect(failed["request_id"]?.count == 16)
        }
    }

    @Test func jsonLinesAreOneObjectEach() throws {
        let line = JSONLogHandler.line(
            time: JSONLogHandler.now(), level: .info, label: "duka", message: "GET /healthz 200 \"quoted\"\nnext",
            metadata: ["status": .stringConvertible(200), "duration_ms": .stringConvertible(0.25), "route": "/healthz",
                       "nested": .dictionary(["a": .array(["x", .stringConvertible(1)])]), "message": "shadowed"]
        )
        #expect(line.last == UInt8(ascii: "\n"))
        #expect(line.dropLast().contains(UInt8(ascii: "\n")) == false)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
        #expect(object["message"] as? String == "GET /healthz 200 \"quoted\"\nnext")
        #expect(object["level"] as? String == "info")
        #expect(object["status"] as? Int == 200)
        #expect(object["duration_ms"] as? Double == 0.25)
        #expect(object["route"] as? String == "/healthz")
        #expect((object["time"] as? String)?.hasSuffix("Z") == true)
        #expect(((object["nested"] as? [String: Any])?["a"] as? [Any])?.count == 2)
    }
}
