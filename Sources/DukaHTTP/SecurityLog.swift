import CoreMetrics
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
        counted(event)
        var metadata: Logger.Metadata = ["event": .string(event), "address": .string(address)]
        if let user { metadata["user"] = .string(user) }
        logger.warning("security event", metadata: metadata)
    }

    /// Security events and logins by outcome, for `/metrics` (`login_failed`,
    /// `login_throttled`, `login_inactive_account`, `login_ok`, ...). Rare enough to look
    /// the counter up each time.
    private static func counted(_ event: String) {
        if event.hasPrefix("login_") {
            Counter(label: "duka_logins_total", dimensions: [("outcome", String(event.dropFirst(6)))]).increment()
        } else {
            Counter(label: "duka_security_events_total", dimensions: [("event", event)]).increment()
        }
    }

    static func loginSucceeded() {
        counted("login_ok")
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
