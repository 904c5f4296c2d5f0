import HTTPTypes
import Hummingbird

/// Refuses cross-site writes that ride on the session cookie (CSRF), beyond what
/// `SameSite=Strict` already does: an unsafe request (anything but GET, HEAD, OPTIONS)
/// without an `Authorization` header whose `Origin` (or, lacking it, `Referer`) is present
/// and is neither this server's own origin nor a `--cors-origin` gets 403 `forbidden`.
/// Bearer requests are not affected: a browser never adds that header on its own.
///
/// "Own origin" is the request's `Host` (or, from a trusted proxy, `X-Forwarded-Host`)
/// with the scheme the client used when Duka knows it (its own TLS, or a trusted proxy's
/// `X-Forwarded-Proto`); behind a proxy it does not trust, either scheme.
struct CrossSiteRequestMiddleware: RouterMiddleware {
    typealias Context = DukaRequestContext

    static let forwardedHost = HTTPField.Name("X-Forwarded-Host")!
    static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")!
    static let refused = APIError(.forbidden, code: "forbidden", message: "Cross-site request refused")

    let allowedOrigins: Set<String>
    let proxies: ClientAddressMiddleware
    /// Duka serves HTTPS itself: only an `https` origin can be its own.
    let servesTLS: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        switch request.method {
        case .get, .head, .options: return try await next(request, context)
        default: break
        }
        guard request.headers[.authorization] == nil, let origin = Self.origin(of: request) else {
            return try await next(request, context)
        }
        guard allowedOrigins.contains(origin) || isOwn(origin, request: request, context: context) else {
            SecurityLog.event(context.logger, "cross_site_request_refused", address: context.clientAddress, user: nil)
            throw Self.refused
        }
        return try await next(request, context)
    }

    /// `scheme://host[:port]` of `Origin`, else of `Referer`; `null` stays `null` (never ours).
    static func origin(of request: Request) -> String? {
        if let origin = request.headers[.origin] { return origin }
        guard let referer = request.headers[.referer], let (scheme, rest) = splitScheme(referer) else { return nil }
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return scheme + "://" + authority
    }

    func isOwn(_ origin: String, request: Request, context: Context) -> Bool {
        var host = request.head.authority
        // The scheme the client used, when Duka knows it: its own TLS, or a trusted proxy's word.
        var servedScheme: String? = servesTLS ? "https" : nil
        if proxies.isTrusted(context.socketAddress) {
            if let forwarded = request.headers[Self.forwardedHost] { host = Self.first(forwarded) }
            if let proto = request.headers[Self.forwardedProto] { servedScheme = Self.first(proto).lowercased() }
        }
        guard let host, let (originScheme, authority) = Self.splitScheme(origin) else { return false }
        let scheme = originScheme.lowercased()
        guard scheme == "http" || scheme == "https", scheme == servedScheme ?? scheme else { return false }
        let defaultPort = scheme == "https" ? ":443" : ":80"
        func normalised(_ authority: some StringProtocol) -> String {
            let lowered = authority.lowercased()
            return lowered.hasSuffix(defaultPort) ? String(lowered.dropLast(defaultPort.count)) : lowered
        }
        return normalised(authority) == normalised(host)
    }

    /// The first of a proxy header's comma-separated values.
    static func first(_ value: String) -> String {
        String(Substring(value.split(separator: ",").first ?? "").trimmingCharacters(in: " \t"))
    }

    /// `https://shop:8080/x` as (`https`, `shop:8080/x`).
    static func splitScheme(_ url: String) -> (Substring, Substring)? {
        guard let colon = url.firstIndex(of: ":") else { return nil }
        let rest = url[url.index(after: colon)...]
        guard rest.hasPrefix("//") else { return nil }
        return (url[..<colon], rest.dropFirst(2))
    }
}
