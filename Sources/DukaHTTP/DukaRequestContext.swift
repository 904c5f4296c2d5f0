import Hummingbird
import NIOCore
import Synchronization

/// The per-request context: Hummingbird's core storage plus the client's address
/// (for login throttling and security events): the socket's peer, or the forwarded
/// client when the peer is a trusted proxy (`ClientAddressMiddleware`).
public struct DukaRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public internal(set) var clientAddress: String
    /// The socket's peer, whatever a proxy says.
    public let socketAddress: String
    /// What the handler learnt that the request's log line names (the signed-in user).
    let notes = RequestNotes()

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.socketAddress = source.channel.remoteAddress?.ipAddress ?? "local"
        self.clientAddress = socketAddress
    }
}

/// Filled in by a handler, read by `ErrorAndLogMiddleware` once the answer is made (the
/// context itself is passed down by value).
final class RequestNotes: Sendable {
    private let verifiedUser = Mutex<String?>(nil)

    /// The uuid of the user whose token the request carried, once verified.
    var user: String? {
        get { verifiedUser.withLock { $0 } }
        set { verifiedUser.withLock { $0 = newValue } }
    }
}
