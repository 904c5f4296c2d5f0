import HTTPTypes
import Hummingbird

/// Registers handlers with the router and remembers every (method, path) pair, so that
/// a path served under other methods answers 405 rather than 404, and so that the
/// served routes can be listed (and checked against the API description).
public final class RouteTable: @unchecked Sendable {
    public typealias Handler = @Sendable (Request, DukaRequestContext) async throws -> Response

    public struct Route: Sendable, Hashable {
        public let method: String
        /// Hummingbird syntax: `/api/v1/users/:id`.
        public let path: String
    }

    let router: Router<DukaRequestContext>
    public private(set) var routes: [Route] = []

    init(router: Router<DukaRequestContext>) {
        self.router = router
    }

    func on(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        routes.append(Route(method: method.rawValue, path: path))
        router.on(RouterPath(path), method: method) { request, context in
            try await handler(request, context)
        }
    }

    func get(_ path: String, _ handler: @escaping Handler) { on(.get, path, handler) }
    func post(_ path: String, _ handler: @escaping Handler) { on(.post, path, handler) }
    func put(_ path: String, _ handler: @escaping Handler) { on(.put, path, handler) }
    func patch(_ path: String, _ handler: @escaping Handler) { on(.patch, path, handler) }
    func delete(_ path: String, _ handler: @escaping Handler) { on(.delete, path, handler) }

    /// The methods served for a concrete request path (empty when the path is unknown).
    func methods(forPath path: String) -> [String] {
        let segments = Self.segments(path)
        return routes.filter { route in
            let pattern = Self.segments(route.path)
            guard pattern.count == segments.count else { return false }
            return zip(pattern, segments).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
        }.map(\.method)
    }

    private static func segments(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }
}
