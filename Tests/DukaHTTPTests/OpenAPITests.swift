import DukaCore
@testable import DukaSQLite
import DukaAssets
import Foundation
import HTTPTypes
import Testing

@testable import DukaHTTP

@Suite struct OpenAPITests {
    /// Every served route is described, and every described one is served.
    @Test(arguments: TestEngine.available) func theDocumentDescribesExactlyTheServedRoutes(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        // Hummingbird's own list of what its router serves (paths written `/users/{id}`).
        let served = Set(duka.server.routes.served.map { "\($0.method.lowercased()) \($0.path)" })
        let document = try JSON.parse(APIDescription.json)
        guard case .object(let paths)? = document["paths"] else {
            Issue.record("no paths")
            return
        }
        var described: Set<String> = []
        for (path, item) in paths {
            guard case .object(let operations) = item else { continue }
            for method in operations.keys where method != "parameters" { described.insert("\(method) \(path)") }
        }
        #expect(served.subtracting(described).isEmpty, "served but not described: \(served.subtracting(described).sorted())")
        #expect(described.subtracting(served).isEmpty, "described but not served: \(described.subtracting(served).sorted())")
        #expect(served.count == duka.server.routes.served.count)  // no route registered twice
        // Every route but the public ones declares who may call it.
        let public_ = ["post /api/v1/auth/login", "post /api/v1/auth/register", "get /healthz", "get /readyz", "get /openapi.json"]
        for route in served where !public_.contains(route) && !route.hasPrefix("get /assets/") && route != "get /" {
            let (method, path) = (route.prefix { $0 != " " }.uppercased(), route.drop { $0 != " " }.dropFirst())
            #expect(duka.server.routes.roles["\(method) \(path)"] != nil, "\(route) declares no roles")
        }
        try? FileManager.default.removeItem(at: duka.directory)
    }

    @Test(arguments: TestEngine.available) func servedAtOpenapiJSON(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.run { (api: TestAPI) async throws in
            let response = try await api.request(.get, "/openapi.json")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            #expect(response.json["openapi"] == .string("3.1.0"))
        }
    }
}
