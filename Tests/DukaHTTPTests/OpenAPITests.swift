import DukaCore
import Foundation
import HTTPTypes
import Testing

@testable import DukaHTTP

@Suite struct OpenAPITests {
    /// Every served route is described, and every described one is served.
    @Test func theDocumentDescribesExactlyTheServedRoutes() async throws {
        let duka = try await TestDuka.make()
        let served = Set(duka.server.routes.routes.map { route in
            let path = route.path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
            return "\(route.method.lowercased()) /\(path)"
        })
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
        #expect(served.count == duka.server.routes.routes.count)  // no route registered twice
        try? FileManager.default.removeItem(at: duka.directory)
    }

    @Test func servedAtOpenapiJSON() async throws {
        let duka = try await TestDuka.make()
        try await duka.run { (api: TestAPI) async throws in
            let response = try await api.request(.get, "/openapi.json")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            #expect(response.json["openapi"] == .string("3.1.0"))
        }
    }
}
