/// The HS256 signing secret kept in `settings` when `DUKA_JWT_SECRET` is not given; each
/// engine stores and rotates it (`duka rotate-secret`).
public enum SigningSecret {
    public static let key = "jwt_secret"

    /// 32 random bytes as 64 hex digits.
    public static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            .map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }
            .joined()
    }

    /// On rotation every user's session version jumps by one random amount, so every token
    /// ends at once, even on a running server that has not yet picked the new secret up,
    /// and whoever holds the old secret cannot guess the versions to forge meanwhile.
    public static func versionJump() -> Int64 {
        Int64.random(in: 1 << 20 ... 1 << 40)
    }
}
