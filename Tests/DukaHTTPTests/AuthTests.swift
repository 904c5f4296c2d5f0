import DukaCore
@testable import DukaSQLite
import DukaAssets
import SQLite
import Foundation
import HTTPTypes
import JWTKit
import Testing

@testable import DukaHTTP

@Suite struct LoginTests {
    static let userKeys: Set<String> = ["id", "username", "email", "role", "is_active", "created_at", "updated_at"]
    static let detailKeys = userKeys.union(["full_name", "id_number", "phone_number", "county", "town", "street", "deleted_at"])

    @Test(arguments: TestEngine.available) func loginByUsernameOrEmailAnyCase(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        let user = try await duka.makeUser("Wanjiku", role: .cashier)
        try await duka.run { (api: TestAPI) async throws in
            for name in ["Wanjiku", "wanjiku", "WANJIKU", "wanjiku@example.com", "WanJiku@Example.COM"] {
                let response = try await api.login(name)
                #expect(response.status == .ok, "\(name)")
                #expect(response.json["message"] == .string("Login successful"))
                #expect(APIResponse.keys(response.data) == ["access_token", "token_type", "expires_in", "user"])
                #expect(response.data?["token_type"] == .string("Bearer"))
                #expect(response.data?["expires_in"] == .int(86_400))
                #expect(APIResponse.keys(response.data?["user"]) == Self.userKeys)
                #expect(response.data?["user"]?["id"] == .string(user.uuid))
                #expect(!response.body.contains("password"))
            }
        }
    }

    @Test(arguments: TestEngine.available) func loginSetsAStrictHttpOnlyCookie(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.makeUser("amina", role: .manager)
        try await duka.run { (api: TestAPI) async throws in
            let response = try await api.login("amina")
            let cookie = try #require(response.headers[.setCookie])
            let token = try #require(response.data?["access_token"]?.stringValue)
            #expect(cookie.hasPrefix("access_token=\(token);"))
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Strict"))
            #expect(cookie.contains("Path=/"))
            #expect(cookie.contains("Max-Age=86400"))
            #expect(!cookie.contains("Secure"))

            var forwarded = HTTPFields()
            forwarded[HTTPField.Name("X-Forwarded-Proto")!] = "https"
            let overTLS = try await api.login("amina", headers: forwarded)
            #expect(overTLS.headers[.setCookie]?.contains("; Secure") == true)
        }
    }

    @Test(arguments: TestEngine.available) func badCredentialsAllAnswerTheSame401(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.makeUser("peter", role: .cashier)
        try await duka.makeUser("gone", role: .customer, deleted: true)
        try await duka.makeUser("goneinactive", role: .customer, isActive: false, deleted: true)
        try await duka.run { (api: TestAPI) async throws in
            let answers = [
                try await api.login("peter", "wrong-password"),
                try await api.login("nobody", "password-1"),
                try await api.login("gone", "password-1"),
                try await api.login("goneinactive", "password-1"),
            ]
            for answer in answers {
                #expect(answer.status == .unauthorized)
                #expect(answer.json == .object(["message": .string("Invalid username or password"), "code": .string("unauthorized")]))
                #expect(answer.headers[.wwwAuthenticate] == "Bearer")
                #expect(answer.headers[.setCookie] == nil)
            }
        }
    }

    @Test(arguments: TestEngine.available) func deactivatedAccountWithRightPasswordIs403(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.makeUser("lucy", role: .employee, isActive: false)
        try await duka.run { (api: TestAPI) async throws in
            let right = try await api.login("lucy")
            #expect(right.status == .forbidden)
            #expect(right.code == "account_inactive")
            let wrong = try await api.login("lucy", "nope-nope")
            #expect(wrong.status == .unauthorized)
        }
    }

