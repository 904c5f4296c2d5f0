import DukaCore
import Hummingbird
import JWTKit

/// Turns a request's token (header first, then the `access_token` cookie) into verified
/// claims, or 401. Whether the user still accepts them (revocation, deactivation,
/// deletion, demotion) and has the route's roles is checked against the user's row by
/// the storage engine on every request (`Access.admit`), so each bites at once.
struct Authenticator: Sendable {
    static let cookieName = "access_token"

    let tokens: TokenService

    func claims(of request: Request) async throws -> SessionClaims {
        guard let token = Self.token(in: request), let claims = await tokens.verify(token) else {
            throw APIError.unauthorized()
        }
        return claims
    }

    static func token(in request: Request) -> String? {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
            return String(parts[1]).trimmingWhitespaceAndNewlines()
        }
        return request.cookies[cookieName]?.value
    }
}

/// The signed-in caller of a route registered with roles: verified claims (checked
/// before the handler runs) and the route's roles.
struct Caller: Sendable {
    let claims: SessionClaims
    let roles: Set<Role>
    let storage: any Storage

    /// For a read: the engine admits it in the read's own transaction. `checked` is the
    /// outcome of the request's syntax checks, thrown only after 401 and 403.
    func access(checked: Result<Void, APIError> = .success(())) -> Access {
        Access(
            userID: claims.uid, uuid: claims.sub.value, role: claims.role, sessionVersion: claims.ver, roles: roles,
            checked: checked.mapError { $0 }
        )
    }

    /// The admitted user, for a change made "by this user" (a read of its own).
    func user() async throws -> User {
        try await storage.user(access())
    }
}

extension String {
    func trimmingWhitespaceAndNewlines() -> String {
        String(Substring(self).trimmingCharacters(in: " \t\r\n"))
    }
}
