import DukaCore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// Refuses oversized bodies up front, turns every error into the contract's JSON shape,
/// and logs one line per request: request id, method, route pattern, status, duration,
/// bytes, client address and the signed-in user's uuid; never the raw path, the query,
/// headers, tokens, cookies or bodies. The request id is the caller's `X-Request-Id`
/// when it is a sane one, else made here; it is sent back in `X-Request-Id` and carried
/// by every log line of the request. Inside the client-address and security-header
/// middlewares, so its answers carry those headers and its logs the resolved address.
struct ErrorAndLogMiddleware: RouterMiddleware {
    typealias Context = DukaRequestContext

    static let maximumBodySize = 1 << 20

    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let requestID = RequestID.accepted(request.headers[.xRequestID]) ?? RequestID.make()
        var context = context
        context.logger[metadataKey: "request_id"] = .string(requestID)
        context.logger[metadataKey: "hb.request.id"] = nil  // one id per line: ours
        var response: Response
        do {
            if let length = request.headers[.contentLength].flatMap(Int.init) {
                // The product import takes a catalogue (20 MiB); everything else JSON (1 MiB).
                if request.method == .post, request.uri.path == CSVUpload.path {
                    if length > CSVUpload.maximumSize { throw APIError.csvTooLarge }
                } else if length > Self.maximumBodySize {
                    throw APIError.payloadTooLarge
                }
            }
            response = try await next(request, context)
        } catch {
            response = self.response(for: error, request: request, context: context)
        }
        response.headers[.xRequestID] = requestID
        if context.logger.logLevel <= .info {
            let elapsed = (ContinuousClock.now - start) / .microseconds(10)
            let route = context.endpointPath ?? "(no route)"
            var metadata: Logger.Metadata = [
                "method": .string(request.method.rawValue),
                "route": .string(route),
                "status": .stringConvertible(response.status.code),
                "duration_ms": .stringConvertible(elapsed.rounded() / 100),
                "address": .string(context.clientAddress),
            ]
            if let bytes = response.body.contentLength { metadata["bytes"] = .stringConvertible(bytes) }
            if let user = context.notes.user { metadata["user"] = .string(user) }
            context.logger.info("\(request.method.rawValue) \(route) \(response.status.code)", metadata: metadata)
        }
        return response
    }

    private func response(for error: any Error, request: Request, context: Context) -> Response {
        switch error {
        case let error as APIError:
            return error.response()
        case AccessDenied.revoked(let userID):
            SecurityLog.event(context.logger, "revoked_token_used", address: context.clientAddress, user: "#\(userID)")
            return APIError.unauthorized().response()
        case let error as StorageError:
            context.logger.error("\(error)")
            return APIError.storageFailure(error).response()
        case is NIOTooManyBytesError:
            // A chunked body that grew past the limit (a declared length is refused up front).
            return APIError.payloadTooLarge.response()
        case is HTTPParserError:
            // The body's framing is broken (a chunk size that is not a number, say): the
            // connection cannot be read further.
            var answer = APIError.badRequest("Malformed HTTP request body")
            answer.headers[.connection] = "close"
            return answer.response()
        case let error as HTTPError where error.status == .notFound:
            let methods = routes.methods(forPath: request.uri.path)
            if methods.isEmpty {
                return APIError.notFound("Route not found").response()
            }
            var answer = APIError(.methodNotAllowed, code: "method_not_allowed", message: "Method not allowed")
            answer.headers[.allow] = methods.joined(separator: ", ")
            return answer.response()
        case let error as HTTPError where error.status == .contentTooLarge:
            return APIError.payloadTooLarge.response()
        case let error as HTTPError where error.status.code < 500:
            return APIError(error.status, code: "bad_request", message: error.body ?? error.status.reasonPhrase).response()
        default:
            // The rules' and the engine's refusals (DomainErrors.swift).
            if let refusal = APIError(refusal: error) { return refusal.response() }
            context.logger.error("unhandled error: \(String(reflecting: error))")
            return APIError.internalError.response()
        }
    }
}

/// Request ids: a caller's own (a proxy's or a client's) when it is 1-128 characters of
/// letters, digits and `-_.:`, so that it cannot forge log lines or carry a payload;
/// else 16 random hex digits.
enum RequestID {
    static func accepted(_ value: String?) -> String? {
        guard let value, (1...128).contains(value.utf8.count),
              value.utf8.allSatisfy({ byte in
                  (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                      || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":")
              })
        else { return nil }
        return value
    }

    static func make() -> String {
        let value = UInt64.random(in: 0...UInt64.max)
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

extension HTTPField.Name {
    static let xRequestID = HTTPField.Name("X-Request-Id")!
}
