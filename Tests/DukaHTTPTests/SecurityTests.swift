import Crypto
import DukaCore
@testable import DukaSQLite
import DukaAssets
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SQLite
import Testing

@testable import DukaHTTP

/// The security pass (issue 13): each test here failed before its fix.
@Suite struct LoginThrottleUnderLoadTests {
    /// Runs `count` logins at once; answers their statuses.
    static func concurrentLogins(_ api: TestAPI, count: Int, name: @escaping @Sendable (Int) -> String, password: String) async throws -> [HTTPResponse.Status] {
        try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
            for index in 0..<count {
                group.addTask { try await api.login(name(index), password).status }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    @Test(arguments: TestEngine.available) func parallelWrongPasswordsAreCheckedAtMostFiveTimes(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.makeUser("thr1", role: .cashier)
        try await duka.run { (api: TestAPI) async throws in
            let statuses = try await Self.concurrentLogins(api, count: 40, name: { _ in "thr1" }, password: "wrong-one")
            #expect(statuses.filter { $0 == .unauthorized }.count == 5)
            #expect(statuses.filter { $0 == .tooManyRequests }.count == 35)
            // The right password is refused too, until the window passes.
            #expect(try await api.login("thr1").status == .tooManyRequests)
        }
    }

    @Test(arguments: TestEngine.available) func parallelGuessesFromOneAddressAreCheckedAtMostThirtyTimes(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.run { (api: TestAPI) async throws in
            let statuses = try await Self.concurrentLogins(api, count: 60, name: { "nobody-\($0)" }, password: "wrong-one")
            #expect(statuses.filter { $0 == .unauthorized }.count == 30)
            // The rest are refused; under a loaded machine a few may be shed (503) instead.
            #expect(statuses.filter { $0 == .tooManyRequests || $0 == .serviceUnavailable }.count == 30)
            #expect(statuses.filter { $0 == .tooManyRequests }.count >= 20)
        }
    }

    @Test(arguments: TestEngine.available) func aUsernameAndItsEmailShareOneCount(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.makeUser("thr2", role: .cashier)
        try await duka.run { (api: TestAPI) async throws in
            for _ in 0..<5 { #expect(try await api.login("thr2", "wrong-one").status == .unauthorized) }
            #expect(try await api.login("thr2@example.com").status == .tooManyRequests)
            #expect(try await api.login("THR2@EXAMPLE.COM", "wrong-one").status == .tooManyRequests)
            // A name that matches nobody is counted by its text (case-folded), as cheaply.
            for _ in 0..<5 { #expect(try await api.login("ghost", "wrong-one").status == .unauthorized) }
            #expect(try await api.login("GHOST", "wrong-one").status == .tooManyRequests)
            #expect(try await api.login("ghost2", "wrong-one").status == .unauthorized)
        }
    }

    @Test(arguments: TestEngine.available) func aRightPasswordOnADeactivatedAccountGivesItsPlaceBack(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.makeUser("resting", role: .cashier, isActive: false)
        try await duka.run { (api: TestAPI) async throws in
            for _ in 0..<8 { #expect(try await api.login("resting").code == "account_inactive") }
        }
    }

    @Test(arguments: TestEngine.available) func aLoginNameOver254CharactersIsRefusedBeforeAnythingIsKept(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.run { (api: TestAPI) async throws in
            let long = try await api.login(String(repeating: "a", count: 255), "wrong-one")
            #expect(long.status == .badRequest)
            #expect(long.code == "validation_failed")
            #expect(long.json["errors"]?["username"]?.stringValue == "must be at most 254 characters")
            let huge = try await api.login(String(repeating: "b", count: 1 << 19), "wrong-one")
            #expect(huge.status == .badRequest)
            /// Accounts and addresses counted: in memory, or in the database (PostgreSQL).
            func counted() async throws -> (Int, Int) {
                if let memory = duka.server.loginThrottle as? LoginThrottle { return memory.entryCount }
                let count = { (kind: String) in
                    try await duka.scalarInt("SELECT COUNT(DISTINCT key) FROM throttle_attempts WHERE key LIKE ?", .text("login \(kind) %"))
                }
                return (Int(try await count("account") ?? -1), Int(try await count("address") ?? -1))
            }
            #expect(try await counted() == (0, 0))
            #expect(try await api.login(String(repeating: "c", count: 254), "wrong-one").status == .unauthorized)
            #expect(try await counted() == (1, 1))
        }
    }

    @Test func theThrottlesMemoryIsBounded() {
        let throttle = LoginThrottle(limits: .init(perAccount: 5, perAddress: 30, window: 900, maxEntries: 100))
        for index in 0..<5_000 {
            guard case .success(let held) = throttle.reserve(
                account: LoginThrottle.accountKey(unknownName: "name-\(index)"), address: "10.0.\(index / 256).\(index % 256)"
            ) else {
                Issue.record("attempt \(index) was refused")
                return
            }
            throttle.failed(held)
        }
        #expect(throttle.entryCount.accounts <= 100)
        #expect(throttle.entryCount.addresses <= 100)
        // However long the text, a key costs at most a few hundred bytes.
        #expect(LoginThrottle.accountKey(unknownName: String(repeating: "x", count: 1 << 20)).utf8.count <= LoginThrottle.maxKeyBytes)
    }

    @Test func aFloodOfNewKeysNeverForgetsABlockedAccount() {
        let throttle = LoginThrottle(limits: .init(perAccount: 5, perAddress: 30, window: 900, maxEntries: 10))
        let victim = LoginThrottle.accountKey(userID: 1)
        for _ in 0..<5 {
            guard case .success(let held) = throttle.reserve(account: victim, address: "10.9.9.9") else { Issue.record("refused"); return }
            throttle.failed(held)
        }
        var refused = 0
        for index in 0..<200 {
            switch throttle.reserve(account: LoginThrottle.accountKey(unknownName: "flood-\(index)"), address: "10.1.\(index / 256).\(index % 256)") {
            case .success(let held): throttle.failed(held)
            case .failure: refused += 1
            }
        }
        #expect(throttle.reserve(account: victim, address: "10.2.0.1").waitSeconds != nil)
        #expect(throttle.entryCount.accounts <= 40)
        #expect(throttle.entryCount.addresses <= 40)
        #expect(refused == 0)
    }

    @Test(arguments: TestEngine.available) func aLoginNameIsMeasuredInBytes(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.run { (api: TestAPI) async throws in
            // One character, 601 bytes: an "a" and 300 combining accents.
            let name = "a" + String(repeating: "\u{301}", count: 300)
            #expect(name.count == 1)
            #expect(try await api.login(name, "wrong-one").status == .badRequest)
        }
    }

    @Test func theWindowSlides() {
        final class Clock: @unchecked Sendable { var now: Int64 = 1_000_000 }
        let clock = Clock()
        let throttle = LoginThrottle(limits: .init(perAccount: 5, perAddress: 30, window: 900), now: { clock.now })
        let key = LoginThrottle.accountKey(unknownName: "A")
        for _ in 0..<5 {
            guard case .success(let held) = throttle.reserve(account: key, address: "x") else { Issue.record("refused"); return }
            throttle.failed(held)
        }
        #expect(throttle.reserve(account: LoginThrottle.accountKey(unknownName: "a"), address: "y").waitSeconds == 900)
        clock.now += 600
        #expect(throttle.reserve(account: key, address: "y").waitSeconds == 300)
        clock.now += 300
        #expect(throttle.reserve(account: key, address: "y").waitSeconds == nil)
    }

    @Test func aSuccessDuringOtherAttemptsStillCountsTheirFailures() {
        let throttle = LoginThrottle(limits: .init(perAccount: 2, perAddress: 30, window: 900))
        let key = LoginThrottle.accountKey(userID: 7)
        guard case .success(let first) = throttle.reserve(account: key, address: "a"),
              case .success(let second) = throttle.reserve(account: key, address: "a") else { Issue.record("refused"); return }
        #expect(throttle.reserve(account: key, address: "a").waitSeconds != nil)
        throttle.succeeded(first)
        throttle.failed(second)
        guard case .success(let third) = throttle.reserve(account: key, address: "a") else { Issue.record("refused"); return }
        throttle.failed(third)
        #expect(throttle.reserve(account: key, address: "a").waitSeconds != nil)
    }
}

extension Result where Success == LoginThrottle.Reservation, Failure == LoginThrottle.Wait {
    var waitSeconds: Int64? {
        if case .failure(let wait) = self { return wait.seconds }
        return nil
    }
}

@Suite struct PasswordCostTests {
    @Test(arguments: TestEngine.available) func aLoginRemakesAHashOfAnotherCost(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine) { $0.bcryptCost = 5 }
        let cheap = PasswordHasher(cost: 4, threads: 1)
        let oldHash = try await cheap.hash("old-cost-pass")
        await cheap.shutdown()
        let user = try await duka.server.storage.createUser(
            NewUser(username: "oldcost", email: "oldcost@example.com", passwordHash: oldHash, role: .cashier), by: nil
        )
        #expect(PasswordHasher.cost(of: oldHash) == 4)
        try await duka.run { (api: TestAPI) async throws in
            let token = try await api.token("oldcost", "old-cost-pass")
            let stored = try #require(try await duka.user(id: user.id))
            #expect(PasswordHasher.cost(of: stored.passwordHash) == 5)
            #expect(stored.sessionVersion == user.sessionVersion)
            #expect(stored.updatedAt == user.updatedAt)
            // The same password still works, and the session it opened goes on.
            #expect(try await api.login("oldcost", "old-cost-pass").status == .ok)
            #expect(try await api.request(.get, "/api/v1/auth/me", token: token).status == .ok)
        }
    }

    @Test(arguments: TestEngine.available) func anOldCheaperHashTakesAsLongAsAnUnknownName(_ engine: TestEngine) async throws {
        // At cost 9 a check takes ~30 ms here; a cost-4 hash ~1 ms.
        let duka = try await TestDuka.make(engine) { $0.bcryptCost = 9 }
        let cheap = PasswordHasher(cost: 4, threads: 1)
        let oldHash = try await cheap.hash("old-cost-pass")
        await cheap.shutdown()
        _ = try await duka.server.storage.createUser(
            NewUser(username: "cheap", email: "cheap@example.com", passwordHash: oldHash, role: .cashier), by: nil
        )
        try await duka.run { (api: TestAPI) async throws in
            _ = try await api.login("warm-up", "wrong-one")
            func timed(_ name: String) async throws -> Duration {
                let start = ContinuousClock.now
                #expect(try await api.login(name, "wrong-one").status == .unauthorized)
                return ContinuousClock.now - start
            }
            // Interleaved, so a busy moment of the machine falls on both alike.
            var knownTimes: [Duration] = [], unknownTimes: [Duration] = []
            for index in 0..<4 {
                knownTimes.append(try await timed("cheap"))
                unknownTimes.append(try await timed("nobody-\(index)"))
            }
            let known = knownTimes.sorted()[1], unknown = unknownTimes.sorted()[1]
            // Unpadded, a known name answered in a tenth of the time; half leaves room for a busy machine.
            #expect(known * 2 >= unknown, "known \(known), unknown \(unknown)")
        }
    }
}

@Suite struct RegistrationHardeningTests {
    static func body(_ name: String) -> JSON {
        .object([
            "username": .string(name), "email": .string("\(name)@example.co.ke"), "password": .string("karibu-sana"),
            "full_name": .string("Reg Test"), "phone_number": .string("+254700123456"),
        ])
    }

    @Test(arguments: TestEngine.available) func registrationsAreThrottledPerAddress(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine) { $0.registrationLimits.perAddress = 3 }
        try await duka.run { (api: TestAPI) async throws in
            for index in 0..<3 {
                #expect(try await api.request(.post, "/api/v1/auth/register", json: Self.body("reg\(index)")).status == .created)
            }
            let refused = try await api.request(.post, "/api/v1/auth/register", json: Self.body("reg9"))
            #expect(refused.status == .tooManyRequests)
            #expect(refused.code == "too_many_requests")
            #expect(refused.headers[.retryAfter].flatMap(Int.init) != nil)
            #expect(try await api.request(.get, "/api/v1/users?search=reg9", token: api.token("admin", TestDuka.adminPassword)).data?["users"] == .array([]))
        }
    }

    @Test(arguments: TestEngine.available) func aTakenNameIsAnsweredBeforeAnyPasswordIsHashed(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.run { (api: TestAPI) async throws in
            #expect(try await api.request(.post, "/api/v1/auth/register", json: Self.body("taken")).status == .created)
            let admin = try await api.token("admin", TestDuka.adminPassword)
            let before = duka.server.hasher.runs
            let again = try await api.request(.post, "/api/v1/auth/register", json: Self.body("taken"))
            #expect(again.status == .conflict)
            #expect(again.code == "duplicate")
            guard case .object(var staff) = Self.body("taken") else { return }
            staff["role"] = .string("cashier")
            #expect(try await api.request(.post, "/api/v1/users", json: .object(staff), token: admin).status == .conflict)
            #expect(duka.server.hasher.runs == before)
        }
    }
}

@Suite struct SecurityEventLogTests {
    @Test(arguments: TestEngine.available) func failedThrottledAndRevokedAreLoggedWithoutSecrets(_ engine: TestEngine) async throws {
        let log = CapturedLog()
        let duka = try await TestDuka.make(engine, logger: log.logger)
        let user = try await duka.makeUser("watched", role: .cashier)
        try await duka.run { (api: TestAPI) async throws in
            let token = try await api.token("watched")
            for _ in 0..<5 { _ = try await api.login("watched", "s3cret-guess") }
            _ = try await api.login("watched", "s3cret-guess")
            _ = try await api.login("Typed-Password-Maybe", "s3cret-guess")
            // A token used after its user logged out elsewhere.
            try await duka.server.storage.endSessions(userID: user.id)
            #expect(try await api.request(.get, "/api/v1/auth/me", token: token).status == .unauthorized)

            let events = log.events
            let failed = events.filter { $0["event"] == "login_failed" }
            #expect(failed.count == 6)
            #expect(failed.first?["user"] == "watched#\(user.id)")
            #expect(failed.allSatisfy { $0["address"] != nil })
            #expect(failed.last?["user"]?.hasPrefix("unknown:") == true)
            #expect(events.contains { $0["event"] == "login_throttled" && $0["user"] == "watched#\(user.id)" })
            #expect(events.contains { $0["event"] == "revoked_token_used" && $0["user"] == "#\(user.id)" })
            let text = log.text
            #expect(!text.contains("s3cret-guess"))
            #expect(!text.contains("Typed-Password-Maybe"))
            #expect(!text.contains(token))
            #expect(!text.contains("$2b$"))
        }
    }
}

@Suite struct CrossSiteRequestTests {
    @Test(arguments: TestEngine.available) func cookieWritesFromAnotherOriginAreRefused(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine) { $0.corsOrigins = ["https://till.example.com"] }
        try await duka.makeUser("csrf", role: .cashier)
        try await duka.run { (api: TestAPI) async throws in
            let token = try await api.token("csrf")
            let cookie: HTTPFields = [.cookie: "access_token=\(token)"]
            func logout(_ extra: HTTPFields, bearer: Bool = false) async throws -> APIResponse {
                var headers = bearer ? [:] : cookie
                headers.append(contentsOf: extra)
                return try await api.request(.post, "/api/v1/auth/logout", token: bearer ? token : nil, headers: headers)
            }
            for (name, headers) in [
                ("foreign origin", [.origin: "https://evil.example"]),
                ("null origin", [.origin: "null"]),
                ("foreign referer", [.referer: "https://evil.example/page"]),
                ("same host, other port", [.origin: "http://localhost:9999"]),
            ] as [(String, HTTPFields)] {
                let refused = try await logout(headers)
                #expect(refused.status == .forbidden, "\(name)")
                #expect(refused.code == "forbidden", "\(name)")
            }
            // Still signed in: nothing was done.
            #expect(try await api.request(.get, "/api/v1/auth/me", headers: [.cookie: "access_token=\(token)", .origin: "https://evil.example"]).status == .ok)
            // A cross-site login is refused too (no Authorization header).
            let crossLogin = try await api.login("csrf", headers: [.origin: "https://evil.example"])
            #expect(crossLogin.status == .forbidden)
            // Bearer requests are not affected; the server's own origin and allowed origins pass.
            #expect(try await logout([.origin: "https://evil.example"], bearer: true).status == .ok)
            let again = try await api.token("csrf")
            #expect(try await api.request(.post, "/api/v1/auth/logout", headers: [.cookie: "access_token=\(again)", .origin: "http://localhost"]).status == .ok)
            let third = try await api.token("csrf")
            #expect(try await api.request(.post, "/api/v1/auth/logout", headers: [.cookie: "access_token=\(third)", .referer: "http://localhost/till"]).status == .ok)
            let fourth = try await api.token("csrf")
            #expect(try await api.request(.post, "/api/v1/auth/logout", headers: [.cookie: "access_token=\(fourth)", .origin: "https://till.example.com"]).status == .ok)
        }
    }
}

@Suite struct CrossSiteBehindAProxyTests {
    @Test(arguments: TestEngine.available) func aTrustedProxysHostAndSchemeNameTheOwnOrigin(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine) { $0.trustedProxies = [IPRange("127.0.0.1")!, IPRange("::1")!] }
        try await duka.makeUser("proxied", role: .cashier)
        try await duka.run(.live) { (api: TestAPI) async throws in
            func logout(origin: String) async throws -> HTTPResponse.Status {
                let token = try await api.token("proxied")
                return try await api.request(.post, "/api/v1/auth/logout", headers: [
                    .cookie: "access_token=\(token)", .origin: origin,
                    CrossSiteRequestMiddleware.forwardedHost: "shop.example.co.ke",
                    CrossSiteRequestMiddleware.forwardedProto: "https",
                ]).status
            }
            #expect(try await logout(origin: "https://shop.example.co.ke") == .ok)
            #expect(try await logout(origin: "http://shop.example.co.ke") == .forbidden)
            #expect(try await logout(origin: "https://shop.example.co.ke:8443") == .forbidden)
        }
    }
}

/// Tokens built by hand, to try what jwt-kit alone would accept.
@Suite struct TokenHeaderTests {
    static let secret = "a-test-secret-that-is-at-least-32-bytes-long"

