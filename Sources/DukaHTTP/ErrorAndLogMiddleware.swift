import DukaCore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// Refuses oversized bodies up front, turns every error into the contract's JSON shape,
/// and logs one line per request (method, path, status, duration; never the query,
/// headers, tokens or bodies). Inside the client-address and security-header
/// middlewares, so its answers carry those headers and its logs the resolved address.
struct ErrorAndLogMiddleware: RouterMiddleware {
    typealias Context = DukaRequestContext

    static let maximumBodySize = 1 << 20

    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response: Response
        do {
            if let length = request.headers[.contentLength].flatMap(Int.init), length > Self.maximumBodySize {
                throw APIError.payloadTooLarge
            }
            response = try await next(request, context)
        } catch {
            response = self.response(for: error, request: request, context: context)
        }
        let milliseconds = ((ContinuousClock.now - start) / .microseconds(10)).rounded() / 100
        context.logger.info("\(request.method.rawValue) \(request.uri.path) \(response.status.code) \(milliseconds)ms")
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
