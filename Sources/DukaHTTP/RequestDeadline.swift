import DukaCore
import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes

/// HTTP/1.1 where a whole request (head and body) must arrive within a time limit
/// (`--request-timeout`): the idle timeout alone is reset by every byte, so a body
/// trickled a byte every few seconds would hold its connection for ever. A request
/// still incomplete at its deadline gets 408 `request_timeout` and the connection closes.
struct DeadlineHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let responder: HTTPChannelHandler.Responder
    let configuration: HTTP1Channel.Configuration
    let requestTimeout: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let deadline = RequestDeadlineHandler(timeout: requestTimeout, logger: logger)
        var configuration = self.configuration
        configuration.additionalChannelHandlers = { [deadline] }
        let http = HTTP1Channel(responder: responder, configuration: configuration)
        return channel.eventLoop.makeCompletedFuture {
            // Before the HTTP decoder: it sees the first byte of a request's head.
            try channel.pipeline.syncOperations.addHandler(RequestBytesHandler(deadline: deadline))
        }.flatMap {
            http.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await HTTP1Channel(responder: responder, configuration: configuration).handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    static func http1(configuration: HTTP1Channel.Configuration, requestTimeout: TimeAmount) -> HTTPServerBuilder {
        .init { responder in
            DeadlineHTTP1Channel(responder: responder, configuration: configuration, requestTimeout: requestTimeout)
        }
    }
}

/// Raw bytes, before the decoder: the first byte of a request starts its clock.
final class RequestBytesHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let deadline: RequestDeadlineHandler

    init(deadline: RequestDeadlineHandler) {
        self.deadline = deadline
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // After a 408 the rest of the request is read and dropped until the close.
        guard !deadline.hasExpired else { return }
        deadline.requestBytesArrived()
        context.fireChannelRead(data)
    }
}

/// HTTP parts, after the decoder: a request's end stops its clock; at the deadline the
/// client gets 408, but only when that is unambiguous: every earlier (pipelined) request
/// has had its whole answer and this one none yet. Otherwise the connection just closes.
///
/// Both handlers of a connection run on its event loop, hence `@unchecked Sendable`.
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let timeout: TimeAmount
    private let logger: Logger
    private var context: ChannelHandlerContext?
    /// One timer at a time, left running when a request completes: scheduling and
    /// cancelling one per request cost a keep-alive connection more than the rest of this
    /// handler. When it fires for a request that has since completed, it moves on to the
    /// current request's deadline (if any).
    private var timer: Scheduled<Void>?
    /// When the request being received must be complete.
    private var deadline = NIODeadline.distantFuture
    /// A request has begun arriving and its end has not been read.
    private var receiving = false
    /// The request being received has had its head read.
    private var headRead = false
    /// Request heads read, answer heads and answer ends written, on this connection.
    private var requestHeads = 0
    private var answerHeads = 0
    private var answerEnds = 0
    /// The deadline passed: the connection is closing.
    private(set) var hasExpired = false

    /// After a 408, how long the client's further bytes are read and dropped before the
    /// connection closes: closing at once, with unread bytes, makes the kernel reset the
    /// connection, and the client may lose the answer.
    static let lingering: TimeAmount = .seconds(2)

    init(timeout: TimeAmount, logger: Logger) {
        self.timeout = timeout
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        self.context = nil
    }

    func requestBytesArrived() {
        guard !receiving, let context else { return }
        receiving = true
        headRead = false
        deadline = .now() + timeout
        if timer == nil { schedule(context) }
    }

    private func schedule(_ context: ChannelHandlerContext) {
        timer = context.eventLoop.scheduleTask(deadline: deadline) { [self] in fired() }
    }

    private func fired() {
        timer = nil
        guard receiving, let context else { return }
        if NIODeadline.now() < deadline {
            schedule(context)
        } else {
            expired()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            requestBytesArrived()
            headRead = true
            requestHeads += 1
        case .body: break
        case .end:
            receiving = false
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status.kind != .informational: answerHeads += 1
        case .end: answerEnds += 1
        default: break
        }
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    private func expired() {
        guard let context else { return }
        hasExpired = true
        logger.notice("request not received within \(timeout.nanoseconds / 1_000_000_000)s; closing the connection")
        // Answers go out in order: earlier requests all answered, none begun for this one.
        let earlier = requestHeads - (headRead ? 1 : 0)
        if answerEnds == answerHeads, answerHeads == earlier {
            let body = APIError.requestTimeout.json.encoded()
            let head = HTTPResponse(status: .requestTimeout, headerFields: [
                .contentType: Response.jsonContentType,
                .contentLength: String(body.count),
                .connection: "close",
                .cacheControl: "no-store",
            ])
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(ByteBuffer(bytes: body))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
        context.close(mode: .output, promise: nil)
        context.eventLoop.scheduleTask(in: Self.lingering) { [self] in self.context?.close(promise: nil) }
    }
}