    @Test(arguments: TestEngine.available) func loginValidatesItsBody(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.run { (api: TestAPI) async throws in
            let missing = try await api.request(.post, "/api/v1/auth/login", json: .object(["username": .string("x")]))
            #expect(missing.status == .badRequest)
            #expect(missing.code == "validation_failed")
            #expect(missing.json["errors"]?["password"] != nil)

            let wrongType = try await api.request(.post, "/api/v1/auth/login", json: .object(["username": .int(5), "password": .string("x")]))
            #expect(wrongType.code == "validation_failed")
            #expect(wrongType.json["errors"]?["username"] == .string("must be a string"))

            let malformed = try await api.request(.post, "/api/v1/auth/login", rawBody: "{\"username\": ", headers: [.contentType: "application/json"])
            #expect(malformed.status == .badRequest)
            #expect(malformed.code == "bad_request")

            let notObject = try await api.request(.post, "/api/v1/auth/login", rawBody: "[1,2]", headers: [.contentType: "application/json"])
            #expect(notObject.code == "bad_request")

            let form = try await api.request(.post, "/api/v1/auth/login", rawBody: "username=a&password=b", headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(form.status == .unsupportedMediaType)
            #expect(form.code == "unsupported_media_type")

            let noType = try await api.request(.post, "/api/v1/auth/login", rawBody: "{}")
            #expect(noType.status == .unsupportedMediaType)

            let withCharset = try await api.request(
                .post, "/api/v1/auth/login", rawBody: "{\"username\":\"a\",\"password\":\"b\"}",
                headers: [.contentType: "Application/JSON; charset=utf-8"]
            )
            #expect(withCharset.status == .unauthorized)
        }
    }

    @Test(arguments: TestEngine.available) func longPasswordsAreNotTruncated(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        let long = String(repeating: "k", count: 90) + "-end-A"
        try await duka.makeUser("longpass", role: .cashier, password: long)
        try await duka.run { (api: TestAPI) async throws in
            #expect(try await api.login("longpass", long).status == .ok)
            let sameFirst72 = String(repeating: "k", count: 90) + "-end-B"
            #expect(try await api.login("longpass", sameFirst72).status == .unauthorized)
        }
    }
}

@Suite struct SessionTests {
    @Test(arguments: TestEngine.available) func meWithHeaderOrCookie(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        let user = try await duka.makeUser("grace", role: .employee, profile: .init(fullName: "Grace Akinyi", phoneNumber: "+254712345678"))
        try await duka.run { (api: TestAPI) async throws in
            let token = try await api.token("grace")
            let viaHeader = try await api.request(.get, "/api/v1/auth/me", token: token)
            #expect(viaHeader.status == .ok)
            #expect(viaHeader.json["message"] == .string("Profile retrieved successfully"))
            #expect(APIResponse.keys(viaHeader.data) == LoginTests.detailKeys)
            #expect(viaHeader.data?["id"] == .string(user.uuid))
            #expect(viaHeader.data?["full_name"] == .string("Grace Akinyi"))
            #expect(viaHeader.data?["county"] == .null)
            #expect(viaHeader.data?["deleted_at"] == .null)

            let viaCookie = try await api.request(.get, "/api/v1/auth/me", headers: [.cookie: "access_token=\(token)"])
            #expect(viaCookie.status == .ok)

            // The header wins when both are present.
            let badHeader = try await api.request(.get, "/api/v1/auth/me", token: token + "x", headers: [.cookie: "access_token=\(token)"])
            #expect(badHeader.status == .unauthorized)
        }
    }

