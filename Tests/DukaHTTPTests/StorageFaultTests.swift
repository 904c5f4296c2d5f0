import DukaCore
@testable import DukaSQLite
import DukaAssets
import Foundation
import HTTPTypes
import SQLite
import Testing

@testable import DukaHTTP

@Suite struct StorageFaultTests {
    static func signUp(_ api: TestAPI, _ index: Int) async throws -> APIResponse {
        try await api.request(.post, "/api/v1/auth/register", json: .object([
            "username": .string("filler\(index)"), "email": .string("filler\(index)@example.co.ke"),
            "password": .string("filler-password"), "full_name": .string(String(repeating: "Full Name ", count: 9)),
            "phone_number": .string("+254700000000"), "street": .string(String(repeating: "s", count: 100)),
        ]))
    }

    /// A full disk (SQLite's page limit) gives 503 for writes, reads keep answering,
    /// nothing is half-written, and writes work again once there is room.
    @Test func aFullDatabaseRefusesWritesWith503() async throws {
        let duka = try await TestDuka.make()
        try await duka.run { (api: TestAPI) async throws in
            let token = try await api.token("admin", TestDuka.adminPassword)
            let pages = try await duka.database.withWriter { try $0.scalarInt("PRAGMA page_count")! }
            try await duka.database.withWriter { try $0.exec("PRAGMA max_page_count = \(pages)") }
            var refused: APIResponse?
            var accepted = 0
            for index in 0..<500 {
                let response = try await Self.signUp(api, index)
                if response.status == .created { accepted += 1; continue }
                refused = response
                break
            }
            let answer = try #require(refused, "the page limit was never reached")
            #expect(answer.status == .serviceUnavailable)
            #expect(answer.code == "service_unavailable")
            #expect(answer.json["message"] == .string("The database is full; the change was not saved"))
            // Reads keep answering, and the refused sign-up left nothing behind.
            #expect(try await api.request(.get, "/api/v1/auth/me", token: token).status == .ok)
            #expect(try await api.request(.get, "/readyz").status == .ok)
            let users = try await duka.database.read { try UserStore.count(in: $0) }
            #expect(users == Int64(accepted) + 1)
            let integrity = try await duka.database.read { try $0.queryFirst("PRAGMA integrity_check") { $0.string(0) } }
            #expect(integrity == "ok")
            // Room again: the same write goes through.
            try await duka.database.withWriter { try $0.exec("PRAGMA max_page_count = 1073741823") }
            #expect(try await Self.signUp(api, accepted).status == .created)
        }
    }

    /// A database that cannot be written (here: the writer switched to query-only, as a
    /// read-only file would be) gives 503 for writes while reads keep answering.
    @Test func aReadOnlyDatabaseRefusesWritesWith503() async throws {
        let duka = try await TestDuka.make()
        try await duka.run { (api: TestAPI) async throws in
            let token = try await api.token("admin", TestDuka.adminPassword)
            try await duka.database.withWriter { try $0.exec("PRAGMA query_only = ON") }
            let refused = try await Self.signUp(api, 1)
            #expect(refused.status == .serviceUnavailable)
            #expect(refused.json["message"] == .string("The database is read-only; the change was not saved"))
            #expect(try await api.request(.get, "/api/v1/users", token: token).status == .ok)
            // Logout is a write too.
            #expect(try await api.request(.post, "/api/v1/auth/logout", token: token).status == .serviceUnavailable)
            #expect(try await api.request(.get, "/api/v1/auth/me", token: token).status == .ok)
            try await duka.database.withWriter { try $0.exec("PRAGMA query_only = OFF") }
            #expect(try await Self.signUp(api, 1).status == .created)
        }
    }
}
