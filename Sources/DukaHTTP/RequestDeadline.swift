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
        deadline.requestBytesArrived()
        context.fireChannelRead(data)
    }
}

/// HTTP parts, after the decoder: a request's end stops its clock; at the deadline the
/// client gets 408 (or, if an answer was already begun, just the close).
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
    private var timer: Scheduled<Void>?
    /// A request has begun arriving and its end has not been read.
    private var receiving = false
    /// An answer to the current request has begun.
    private var answered = false

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
        answered = false
        timer = context.eventLoop.scheduleTask(in: timeout) { [self] in expired() }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: requestBytesArrived()
        case .body: break
        case .end:
            receiving = false
            timer?.cancel()
            timer = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .head = unwrapOutboundIn(data) { answered = true }
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    private func expired() {
        timer = nil
        guard receiving, let context else { return }
        logger.notice("request not received within \(timeout.nanoseconds / 1_000_000_000)s; closing the connection")
        if !answered {
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
        context.close(promise: nil)
    }
}
