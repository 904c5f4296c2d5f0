import Crypto
import DukaCore
import Logging

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Security events in the log stream: failed and throttled logins, registrations refused,
/// revoked tokens used, cross-site requests refused. Each line names the event, the client
/// address and the user; never a password, a hash or a token.
enum SecurityLog {
    static func event(_ logger: Logger, _ event: String, address: String, user: String?) {
        var metadata: Logger.Metadata = ["event": .string(event), "address": .string(address)]
        if let user { metadata["user"] = .string(user) }
        logger.warning("security event", metadata: metadata)
    }

    /// A known account: its username and integer id.
    static func user(_ user: User) -> String {
        "\(user.username)#\(user.id)"
    }

    /// A name that matches nobody is not written out (it may be a password typed into the
    /// wrong field): a short keyed digest lets repeated attempts be told apart within one
    /// run of the server, and cannot be looked up in a dictionary (the key is random and
    /// never leaves the process).
    static func unknownName(_ name: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Array(name.lowercased().utf8), using: digestKey)
        return "unknown:" + Data(code).base64EncodedString().prefix(10)
    }

    private static let digestKey = SymmetricKey(size: .bits256)
}