    static func base64URL(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func token(header: String, claims: String, sha512: Bool = false, secret: String = secret) -> String {
        let input = base64URL(Array(header.utf8)) + "." + base64URL(Array(claims.utf8))
        let key = SymmetricKey(data: Array(secret.utf8))
        let signature = sha512
            ? Array(HMAC<SHA512>.authenticationCode(for: Array(input.utf8), using: key))
            : Array(HMAC<SHA256>.authenticationCode(for: Array(input.utf8), using: key))
        return input + "." + base64URL(signature)
    }

    @Test(arguments: TestEngine.available) func onlyDukasHeaderAndLifetimeAreAccepted(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine) { $0.jwtSecret = Self.secret }
        let user = try await duka.makeUser("hdr", role: .cashier)
        let now = Timestamp.now()
        func claims(iat: Int64 = now, exp: Int64 = now + 600) -> String {
            #"{"exp":\#(exp),"iat":\#(iat),"jti":"j","role":"cashier","sub":"\#(user.uuid)","uid":\#(user.id),"ver":\#(user.sessionVersion)}"#
        }
        let good = Self.token(header: #"{"alg":"HS256","typ":"JWT"}"#, claims: claims())
        let cases: [(String, String)] = [
            ("HS512 header", Self.token(header: #"{"alg":"HS512","typ":"JWT"}"#, claims: claims(), sha512: true)),
            ("HS512 header, HS256 signature", Self.token(header: #"{"alg":"HS512","typ":"JWT"}"#, claims: claims())),
            ("crit", Self.token(header: #"{"alg":"HS256","crit":["exp"],"typ":"JWT"}"#, claims: claims())),
            ("kid", Self.token(header: #"{"alg":"HS256","kid":"other","typ":"JWT"}"#, claims: claims())),
            ("longer than the TTL", Self.token(header: #"{"alg":"HS256","typ":"JWT"}"#, claims: claims(iat: now - 10, exp: now + 86_400))),
            ("issued in the future", Self.token(header: #"{"alg":"HS256","typ":"JWT"}"#, claims: claims(iat: now + 3600, exp: now + 3700))),
        ]
        try await duka.run { (api: TestAPI) async throws in
            #expect(try await api.request(.get, "/api/v1/auth/me", token: good).status == .ok)
            for (name, token) in cases {
                #expect(try await api.request(.get, "/api/v1/auth/me", token: token).status == .unauthorized, "\(name)")
            }
        }
    }

    @Test(arguments: TestEngine.available) func aRotatedSecretEndsEverySessionAndSignsNewOnes(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.makeUser("rot", role: .cashier)
        try await duka.run(.live) { (api: TestAPI) async throws in
            let before = try await api.token("rot")
            let oldSecret = try #require(try await duka.server.storage.storedSigningSecret())
            let user = try #require(try await duka.user(login: "rot"))
            try await duka.server.storage.rotateSigningSecret()
            // Every session ends at once, and whoever holds the old secret cannot forge the next
            // version while the server still knows the old key.
            #expect(try await api.request(.get, "/api/v1/auth/me", token: before).status == .unauthorized)
            let now = Timestamp.now()
            for version in [user.sessionVersion + 1, user.sessionVersion + 2] {
                let claims = #"{"exp":\#(now + 600),"iat":\#(now),"jti":"j","role":"cashier","sub":"\#(user.uuid)","uid":\#(user.id),"ver":\#(version)}"#
                let forged = Self.token(header: #"{"alg":"HS256","typ":"JWT"}"#, claims: claims, secret: oldSecret)
                #expect(try await api.request(.get, "/api/v1/auth/me", token: forged).status == .unauthorized)
            }
            let newSecret = try #require(try await duka.server.storage.storedSigningSecret())
            #expect(newSecret != oldSecret)
            // Within a few seconds the running server signs and verifies with the new secret only.
            var signedWithNew = false
            var token = ""
            for _ in 0..<40 where !signedWithNew {
                try await Task.sleep(for: .milliseconds(250))
                token = try await api.token("rot")
                signedWithNew = Self.isSigned(token, with: newSecret)
            }
            #expect(signedWithNew)
            #expect(try await api.request(.get, "/api/v1/auth/me", token: token).status == .ok)
        }
    }

    static func isSigned(_ token: String, with secret: String) -> Bool {
        let parts = token.split(separator: ".")
        guard parts.count == 3 else { return false }
        let input = Array("\(parts[0]).\(parts[1])".utf8)
        let signature = HMAC<SHA256>.authenticationCode(for: input, using: SymmetricKey(data: Array(secret.utf8)))
        return base64URL(Array(signature)) == parts[2]
    }
}

@Suite struct TrustedProxyTests {
    @Test func addressesAreCountedByTheirNetworkForIPv6() {
        #expect(IPRange.throttleKey(for: "2001:db8:1:2:aaaa::1") == IPRange.throttleKey(for: "2001:db8:1:2:bbbb::2"))
        #expect(IPRange.throttleKey(for: "2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64")
        #expect(IPRange.throttleKey(for: "2001:db8:1:3::1") != IPRange.throttleKey(for: "2001:db8:1:2::1"))
        #expect(IPRange.throttleKey(for: "198.51.100.7") == "198.51.100.7")
        #expect(IPRange.throttleKey(for: "::ffff:198.51.100.7") == "::ffff:198.51.100.7")
        #expect(IPRange.canonical("[2001:DB8::1]:443") == "2001:db8::1")
        #expect(IPRange.canonical("203.0.113.9:5678") == "203.0.113.9")
        #expect(IPRange.canonical("fe80::1%eth0-and-more") == "fe80::1")
        #expect(IPRange.canonical("not-an-ip") == nil)
    }

    @Test func forwardedForIsBelievedOnlyFromATrustedProxy() {
        let proxies = ClientAddressMiddleware(trustedProxies: [IPRange("10.0.0.0/8")!, IPRange("::1")!])
        #expect(proxies.isTrusted("10.1.2.3"))
        #expect(proxies.isTrusted("::ffff:10.1.2.3"))
        #expect(proxies.isTrusted("::1"))
        #expect(!proxies.isTrusted("192.168.1.10"))
        // Read from the right; the first hop that is not a proxy is the client.
        #expect(proxies.clientAddress(peer: "10.0.0.1", forwardedFor: ["203.0.113.9, 10.0.0.2"]) == "203.0.113.9")
        #expect(proxies.clientAddress(peer: "10.0.0.1", forwardedFor: ["1.1.1.1", "203.0.113.9"]) == "203.0.113.9")
        #expect(proxies.clientAddress(peer: "10.0.0.1", forwardedFor: ["203.0.113.9, not-an-ip"]) == "10.0.0.1")
        #expect(proxies.clientAddress(peer: "10.0.0.1", forwardedFor: []) == "10.0.0.1")
        #expect(proxies.clientAddress(peer: "10.0.0.1", forwardedFor: ["[2001:DB8::7]:5000"]) == "2001:db8::7")
        #expect(IPRange("10.0.0.0/33") == nil)
        #expect(IPRange("shop.local") == nil)
        #expect(IPRange("2001:db8::/32")!.contains("2001:db8:1::5"))
        #expect(!IPRange("2001:db8::/32")!.contains("2001:db9::5"))
    }

    @Test(arguments: TestEngine.available) func theThrottleCountsTheForwardedClient(_ engine: TestEngine) async throws {
        let log = CapturedLog()
        func run(trusting: Bool) async throws -> [HTTPResponse.Status] {
            let duka = try await TestDuka.make(engine, logger: trusting ? nil : log.logger) {
                $0.loginLimits.perAddress = 3
                if trusting { $0.trustedProxies = [IPRange("127.0.0.1")!, IPRange("::1")!] }
            }
            return try await duka.run(.live) { (api: TestAPI) async throws in
                var statuses: [HTTPResponse.Status] = []
                for index in 0..<3 {
                    statuses.append(try await api.login("n\(index)", "wrong-one", headers: [ClientAddressMiddleware.forwardedFor: "198.51.100.1"]).status)
                }
                statuses.append(try await api.login("n9", "wrong-one", headers: [ClientAddressMiddleware.forwardedFor: "198.51.100.1"]).status)
                statuses.append(try await api.login("n9", "wrong-one", headers: [ClientAddressMiddleware.forwardedFor: "198.51.100.2"]).status)
                return statuses
            }
        }
        // Behind a trusted proxy each client has its own count.
        #expect(try await run(trusting: true) == [.unauthorized, .unauthorized, .unauthorized, .tooManyRequests, .unauthorized])
        // Otherwise the header is anyone's to write: the socket's address counts.
        #expect(try await run(trusting: false) == [.unauthorized, .unauthorized, .unauthorized, .tooManyRequests, .tooManyRequests])
        // ... and the operator is told, once, that a proxy seems to be in front.
        #expect(log.entries.filter { $0.message.contains("no --trusted-proxy is set") }.count == 1)
    }
}

@Suite struct DatabaseFileModeTests {
    @Test func theDatabaseIsCreatedAndKeptOwnerOnly() async throws {
        let previous = umask(0o022)
        defer { umask(previous) }
        let duka = try await TestDuka.make()
        let path = duka.server.configuration.databasePath
        try await duka.run { (api: TestAPI) async throws in
            #expect(try await api.request(.post, "/api/v1/auth/register", json: RegistrationHardeningTests.body("modes")).status == .created)
            for file in [path, path + "-wal", path + "-shm"] {
                #expect(PrivateFiles.mode(of: file) == 0o600, "\(file)")
            }
        }
    }

    @Test func aReadableDatabaseIsTightenedUnlessSharingIsAllowed() async throws {
        for allowShared in [false, true] {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("duka-mode-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appendingPathComponent("old.sqlite").path
            #expect(FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o644]))
            var tightened: [PrivateFiles.Tightened] = []
            let database = try DukaDatabase.open(path: path, configuration: .init(readers: 1), sharedFile: allowShared) { tightened.append($0) }
            await database.close()
            #expect(PrivateFiles.mode(of: path) == (allowShared ? 0o644 : 0o600))
            #expect(tightened.map(\.path).contains(path) == !allowShared)
        }
    }
}
