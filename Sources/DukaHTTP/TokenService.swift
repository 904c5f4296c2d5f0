import DukaCore
import JWTKit
import Logging
import ServiceLifecycle
import Synchronization

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

    static let claimNames: Set<String> = ["sub", "uid", "role", "ver", "iat", "exp", "jti"]

    private enum CodingKeys: String, CodingKey {
        case sub, uid, role, ver, iat, exp, jti
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(sub: SubjectClaim, uid: Int64, role: String, ver: Int64, iat: IssuedAtClaim, exp: ExpirationClaim, jti: IDClaim) {
        (self.sub, self.uid, self.role, self.ver, self.iat, self.exp, self.jti) = (sub, uid, role, ver, iat, exp, jti)
    }

    /// Strict: a token with any claim more or less than Duka issues is not Duka's.
    init(from decoder: any Decoder) throws {
        let names = Set(try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue))
        guard names == Self.claimNames else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "unexpected claims"))
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        sub = try container.decode(SubjectClaim.self, forKey: .sub)
        uid = try container.decode(Int64.self, forKey: .uid)
        role = try container.decode(String.self, forKey: .role)
        ver = try container.decode(Int64.self, forKey: .ver)
        iat = try container.decode(IssuedAtClaim.self, forKey: .iat)
        exp = try container.decode(ExpirationClaim.self, forKey: .exp)
        jti = try container.decode(IDClaim.self, forKey: .jti)
    }
}

/// Signs and verifies HS256 session tokens with jwt-kit.
///
/// jwt-kit picks the key by the token's `kid` and does not compare the header's `alg`
/// with the key, so the header is checked here first: only `{"alg": "HS256"}` (with an
/// optional `"typ": "JWT"`) is Duka's; `crit`, `kid` or any other member is refused. A
/// token must also not live longer than the configured lifetime (`exp - iat`), nor be
/// issued in the future.
struct TokenService: Sendable {
    let keys: JWTKeyCollection
    let lifetime: Int64
    let verified = VerifiedTokens()

    /// Clock differences tolerated on `iat` (seconds).
    static let allowedSkew: Int64 = 60

    init(secret: String, lifetime: Int64) async {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.keys = keys
        self.lifetime = lifetime
    }

    /// Signs with `secret` from now on; tokens signed with the old one stop verifying.
    func replaceSecret(with secret: String) async {
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        verified.removeAll()
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
    func verify(_ token: String, now: Int64 = Timestamp.now()) async -> SessionClaims? {
        if let claims = verified.claims(of: token) { return claims }
        // A verification begun with the old key must not be cached after a rotation.
        let generation = verified.generation
        guard Self.hasDukaHeader(token),
              let claims = try? await keys.verify(token, as: SessionClaims.self)
        else { return nil }
        let issued = Int64(claims.iat.value.timeIntervalSince1970)
        let expires = Int64(claims.exp.value.timeIntervalSince1970)
        guard expires - issued <= lifetime, issued <= now + Self.allowedSkew else { return nil }
        verified.remember(token, claims, generation: generation)
        return claims
    }

    /// True when the token's header is exactly what Duka writes.
    static func hasDukaHeader(_ token: String) -> Bool {
        guard let end = token.utf8.firstIndex(of: UInt8(ascii: ".")),
              let bytes = Base64URL.decode(token.utf8[..<end]),
              case .object(let header)? = try? JSON.parse(bytes),
              header["alg"] == .string("HS256")
        else { return false }
        if let type = header["typ"], type != .string("JWT") { return false }
        return Set(header.keys).isSubset(of: ["alg", "typ"])
    }
}

/// Base64url without padding (RFC 7515), as JWTs use it.
enum Base64URL {
    static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        var standard = text.map { byte -> UInt8 in
            switch byte {
            case UInt8(ascii: "-"): return UInt8(ascii: "+")
            case UInt8(ascii: "_"): return UInt8(ascii: "/")
            default: return byte
            }
        }
        guard !standard.contains(UInt8(ascii: "=")), standard.count % 4 != 1 else { return nil }
        while standard.count % 4 != 0 { standard.append(UInt8(ascii: "=")) }
        return Data(base64Encoded: Data(standard)).map { Array($0) }
    }
}

/// Watches the stored signing secret, so that `duka rotate-secret` takes effect on a
/// running server within `interval` (it also ends every session at once).
struct SecretWatcher: Service {
    let storage: any Storage
    let tokens: TokenService
    let current: String
    let logger: Logger
    var interval: Duration = .seconds(2)

    func run() async throws {
        var current = self.current
        while !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            guard !Task.isShuttingDownGracefully,
                  let stored = try? await storage.storedSigningSecret(),
                  stored != current
            else { continue }
            await tokens.replaceSecret(with: stored)
            current = stored
            logger.notice("the token signing secret was rotated; tokens signed with the old one are refused")
        }
    }
}

/// Tokens whose signature and claims were already checked, by their exact text: a client
/// sends the same token with every request, and parsing and verifying it again was 8% of
/// a list request's time. Only the pure part is skipped: expiry is checked on every use,
/// and revocation (the user row and its session version) is never cached.
final class VerifiedTokens: Sendable {
    private struct State {
        var claims: [String: SessionClaims] = [:]
        var generation: UInt64 = 0
    }

    private let entries = Mutex(State())
    /// At most this many tokens are kept (a few MiB); when full, the cache starts over.
    let capacity: Int

    init(capacity: Int = 4096) {
        self.capacity = capacity
    }

    func claims(of token: String, now: Date = Date()) -> SessionClaims? {
        guard let claims = entries.withLock({ $0.claims[token] }) else { return nil }
        guard (try? claims.exp.verifyNotExpired(currentDate: now)) != nil else {
            _ = entries.withLock { $0.claims.removeValue(forKey: token) }
            return nil
        }
        return claims
    }

    /// Keeps `claims` unless the cache was emptied (the secret rotated) since `generation`
    /// was read, before the token was verified.
    func remember(_ token: String, _ claims: SessionClaims, generation: UInt64? = nil) {
        entries.withLock { state in
            guard state.generation == generation ?? state.generation else { return }
            if state.claims.count >= capacity { state.claims.removeAll(keepingCapacity: true) }
            state.claims[token] = claims
        }
    }

    func removeAll() {
        entries.withLock { state in
            state.claims.removeAll()
            state.generation &+= 1
        }
    }

    var generation: UInt64 { entries.withLock { $0.generation } }

    var count: Int { entries.withLock { $0.claims.count } }
}
