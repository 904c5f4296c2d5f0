import Hummingbird
import NIOCore

/// The per-request context: Hummingbird's core storage plus the client's address
/// (for login throttling).
public struct DukaRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let clientAddress: String

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.clientAddress = source.channel.remoteAddress?.ipAddress ?? "local"
    }
}
