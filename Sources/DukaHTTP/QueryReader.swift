import DukaCore
import Hummingbird

/// Reads query parameters strictly (API.md section 1): integers and booleans must parse,
/// page sizes stay within 1...100, and every bad one is named in a 400 `validation_failed`.
struct QueryReader {
    private let parameters: [String: String]
    private(set) var errors: [String: String] = [:]

    init(_ request: Request) {
        var parameters: [String: String] = [:]
        for (key, value) in request.uri.queryParameters where parameters[String(key)] == nil {
            parameters[String(key)] = String(value)
        }
        self.parameters = parameters
    }

    mutating func int(_ name: String, default value: Int64, range: ClosedRange<Int64>) -> Int64 {
        guard let text = parameters[name] else { return value }
        guard let parsed = PathID.parseInteger(text), range.contains(parsed) else {
            errors[name] = range.upperBound == .max
                ? "must be an integer >= \(range.lowerBound)"
                : "must be an integer from \(range.lowerBound) to \(range.upperBound)"
            return value
        }
        return parsed
    }

    mutating func bool(_ name: String) -> Bool? {
        guard let text = parameters[name] else { return nil }
        switch text {
        case "true", "1": return true
        case "false", "0": return false
        default:
            errors[name] = "must be true, false, 1 or 0"
            return nil
        }
    }

    /// A free-text parameter; empty counts as absent.
    func string(_ name: String) -> String? {
        guard let text = parameters[name], !text.isEmpty else { return nil }
        return text
    }

    /// A UUID parameter, in the canonical lower-case form.
    mutating func uuid(_ name: String) -> String? {
        guard let text = string(name) else { return nil }
        guard let uuid = UUIDString.normalized(text) else {
            errors[name] = "must be a UUID"
            return nil
        }
        return uuid
    }

    /// One of a fixed set of values.
    mutating func choice<T: RawRepresentable & CaseIterable>(_ name: String, as type: T.Type) -> T? where T.RawValue == String {
        guard let text = parameters[name] else { return nil }
        guard let value = T(rawValue: text) else {
            errors[name] = "must be one of: " + T.allCases.map(\.rawValue).joined(separator: ", ")
            return nil
        }
        return value
    }

    /// `page` (from 1) and a page size parameter (1...100).
    mutating func page(sizeParameter: String, defaultSize: Int64) -> PageRequest {
        PageRequest(
            page: int("page", default: 1, range: 1...Int64.max),
            size: int(sizeParameter, default: defaultSize, range: 1...100)
        )
    }

    func finish() throws {
        if !errors.isEmpty { throw APIError.validation(errors) }
    }

    /// The outcome of the checks, to be thrown later (after authentication).
    var outcome: Result<Void, APIError> {
        errors.isEmpty ? .success(()) : .failure(APIError.validation(errors))
    }
}

/// Ids in paths: integers (1, 0 ... 2^63-1) and UUIDs. Anything else is 400 `invalid_id`.
enum PathID {
    /// Only ASCII digits, without sign, fitting `Int64`.
    static func parseInteger(_ text: some StringProtocol) -> Int64? {
        guard !text.isEmpty, text.utf8.count <= 19, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return Int64(text)
    }

    static func integer(_ context: DukaRequestContext, _ name: String = "id") throws -> Int64 {
        guard let text = context.parameters.get(name), let id = parseInteger(text) else {
            throw APIError.invalidID()
        }
        return id
    }

    static func uuid(_ context: DukaRequestContext, _ name: String = "id") throws -> String {
        guard let text = context.parameters.get(name), let uuid = UUIDString.normalized(text) else {
            throw APIError.invalidID()
        }
        return uuid
    }
}
