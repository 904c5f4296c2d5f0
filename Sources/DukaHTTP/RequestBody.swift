import DukaCore
import Hummingbird

/// Reading a JSON object body: 415 for another content type, 413 past 1 MiB,
/// 400 `bad_request` for malformed JSON or a body that is not an object.
enum RequestBody {
    static func object(_ request: Request) async throws -> [String: JSON] {
        guard isJSON(request.headers[.contentType]) else { throw APIError.unsupportedMediaType }
        let buffer = try await request.body.collect(upTo: ErrorAndLogMiddleware.maximumBodySize)
        let json: JSON
        do {
            json = try JSON.parse(buffer.readableBytesView)
        } catch {
            throw APIError.badRequest("Malformed JSON body")
        }
        guard case .object(let members) = json else { throw APIError.badRequest("The JSON body must be an object") }
        return members
    }

    /// `application/json`, with or without parameters such as `charset=utf-8`.
    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first ?? ""
        return mediaType.trimmingCharacters(in: " \t").lowercased() == "application/json"
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> Substring {
        var text = self
        while let first = text.first, set.contains(first) { text.removeFirst() }
        while let last = text.last, set.contains(last) { text.removeLast() }
        return text
    }
}

/// Reads typed fields from a JSON object, collecting one reason per bad field, so that
/// one answer names every problem (`400 validation_failed` with `errors`).
struct FieldReader {
    let body: [String: JSON]
    private(set) var errors: [String: String] = [:]

    init(_ body: [String: JSON]) {
        self.body = body
    }

    /// A field's presence: absent, explicitly null, or a value.
    enum Field<Value> {
        case absent
        case null
        case value(Value)

        var value: Value? {
            if case .value(let value) = self { return value }
            return nil
        }

        var isPresent: Bool {
            if case .absent = self { return false }
            return true
        }
    }

    mutating func fail(_ field: String, _ reason: String) {
        if errors[field] == nil { errors[field] = reason }
    }

    /// A string field. `required` makes absence and null an error.
    mutating func string(_ field: String, required: Bool = false) -> Field<String> {
        switch body[field] {
        case nil:
            if required { fail(field, "is required") }
            return .absent
        case .null?:
            if required { fail(field, "is required") }
            return .null
        case .string(let text)?:
            return .value(text)
        default:
            fail(field, "must be a string")
            return .absent
        }
    }

    mutating func bool(_ field: String) -> Field<Bool> {
        switch body[field] {
        case nil: return .absent
        case .bool(let value)?: return .value(value)
        default:
            fail(field, "must be true or false")
            return .absent
        }
    }

    /// A decimal given as a JSON number or a string, converted by `parse` (nil: `problem`).
    mutating func decimal(_ field: String, required: Bool = false, problem: String, parse: (String) -> Int64?) -> Int64? {
        let text: String
        switch body[field] {
        case nil:
            if required { fail(field, "is required") }
            return nil
        case .number(let literal)?: text = literal
        case .string(let literal)?: text = literal
        default:
            fail(field, problem)
            return nil
        }
        guard let value = parse(text) else {
            fail(field, problem)
            return nil
        }
        return value
    }

    /// An integer id given as a JSON number (e.g. `product_id`).
    mutating func id(_ field: String, required: Bool = false) -> Int64? {
        switch body[field] {
        case nil:
            if required { fail(field, "is required") }
            return nil
        case .number(let literal)?:
            guard let value = PathID.parseInteger(literal) else {
                fail(field, "must be a non-negative integer")
                return nil
            }
            return value
        default:
            fail(field, "must be an integer")
            return nil
        }
    }

    /// Runs a domain rule on a value that was read; a failing rule names the field.
    mutating func check(_ field: String, _ value: String?, _ rule: (String) -> String?) {
        guard let value, let reason = rule(value) else { return }
        fail(field, reason)
    }

    /// Throws the collected errors, if any.
    func finish() throws {
        if !errors.isEmpty { throw APIError.validation(errors) }
    }
}
