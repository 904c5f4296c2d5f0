import DukaCore
import HTTPTypes
import Hummingbird
import JWTKit

/// Registers handlers with the router, each with the roles that may call it: a route
/// declared with roles gets a `Caller` (its token verified, else 401) and its engine
/// checks the user row against the roles (403) inside the request's transaction. A path
/// served under other methods answers 405, its `Allow` in registration order.
public final class RouteTable: @unchecked Sendable {
    public typealias Handler = @Sendable (Request, DukaRequestContext) async throws -> Response
    typealias SignedInHandler = @Sendable (Request, DukaRequestContext, Caller) async throws -> Response

    let router: Router<DukaRequestContext>
    let authenticator: Authenticator
    let storage: any Storage
    /// Who may call each route ("GET /api/v1/users/{id}"); absent for public routes.
    public private(set) var roles: [String: Set<Role>] = [:]
    /// Methods and paths in the order they were registered: the order `Allow` lists them in.
    private var registered: [(method: String, path: String)] = []

    init(router: Router<DukaRequestContext>, authenticator: Authenticator, storage: any Storage) {
        self.router = router
        self.authenticator = authenticator
        self.storage = storage
    }

    /// Every served route, as Hummingbird lists them: method and path (`/users/{id}`).
    public var served: [(method: String, path: String)] {
        router.routes.map { ($0.method.rawValue, $0.path.description) }
    }

    /// A public route: anyone may call it.
    func on(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        registered.append((method.rawValue, path))
        router.on(RouterPath(path), method: method) { request, context in
            try await handler(request, context)
        }
    }

    /// A route for signed-in users with one of `roles`.
    func on(_ method: HTTPRequest.Method, _ path: String, roles: Set<Role>, _ handler: @escaping SignedInHandler) {
        let (authenticator, storage) = (self.authenticator, self.storage)
        let routerPath = RouterPath(path)
        self.roles["\(method.rawValue) \(routerPath.description)"] = roles
        registered.append((method.rawValue, path))
        router.on(routerPath, method: method) { request, context in
            let claims = try await authenticator.claims(of: request)
            context.notes.user = claims.sub.value
            return try await handler(request, context, Caller(claims: claims, roles: roles, storage: storage))
        }
    }

    func get(_ path: String, _ handler: @escaping Handler) { on(.get, path, handler) }
    func post(_ path: String, _ handler: @escaping Handler) { on(.post, path, handler) }

    func get(_ path: String, roles: Set<Role>, _ handler: @escaping SignedInHandler) { on(.get, path, roles: roles, handler) }
    func post(_ path: String, roles: Set<Role>, _ handler: @escaping SignedInHandler) { on(.post, path, roles: roles, handler) }
    func put(_ path: String, roles: Set<Role>, _ handler: @escaping SignedInHandler) { on(.put, path, roles: roles, handler) }
    func patch(_ path: String, roles: Set<Role>, _ handler: @escaping SignedInHandler) { on(.patch, path, roles: roles, handler) }
    func delete(_ path: String, roles: Set<Role>, _ handler: @escaping SignedInHandler) { on(.delete, path, roles: roles, handler) }

    /// The methods served for a concrete request path (empty when the path is unknown).
    func methods(forPath path: String) -> [String] {
        let segments = Self.segments(path)
        return registered.filter { route in
            let pattern = Self.segments(route.path)
            guard pattern.count == segments.count else { return false }
            return zip(pattern, segments).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
        }.map(\.method)
    }

    private static func segments(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }
}
