import DukaCore
import HTTPTypes
import Logging
import Hummingbird

/// `/api/v1/auth`: login, logout, me, register (API.md section 2).
struct AuthController {
    let storage: any Storage
    let hasher: PasswordHasher
    let tokens: TokenService
    let throttle: any AttemptThrottle
    /// Registrations per client address (the account is not known yet).
    let registrations: any AttemptThrottle
    let secureCookies: Bool

    static let invalidCredentials = "Invalid username or password"

    func register(in routes: RouteTable) {
        routes.post("/api/v1/auth/login", login)
        routes.post("/api/v1/auth/logout", roles: .everyone, logout)
        routes.get("/api/v1/auth/me", roles: .everyone, me)
        routes.post("/api/v1/auth/register", registerCustomer)
    }

    /// The longest login name looked at: an email is at most 254 octets (RFC 5321).
    static let maximumLoginLength = 254

    @Sendable func login(_ request: Request, context: DukaRequestContext) async throws -> Response {
        var reader = FieldReader(try await RequestBody.object(request))
        let login = reader.string("username", required: true).value
        let password = reader.string("password", required: true).value
        reader.check("username", login) { $0.utf8.count > Self.maximumLoginLength ? "must be at most \(Self.maximumLoginLength) characters" : nil }
        try reader.finish()
        guard let login, let password else { throw APIError.validation("username", "is required") }

        let address = context.clientAddress
        let user = try await storage.user(login: login)
        // One count per account (its username and email alike), per typed text for nobody.
        let account = user.map { LoginThrottle.accountKey(userID: $0.id) } ?? LoginThrottle.accountKey(unknownName: login)
        // Who to name in a security event (worked out only when one is logged).
        let who = { user.map { SecurityLog.user($0) } ?? SecurityLog.unknownName(login) }
        let reservation: LoginThrottle.Reservation
        switch try await throttle.reserve(account: account, address: IPRange.throttleKey(for: address)) {
        case .success(let held):
            reservation = held
        case .failure(let wait):
            SecurityLog.event(context.logger, "login_throttled", address: address, user: who())
            throw APIError.tooManyRequests(retryAfter: wait.seconds)
        }
        // Always one bcrypt check (a dummy hash for nobody), so timing does not tell who exists.
        let matches: Bool
        do {
            matches = try await hasher.verify(password, against: user?.passwordHash)
        } catch {
            // The check may have run: fail closed.
            await throttle.failed(reservation)
            throw error
        }
        guard let user, matches, !user.isDeleted else {
            await throttle.failed(reservation)
            SecurityLog.event(context.logger, "login_failed", address: address, user: who())
            throw APIError.unauthorized(Self.invalidCredentials)
        }
        guard user.isActive else {
            await throttle.release(reservation)
            SecurityLog.event(context.logger, "login_inactive_account", address: address, user: who())
            throw APIError(.forbidden, code: "account_inactive", message: "This account is deactivated")
        }
        await throttle.succeeded(reservation)
        SecurityLog.loginSucceeded()
        if hasher.needsRehash(user.passwordHash) {
            // Made at another cost (the operator changed it): re-made at today's cost. Best
            // effort: the login stands if it cannot be saved now; the next one tries again.
            do {
                let fresh = try await hasher.hash(password)
                let (id, old) = (user.id, user.passwordHash)
                try await storage.replacePasswordHash(userID: id, old: old, new: fresh)
            } catch {
                context.logger.warning("could not re-hash the password of user #\(user.id) at the configured cost: \(type(of: error))")
            }
        }
        let token = try await tokens.issue(for: user)
        var headers = HTTPFields()
        headers[.setCookie] = cookie(token, maxAge: tokens.lifetime, request: request)
        headers[.cacheControl] = "no-store"
        let lifetime = tokens.lifetime
        return .envelope("Login successful", headers: headers) { out in
            out.beginObject()
            out.key("access_token"); out.string(token)
            out.key("expires_in"); out.int(lifetime)
            out.key("token_type"); out.string("Bearer")
            out.key("user"); UserAnswers.writeSummary(user, to: &out)
            out.endObject()
        }
    }

    @Sendable func logout(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        let user = try await caller.user()
        try await storage.endSessions(userID: user.id)
        var headers = HTTPFields()
        headers[.setCookie] = cookie("", maxAge: 0, request: request)
        return .envelope("Logout successful", headers: headers)
    }

    @Sendable func me(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        let user = try await caller.user()
        return .envelope("Profile retrieved successfully") { UserAnswers.writeDetail(user, to: &$0) }
    }

    /// Customer self-sign-up: `role` and `is_active` in the body are ignored. Throttled per
    /// address (every well-formed attempt counts), and a taken name is answered before
    /// any password is hashed.
    @Sendable func registerCustomer(_ request: Request, context: DukaRequestContext) async throws -> Response {
        let body = try await RequestBody.object(request)
        let payload = try UserPayload.read(
            body,
            required: ["username", "email", "password", "full_name", "phone_number"],
            ignored: ["role", "is_active"]
        )
        guard let username = payload.username, let email = payload.email, let password = payload.password else {
            throw APIError.validation("username", "is required")
        }
        if case .failure(let wait) = try await registrations.reserve(account: nil, address: IPRange.throttleKey(for: context.clientAddress)) {
            SecurityLog.event(context.logger, "registration_throttled", address: context.clientAddress, user: nil)
            throw APIError.tooManyRegistrations(retryAfter: wait.seconds)
        }
        try await refuseTaken(username: username, email: email, in: storage)
        let hash = try await hasher.hash(password)
        let newUser = NewUser(username: username, email: email, passwordHash: hash, role: .customer, profile: payload.newProfile)
        let user = try await storage.createUser(newUser, by: nil)
        return .envelope("Registration successful", status: .created) { UserAnswers.writeDetail(user, to: &$0) }
    }

    /// The session cookie; `Secure` when the client reached us over HTTPS (or when configured).
    private func cookie(_ token: String, maxAge: Int64, request: Request) -> String {
        var cookie = "\(Authenticator.cookieName)=\(token); HttpOnly; SameSite=Strict; Path=/; Max-Age=\(maxAge)"
        let forwardedProto = HTTPField.Name("X-Forwarded-Proto").flatMap { request.headers[$0] }
        if secureCookies || forwardedProto?.lowercased() == "https" {
            cookie += "; Secure"
        }
        return cookie
    }
}
