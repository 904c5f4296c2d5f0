import HTTPTypes
import Hummingbird

/// Headers every answer carries, and CORS for the origins the operator allowed
/// (`--cors-origin`; none by default, so browsers on other origins are refused).
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = DukaRequestContext

    /// Exact origins such as `https://shop.example.com`.
    let allowedOrigins: Set<String>

    static let allowedMethods = "GET, POST, PUT, PATCH, DELETE"
    static let allowedHeaders = "Authorization, Content-Type"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let origin = request.headers[.origin].flatMap { allowedOrigins.contains($0) ? $0 : nil }
        var response: Response
        if request.method == .options, let origin, request.headers[.accessControlRequestMethod] != nil {
            // A preflight from an allowed origin.
            response = Response(status: .noContent)
            response.headers[.accessControlAllowOrigin] = origin
            response.headers[.accessControlAllowMethods] = Self.allowedMethods
            response.headers[.accessControlAllowHeaders] = Self.allowedHeaders
            response.headers[.accessControlAllowCredentials] = "true"
            response.headers[.accessControlMaxAge] = "600"
        } else {
            response = try await next(request, context)
            if let origin {
                response.headers[.accessControlAllowOrigin] = origin
                response.headers[.accessControlAllowCredentials] = "true"
            }
        }
        if !allowedOrigins.isEmpty { response.headers[.vary] = "Origin" }
        response.headers[.xContentTypeOptions] = "nosniff"
        // Answers carry personal data and tokens: no cache keeps them unless a handler says otherwise.
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}
