import Hummingbird
import NIOCore

/// The per-request context: Hummingbird's core storage plus the client's address
/// (for login throttling and security events): the socket's peer, or the forwarded
/// client when the peer is a trusted proxy (`ClientAddressMiddleware`).
public struct DukaRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public internal(set) var clientAddress: String
    /// The socket's peer, whatever a proxy says.
    public let socketAddress: String

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.socketAddress = source.channel.remoteAddress?.ipAddress ?? "local"
        self.clientAddress = socketAddress
    }
}
