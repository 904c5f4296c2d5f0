import DukaCore
import HTTPTypes
import Hummingbird

/// An error answer in the contract's shape: `{"message", "code"}` plus `errors` per field.
public struct APIError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var fieldErrors: [String: String]?
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, code: String, message: String, fieldErrors: [String: String]? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.fieldErrors = fieldErrors
    }

    var json: JSON {
        var body: [String: JSON] = ["message": .string(message), "code": .string(code)]
        if let fieldErrors {
            body["errors"] = .object(fieldErrors.mapValues(JSON.string))
        }
        return .object(body)
    }

    func response() -> Response {
        var response = Response.json(json, status: status)
        response.headers.append(contentsOf: headers)
        return response
    }
}

extension APIError {
    static func badRequest(_ message: String) -> APIError {
        APIError(.badRequest, code: "bad_request", message: message)
    }

    static func validation(_ errors: [String: String]) -> APIError {
        APIError(.badRequest, code: "validation_failed", message: "Validation failed", fieldErrors: errors)
    }

    static func validation(_ field: String, _ reason: String) -> APIError {
        validation([field: reason])
    }

    static func invalidID(_ message: String = "Invalid id") -> APIError {
        APIError(.badRequest, code: "invalid_id", message: message)
    }

    static func unauthorized(_ message: String = "Authentication required") -> APIError {
        var error = APIError(.unauthorized, code: "unauthorized", message: message)
        error.headers[.wwwAuthenticate] = "Bearer"
        return error
    }

    static let forbidden = APIError(.forbidden, code: "forbidden", message: "You do not have permission to do this")

    static func notFound(_ message: String) -> APIError {
        APIError(.notFound, code: "not_found", message: message)
    }

    static func conflict(_ code: String, _ message: String, fieldErrors: [String: String]? = nil) -> APIError {
        APIError(.conflict, code: code, message: message, fieldErrors: fieldErrors)
    }

    static let payloadTooLarge = APIError(.contentTooLarge, code: "payload_too_large", message: "Request body is larger than 1 MiB")

    static let csvTooLarge = APIError(.contentTooLarge, code: "payload_too_large", message: "Request body is larger than 20 MiB")

    static let unsupportedMediaTypeCSV = APIError(
        .unsupportedMediaType, code: "unsupported_media_type", message: "Request body must be CSV (Content-Type: text/csv)"
    )

    static let unsupportedMediaType = APIError(
        .unsupportedMediaType, code: "unsupported_media_type", message: "Request body must be JSON (Content-Type: application/json)"
    )

    static func tooManyRequests(retryAfter seconds: Int64) -> APIError {
        var error = APIError(.tooManyRequests, code: "too_many_requests", message: "Too many failed login attempts; try again later")
        error.headers[.retryAfter] = String(seconds)
        return error
    }

    static func tooManyRegistrations(retryAfter seconds: Int64) -> APIError {
        var error = APIError(.tooManyRequests, code: "too_many_requests", message: "Too many registrations from this address; try again later")
        error.headers[.retryAfter] = String(seconds)
        return error
    }

    static let requestTimeout = APIError(
        .requestTimeout, code: "request_timeout", message: "The request did not arrive in time; the connection is closed"
    )

    static let internalError = APIError(.internalServerError, code: "internal_error", message: "Internal server error")

    static func unavailable(_ message: String) -> APIError {
        APIError(.serviceUnavailable, code: "service_unavailable", message: message)
    }
}

extension Response {
    static let jsonContentType = "application/json; charset=utf-8"

    /// An answer whose JSON was written with a `JSONWriter`.
    static func json(_ writer: JSONWriter, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = jsonContentType
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: writer.bytes)))
    }

    /// An error's JSON (keys sorted, so byte-for-byte stable).
    static func json(_ value: JSON, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: jsonContentType], body: .init(byteBuffer: ByteBuffer(bytes: value.encoded())))
    }
}
