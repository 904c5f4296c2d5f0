import DukaCore
@testable import DukaSQLite
import DukaAssets
import Foundation
import SQLite
import HTTPTypes
import Testing

@testable import DukaHTTP

@Suite struct ThrottleTests {
    @Test(arguments: TestEngine.available) func fiveFailuresPerNameGive429EvenWithTheRightPassword(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.makeUser("mwangi", role: .cashier)
        try await duka.makeUser("njeri", role: .cashier)
        try await duka.run { (api: TestAPI) async throws in
            for _ in 0..<5 {
                #expect(try await api.login(["mwangi", "MWANGI", "Mwangi"].randomElement()!, "wrong-one").status == .unauthorized)
            }
            let blocked = try await api.login("MWANGI")
            #expect(blocked.status == .tooManyRequests)
            #expect(blocked.code == "too_many_requests")
            let retryAfter = try #require(blocked.headers[.retryAfter].flatMap(Int.init))
            #expect(retryAfter > 0 && retryAfter <= 900)
            // Another name from the same address is not blocked by it.
            #expect(try await api.login("njeri").status == .ok)
        }
    }

    @Test(arguments: TestEngine.available) func aSuccessResetsTheNamesCount(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.makeUser("chebet", role: .cashier)
        try await duka.run { (api: TestAPI) async throws in
            for _ in 0..<4 { _ = try await api.login("chebet", "wrong-one") }
            #expect(try await api.login("chebet").status == .ok)
            for _ in 0..<4 { _ = try await api.login("chebet", "wrong-one") }
            #expect(try await api.login("chebet").status == .ok)
        }
    }

    @Test(arguments: TestEngine.available) func thirtyFailuresFromOneAddressBlockIt(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.makeUser("kiprono", role: .cashier)
        try await duka.run { (api: TestAPI) async throws in
            for attempt in 0..<30 {
                #expect(try await api.login("nobody-\(attempt)", "wrong-one").status == .unauthorized)
            }
            let blocked = try await api.login("kiprono")
            #expect(blocked.status == .tooManyRequests)
            #expect(blocked.headers[.retryAfter] != nil)
        }
    }
}