    @Test(arguments: TestEngine.available) func missingOrRejectedTokensAre401(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        let user = try await duka.makeUser("kamau", role: .cashier)
        try await duka.run { (api: TestAPI) async throws in
            let token = try await api.token("kamau")
            var tampered = Array(token)
            let index = tampered.count - 5
            tampered[index] = tampered[index] == "A" ? "B" : "A"

            let otherKey = JWTKeyCollection()
            await otherKey.add(hmac: HMACKey(from: "not-the-server-secret-but-just-as-long-as-one"), digestAlgorithm: .sha256)
            let now = Date()
            func claims(expiry: Date, role: String = "cashier") -> SessionClaims {
                SessionClaims(
                    sub: .init(value: user.uuid), uid: user.id, role: role, ver: user.sessionVersion,
                    iat: .init(value: now.addingTimeInterval(-7200)), exp: .init(value: expiry), jti: .init(value: "x")
                )
            }
            let foreign = try await otherKey.sign(claims(expiry: now.addingTimeInterval(600)))
            let secret = try #require(try await duka.server.storage.storedSigningSecret())
            let serverKey = JWTKeyCollection()
            await serverKey.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
            let expired = try await serverKey.sign(claims(expiry: now.addingTimeInterval(-1)))
            let wrongRole = try await serverKey.sign(claims(expiry: now.addingTimeInterval(600), role: "admin"))
            let stillGood = try await serverKey.sign(claims(expiry: now.addingTimeInterval(600)))
            let unsigned = token.split(separator: ".").prefix(2).joined(separator: ".") + "."
            let algNone = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + token.split(separator: ".")[1] + "."

            for (name, header) in [
                ("none", nil), ("garbage", "Bearer garbage"), ("tampered", "Bearer \(String(tampered))"),
                ("other key", "Bearer \(foreign)"), ("expired", "Bearer \(expired)"), ("wrong role", "Bearer \(wrongRole)"),
                ("unsigned", "Bearer \(unsigned)"), ("alg none", "Bearer \(algNone)"), ("basic", "Basic \(token)"),
            ] as [(String, String?)] {
                var headers = HTTPFields()
                if let header { headers[.authorization] = header }
                let response = try await api.request(.get, "/api/v1/auth/me", headers: headers)
                #expect(response.status == .unauthorized, "\(name)")
                #expect(response.code == "unauthorized", "\(name)")
                #expect(response.headers[.wwwAuthenticate] == "Bearer", "\(name)")
            }
            #expect(try await api.request(.get, "/api/v1/auth/me", token: stillGood).status == .ok)
        }
    }

    @Test(arguments: TestEngine.available) func logoutRevokesEveryEarlierTokenForGood(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.makeUser("otieno", role: .manager)
        try await duka.run { (api: TestAPI) async throws in
            let first = try await api.token("otieno")
            let second = try await api.token("otieno")
            let logout = try await api.request(.post, "/api/v1/auth/logout", token: first)
            #expect(logout.status == .ok)
            #expect(logout.json == .object(["message": .string("Logout successful")]))
            let cleared = try #require(logout.headers[.setCookie])
            #expect(cleared.hasPrefix("access_token=;"))
            #expect(cleared.contains("Max-Age=0"))

            #expect(try await api.request(.get, "/api/v1/auth/me", token: first).status == .unauthorized)
            #expect(try await api.request(.get, "/api/v1/auth/me", token: second).status == .unauthorized)
            #expect(try await api.request(.post, "/api/v1/auth/logout", token: first).status == .unauthorized)

            let fresh = try await api.token("otieno")
            #expect(try await api.request(.get, "/api/v1/auth/me", token: fresh).status == .ok)
            #expect(try await api.request(.get, "/api/v1/auth/me", token: first).status == .unauthorized)
        }
    }

    @Test(arguments: TestEngine.available) func accountChangesBiteOnTheNextRequest(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        let deactivated = try await duka.makeUser("deactivated", role: .customer)
        let deleted = try await duka.makeUser("deleted", role: .customer)
        let demoted = try await duka.makeUser("demoted", role: .manager)
        let removed = try await duka.makeUser("removed", role: .cashier)
        try await duka.run { (api: TestAPI) async throws in
            let tokens = [
                try await api.token("deactivated"), try await api.token("deleted"),
                try await api.token("demoted"), try await api.token("removed"),
            ]
            for token in tokens {
                #expect(try await api.request(.get, "/api/v1/auth/me", token: token).status == .ok)
            }
            do {
                try await duka.execute("UPDATE users SET is_active = FALSE WHERE id = ?", .int(deactivated.id))
                try await duka.execute("UPDATE users SET deleted_at = 1 WHERE id = ?", .int(deleted.id))
                try await duka.execute("UPDATE users SET role = 'cashier' WHERE id = ?", .int(demoted.id))
                try await duka.execute("DELETE FROM users WHERE id = ?", .int(removed.id))
            }
            for token in tokens {
                #expect(try await api.request(.get, "/api/v1/auth/me", token: token).status == .unauthorized)
            }
            // Re-activation and restore do not bring old tokens back once the version moved on.
            do {
                try await duka.server.storage.endSessions(userID: deactivated.id)
                try await duka.execute("UPDATE users SET is_active = TRUE WHERE id = ?", .int(deactivated.id))
            }
            #expect(try await api.request(.get, "/api/v1/auth/me", token: tokens[0]).status == .unauthorized)
        }
    }
}

@Suite struct RegisterTests {
    static func body(_ overrides: [String: JSON] = [:]) -> JSON {
        var members: [String: JSON] = [
            "username": .string("new.customer"), "email": .string("new@example.co.ke"), "password": .string("secret-123"),
            "full_name": .string("Baraka Omondi"), "phone_number": .string("+254711223344"),
        ]
        members.merge(overrides) { $1 }
        return .object(members)
    }

