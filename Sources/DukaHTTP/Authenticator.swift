import DukaCore
import Hummingbird
import JWTKit
import SQLite

/// Turns a request's token (header first, then the `access_token` cookie) into the
/// user it names, re-checked against the database on every request, so revocation,
/// deactivation, deletion and demotion bite at once.
struct Authenticator: Sendable {
    static let cookieName = "access_token"

    let tokens: TokenService
    let database: Database

    /// The authenticated user, or 401 `unauthorized` (with `WWW-Authenticate: Bearer`).
    func user(for request: Request) async throws -> User {
        let claims = try await claims(of: request)
        return try await database.read { try Self.user(for: claims, in: $0) }
    }

    /// Authenticates, checks the role, then runs `body` in the same read transaction:
    /// one trip to a reader thread for the hot read endpoints. `checked` is the result of
    /// the request's syntax checks, thrown only after 401 and 403 (API.md's order).
    func read<T: Sendable>(
        _ request: Request, roles: Set<Role> = .everyone, checked: Result<Void, APIError> = .success(()),
        _ body: @escaping @Sendable (User, Connection) throws -> T
    ) async throws -> T {
        let claims = try await claims(of: request)
        return try await database.read { db in
            let user = try Self.user(for: claims, in: db)
            guard roles.contains(user.role) else { throw APIError.forbidden }
            try checked.get()
            return try body(user, db)
        }
    }

    private func claims(of request: Request) async throws -> SessionClaims {
        guard let token = Self.token(in: request), let claims = await tokens.verify(token) else {
            throw APIError.unauthorized()
        }
        return claims
    }

    private static func user(for claims: SessionClaims, in db: Connection) throws -> User {
        guard let user = try UserStore.find(id: claims.uid, in: db),
              user.uuid == claims.sub.value,
              user.role.rawValue == claims.role,
              user.sessionVersion == claims.ver,
              user.isActive, !user.isDeleted
        else {
            throw RevokedToken(userID: claims.uid)
        }
        return user
    }

    /// The authenticated user, who must have one of `roles` (else 403 `forbidden`).
    func user(for request: Request, roles: Set<Role>) async throws -> User {
        let user = try await user(for: request)
        guard roles.contains(user.role) else { throw APIError.forbidden }
        return user
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

extension String {
    func trimmingWhitespaceAndNewlines() -> String {
        String(Substring(self).trimmingCharacters(in: " \t\r\n"))
    }
}

/// A token signed by us whose user no longer accepts it (logged out, deactivated,
/// deleted, demoted): answered 401 like any bad token, and logged as a security event.
struct RevokedToken: Error {
    let userID: Int64
}

/// Role sets used across controllers.
extension Set where Element == Role {
    static let everyone = Set(Role.allCases)
}
