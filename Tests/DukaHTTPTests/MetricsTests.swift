import DukaCore
import Foundation
import HTTPTypes
import Testing

@testable import DukaHTTP

/// `GET /metrics`: served only with a token, to its holder; route patterns, never paths;
/// the engine's work, logins and the process recorded. The registry is the process's
/// (test servers run in parallel), so counts are compared before and after.
@Suite struct MetricsTests {
    static let token = "metrics-token-0123456789"

    @Test(arguments: TestEngine.available) func servedOnlyToTheTokenHolder(_ engine: TestEngine) async throws {
        let without = try await TestDuka.make(engine)
        try await without.run { api in
            let answer = try await api.request(.get, "/metrics", token: Self.token)
            #expect(answer.status == .notFound)
            #expect(answer.code == "not_found")
        }
        let duka = try await TestDuka.make(engine) { $0.metricsToken = Self.token }
        try await duka.run { api in
            #expect(try await api.request(.get, "/metrics").status == .unauthorized)
            let wrong = try await api.request(.get, "/metrics", token: Self.token + "x")
            #expect(wrong.status == .unauthorized)
            #expect(wrong.code == "unauthorized")
            // A signed-in admin's session is not the metrics token.
            let admin = try await api.token("admin", TestDuka.adminPassword)
            #expect(try await api.request(.get, "/metrics", token: admin).status == .unauthorized)
            #expect(try await api.request(.get, "/metrics", headers: [.cookie: "access_token=\(admin)"]).status == .unauthorized)
            let answer = try await api.request(.get, "/metrics", token: Self.token)
            #expect(answer.status == .ok)
            #expect(answer.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            // Nothing secret in it.
            #expect(!answer.body.contains(Self.token))
            #expect(!answer.body.contains(admin))
        }
    }

    @Test(arguments: TestEngine.available) func recordsRoutesLoginsTheEngineAndTheProcess(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine) { $0.metricsToken = Self.token }
        try await duka.run { api in
            let before = try await Self.scrape(api)
            let admin = try await api.token("admin", TestDuka.adminPassword)
            _ = try await api.login("admin", "wrong-password")
            _ = try await api.login("admin", "wrong-password")
            let customer = try await duka.makeUser("metrics_customer", role: .customer)
            let detail = "/employee/customers/\(customer.id)?include=carts&secret=\(Self.token.prefix(8))"
            #expect(try await api.request(.get, detail, token: admin).status == .ok)
            #expect(try await api.request(.get, "/no/such/\(customer.id)").status == .notFound)
            let after = try await Self.scrape(api)

            #expect(after.value("duka_logins_total", ["outcome": "failed"]) - before.value("duka_logins_total", ["outcome": "failed"]) >= 2)
            #expect(after.value("duka_logins_total", ["outcome": "ok"]) - before.value("duka_logins_total", ["outcome": "ok"]) >= 1)
            let route = ["route": "/employee/customers/{id}", "method": "GET", "status": "200"]
            #expect(after.value("duka_http_requests_total", route) - before.value("duka_http_requests_total", route) >= 1)
            #expect(after.value("duka_http_request_duration_seconds_count", route) >= 1)
            // Patterns only: no id, no query string, no unknown path.
            #expect(!after.text.contains("/employee/customers/\(customer.id)"))
            #expect(!after.text.contains("include=carts"))
            #expect(!after.text.contains("/no/such"))
            #expect(after.value("duka_http_requests_total", ["route": "NotFound", "method": "GET", "status": "404"]) >= 1)

            let engineName = engine == .sqlite ? "sqlite" : "postgres"
            for work in ["read", "write"] {
                let labels = ["engine": engineName, "work": work]
                #expect(after.value("duka_db_transaction_seconds_count", labels) > before.value("duka_db_transaction_seconds_count", labels))
                #expect(after.value("duka_db_wait_seconds_count", labels) > before.value("duka_db_wait_seconds_count", labels))
            }
            #expect(after.value("duka_process_resident_memory_bytes") > 1_000_000)
            #expect(after.value("duka_process_cpu_seconds_total") > 0)
            #expect(after.value("duka_process_open_fds") > 3)
            #expect(after.value("duka_process_uptime_seconds") > 0)
            #expect(after.value("duka_http_open_connections") >= 0)
            let build = try #require(after.series("duka_build_info").first { $0.labels["engine"] == engineName })
            #expect(build.labels["version"] == BuildInfo.version)
            #expect(build.labels["engine_version"]?.first?.isNumber == true)
            #expect(build.value == 1)
            if engine == .postgres {
                #expect(after.value("duka_db_pool_connections", ["state": "open"]) >= 1)
            }
        }
    }

    static func scrape(_ api: TestAPI) async throws -> Scrape {
        let answer = try await api.request(.get, "/metrics", token: token)
        #expect(answer.status == .ok)
        return Scrape(text: answer.body)
    }

    /// Prometheus' text format, read back: each sample's name, labels and value.
    struct Scrape {
        let text: String

        struct Sample {
            let name: String
            let labels: [String: String]
            let value: Double
        }

        var samples: [Sample] {
            text.split(separator: "\n").compactMap { line -> Sample? in
                guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                    return nil
                }
                let head = line[..<space]
                guard let brace = head.firstIndex(of: "{") else { return Sample(name: String(head), labels: [:], value: value) }
                var labels: [String: String] = [:]
                // Labels here never hold a quote or a comma inside their values.
                for pair in head[head.index(after: brace)..<head.index(before: head.endIndex)].split(separator: ",") {
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    guard parts.count == 2 else { continue }
                    labels[String(parts[0])] = String(parts[1].dropFirst().dropLast())
                }
                return Sample(name: String(head[..<brace]), labels: labels, value: value)
            }
        }

        func series(_ name: String) -> [Sample] { samples.filter { $0.name == name } }

        /// The sample of `name` whose labels include `labels` (0 when there is none yet).
        func value(_ name: String, _ labels: [String: String] = [:]) -> Double {
            series(name).first { sample in labels.allSatisfy { sample.labels[$0.key] == $0.value } }?.value ?? 0
        }
    }
}