    @Test(arguments: TestEngine.available) func registersAnActiveCustomerIgnoringRoleAndIsActive(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.run { (api: TestAPI) async throws in
            let response = try await api.request(
                .post, "/api/v1/auth/register",
                json: Self.body(["role": .string("admin"), "is_active": .bool(false), "county": .string("Kisumu"), "nickname": .string("ignored")])
            )
            #expect(response.status == .created)
            #expect(response.json["message"] == .string("Registration successful"))
            #expect(APIResponse.keys(response.data) == LoginTests.detailKeys)
            #expect(response.data?["role"] == .string("customer"))
            #expect(response.data?["is_active"] == .bool(true))
            #expect(response.data?["county"] == .string("Kisumu"))
            #expect(response.data?["town"] == .null)
            #expect(!response.body.contains("secret-123"))
            #expect(!response.body.contains("password"))
            let hash = try await duka.scalarText("SELECT password_hash FROM users WHERE username = 'new.customer'")
            #expect(hash?.hasPrefix("$2b$") == true)
            #expect(try await api.login("new.customer", "secret-123").status == .ok)
        }
    }

    @Test(arguments: TestEngine.available) func requiredFieldsAndRules(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.run { (api: TestAPI) async throws in
            let cases: [(String, JSON, String)] = [
                ("username", .null, "is required"),
                ("full_name", .string("   "), "is required"),
                ("phone_number", .string("0712345678"), "must be in E.164 form, e.g. +254712345678"),
                ("username", .string("ab"), "must be 3 to 50 characters"),
                ("username", .string(String(repeating: "a", count: 51)), "must be 3 to 50 characters"),
                ("username", .string("bad name"), "may contain only letters, digits, '.', '_' and '-'"),
                ("email", .string("no-at-sign"), "must be a valid email address"),
                ("email", .string(String(repeating: "a", count: 89) + "@example.com"), "must be at most 100 characters"),
                ("password", .string("12345"), "must be 6 to 100 characters"),
                ("password", .string(String(repeating: "p", count: 101)), "must be 6 to 100 characters"),
                ("county", .string(String(repeating: "c", count: 101)), "must be at most 100 characters"),
                ("town", .int(3), "must be a string"),
            ]
            for (field, value, reason) in cases {
                let response = try await api.request(.post, "/api/v1/auth/register", json: Self.body([field: value]))
                #expect(response.status == .badRequest, "\(field)")
                #expect(response.code == "validation_failed", "\(field)")
                #expect(response.json["errors"]?[field] == .string(reason), "\(field): \(response.body)")
            }
            let missing = try await api.request(.post, "/api/v1/auth/register", json: .object([:]))
            #expect(TestSupportKeys.errors(missing) == ["username", "email", "password", "full_name", "phone_number"])
            let count = try await duka.server.storage.userCount()
            #expect(count == 1)  // only the bootstrap admin
        }
    }

