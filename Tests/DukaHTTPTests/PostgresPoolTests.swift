import DukaCore
import HTTPTypes
import Testing

@testable import DukaHTTP

/// Duka's own pool of PostgreSQL connections (`PGPool`): bounded, and healing when the
/// server ends connections.
@Suite(.enabled(if: TestEngine.postgresURL != nil)) struct PostgresPoolTests {
    static func concurrentStatuses(_ api: TestAPI, token: String, count: Int) async throws -> [HTTPResponse.Status] {
        try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
            for _ in 0..<count {
                group.addTask { try await api.request(.get, "/api/v1/auth/me", token: token).status }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    /// 64 requests at once on a pool of 8: every one answers, and the server never sees
    /// more than 8 connections of this instance.
    @Test func neverOpensMoreThanItsCapacity() async throws {
        let duka = try await TestDuka.make(.postgres)
        try await duka.run { (api: TestAPI) async throws in
            let token = try await api.token("admin", TestDuka.adminPassword)
            let statuses = try await Self.concurrentStatuses(api, token: token, count: 64)
            #expect(statuses == Array(repeating: .ok, count: 64))
            let open = try await duka.scalarInt(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'duka'"
            )
            #expect((1...8).contains(open ?? 0), "\(open ?? 0) connections")
        }
    }

    /// Connections the server ends (an administrator's pg_terminate_backend, a restart)
    /// are dropped when next taken and replaced by new ones: no request fails for them.
    @Test func replacesConnectionsTheServerEnded() async throws {
        let duka = try await TestDuka.make(.postgres)
        try await duka.run { (api: TestAPI) async throws in
            let token = try await api.token("admin", TestDuka.adminPassword)
            #expect(try await Self.concurrentStatuses(api, token: token, count: 16).allSatisfy { $0 == .ok })
            let ended = try await duka.scalarInt(
                """
                SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
                WHERE datname = current_database() AND application_name = 'duka' AND pid <> pg_backend_pid()
                """
            )
            #expect((ended ?? 0) >= 1)
            // The ended connections' sockets close as the server's message arrives.
            try await Task.sleep(for: .milliseconds(300))
            let statuses = try await Self.concurrentStatuses(api, token: token, count: 16)
            #expect(statuses == Array(repeating: .ok, count: 16))
        }
    }
}
