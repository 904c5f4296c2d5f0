import DukaCore
import JWTKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The claims of a Duka session token (API.md section 2).
struct SessionClaims: JWTPayload, Equatable {
    var sub: SubjectClaim
    var uid: Int64
    var role: String
    var ver: Int64
    var iat: IssuedAtClaim
    var exp: ExpirationClaim
    var jti: IDClaim

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}

/// Signs and verifies HS256 session tokens with jwt-kit.
struct TokenService: Sendable {
    let keys: JWTKeyCollection
    let lifetime: Int64

    init(secret: String, lifetime: Int64) async {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.keys = keys
        self.lifetime = lifetime
    }

    func issue(for user: User, now: Int64 = Timestamp.now()) async throws -> String {
        let claims = SessionClaims(
            sub: .init(value: user.uuid),
            uid: user.id,
            role: user.role.rawValue,
            ver: user.sessionVersion,
            iat: .init(value: Date(timeIntervalSince1970: Double(now))),
            exp: .init(value: Date(timeIntervalSince1970: Double(now + lifetime))),
            jti: .init(value: UUIDString.random())
        )
        return try await keys.sign(claims)
    }

    /// The claims of a valid, unexpired token signed with our key; nil otherwise.
    func verify(_ token: String) async -> SessionClaims? {
        try? await keys.verify(token, as: SessionClaims.self)
    }
}