    @Test(arguments: TestEngine.available) func duplicatesAre409NamingTheField(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.makeUser("taken", role: .customer)
        try await duka.run { (api: TestAPI) async throws in
            let byName = try await api.request(.post, "/api/v1/auth/register", json: Self.body(["username": .string("TAKEN")]))
            #expect(byName.status == .conflict)
            #expect(byName.code == "duplicate")
            #expect(TestSupportKeys.errors(byName) == ["username"])
            let byEmail = try await api.request(.post, "/api/v1/auth/register", json: Self.body(["email": .string("Taken@Example.com")]))
            #expect(byEmail.code == "duplicate")
            #expect(TestSupportKeys.errors(byEmail) == ["email"])
        }
    }
}

enum TestSupportKeys {
    static func errors(_ response: APIResponse) -> Set<String> {
        APIResponse.keys(response.json["errors"])
    }
}

/// Tokens signed with the server's own key whose claims are not exactly Duka's.
@Suite struct StrictClaimsTests {
    struct Extra: JWTPayload {
        var sub: SubjectClaim, uid: Int64, role: String, ver: Int64, iat: IssuedAtClaim, exp: ExpirationClaim, jti: IDClaim
        var admin: Bool
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    struct Missing: JWTPayload {
        var sub: SubjectClaim, uid: Int64, role: String, iat: IssuedAtClaim, exp: ExpirationClaim, jti: IDClaim
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    @Test(arguments: TestEngine.available) func extraOrMissingClaimsAre401(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        let user = try await duka.makeUser("strict", role: .cashier)
        let secret = try #require(try await duka.server.storage.storedSigningSecret())
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        let now = Date()
        let extra = try await keys.sign(Extra(
            sub: .init(value: user.uuid), uid: user.id, role: "cashier", ver: user.sessionVersion,
            iat: .init(value: now), exp: .init(value: now.addingTimeInterval(600)), jti: .init(value: "j"), admin: true
        ))
        let missing = try await keys.sign(Missing(
            sub: .init(value: user.uuid), uid: user.id, role: "cashier",
            iat: .init(value: now), exp: .init(value: now.addingTimeInterval(600)), jti: .init(value: "j")
        ))
        let wrongSubject = try await keys.sign(SessionClaims(
            sub: .init(value: UUIDString.random()), uid: user.id, role: "cashier", ver: user.sessionVersion,
            iat: .init(value: now), exp: .init(value: now.addingTimeInterval(600)), jti: .init(value: "j")
        ))
        let exact = try await keys.sign(SessionClaims(
            sub: .init(value: user.uuid), uid: user.id, role: "cashier", ver: user.sessionVersion,
            iat: .init(value: now), exp: .init(value: now.addingTimeInterval(600)), jti: .init(value: "j")
        ))
        try await duka.run { (api: TestAPI) async throws in
            #expect(try await api.request(.get, "/api/v1/auth/me", token: extra).status == .unauthorized)
            #expect(try await api.request(.get, "/api/v1/auth/me", token: missing).status == .unauthorized)
            #expect(try await api.request(.get, "/api/v1/auth/me", token: wrongSubject).status == .unauthorized)
            #expect(try await api.request(.get, "/api/v1/auth/me", token: exact).status == .ok)
        }
    }
}

/// The cache of verified tokens skips only the signature and parsing work.
@Suite struct VerifiedTokensTests {
    static func claims(expiresAt: Double) -> SessionClaims {
        SessionClaims(
            sub: .init(value: "u"), uid: 1, role: "admin", ver: 1, iat: .init(value: Date(timeIntervalSince1970: 0)),
            exp: .init(value: Date(timeIntervalSince1970: expiresAt)), jti: .init(value: "j")
        )
    }

    @Test func expiredEntriesAreNotServedAndTheCacheIsBounded() {
        let cache = VerifiedTokens(capacity: 3)
        cache.remember("a", Self.claims(expiresAt: 1000))
        #expect(cache.claims(of: "a", now: Date(timeIntervalSince1970: 999)) != nil)
        #expect(cache.claims(of: "a", now: Date(timeIntervalSince1970: 1001)) == nil)
        #expect(cache.count == 0)
        for token in ["b", "c", "d"] { cache.remember(token, Self.claims(expiresAt: 1000)) }
        #expect(cache.count == 3)
        cache.remember("e", Self.claims(expiresAt: 1000))
        #expect(cache.count == 1)
        #expect(cache.claims(of: "b", now: Date(timeIntervalSince1970: 0)) == nil)
    }

    /// A cached token still stops working the moment its user logs out.
    @Test(arguments: TestEngine.available) func revocationIsNotCached(_ engine: TestEngine) async throws {
        let duka = try await UsersAPITests.staff(engine)
        try await duka.run { (api: TestAPI) async throws in
            let token = try await api.token("the.manager")
            #expect(try await api.request(.get, "/api/v1/auth/me", token: token).status == .ok)
            #expect(try await api.request(.get, "/api/v1/auth/me", token: token).status == .ok)  // from the cache
            #expect(try await api.request(.post, "/api/v1/auth/logout", token: token).status == .ok)
            #expect(try await api.request(.get, "/api/v1/auth/me", token: token).status == .unauthorized)
        }
    }
}
