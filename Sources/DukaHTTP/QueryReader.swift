import DukaCore
import Hummingbird

/// Reads query parameters strictly (API.md section 1): integers and booleans must parse,
/// page sizes stay within 1...100, and every bad one is named in a 400 `validation_failed`.
struct QueryReader {
    private let parameters: [String: String]
    private(set) var errors: [String: String] = [:]

    init(_ request: Request) {
        self.parameters = Self.parse(request.uri.query ?? "")
    }

    /// `application/x-www-form-urlencoded`, as browsers and forms send it: `+` is a space,
    /// `%XX` a byte (a malformed escape stays as written); the first of repeated names wins.
    static func parse(_ query: String) -> [String: String] {
        var parameters: [String: String] = [:]
        for pair in query.utf8.split(separator: UInt8(ascii: "&")) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let key = decode(parts[0])
            if parameters[key] == nil { parameters[key] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        return parameters
    }

    private static func decode(_ encoded: Substring.UTF8View) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(encoded.count)
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let byte = encoded[index]
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), encoded.distance(from: index, to: encoded.endIndex) > 2,
                      case let high = encoded.index(after: index), case let low = encoded.index(after: high),
                      let value = hexValue(encoded[high], encoded[low]) {
                bytes.append(value)
                index = low
            } else {
                bytes.append(byte)
            }
            index = encoded.index(after: index)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ high: UInt8, _ low: UInt8) -> UInt8? {
        func digit(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        guard let h = digit(high), let l = digit(low) else { return nil }
        return h << 4 | l
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

    /// The longest `search`: no searchable field holds more (product names, 200).
    static let maximumSearchLength = 200

    /// A free-text search; empty counts as absent. Longer than any searchable field, or
    /// with control characters (no searchable field may hold one; a NUL would cut the
    /// text-index query short), it is refused rather than searched for.
    mutating func search(_ name: String = "search") -> String? {
        guard let text = string(name) else { return nil }
        if text.count > Self.maximumSearchLength {
            errors[name] = "must be at most \(Self.maximumSearchLength) characters"
            return nil
        }
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            errors[name] = "must not contain control characters"
            return nil
        }
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

    mutating func fail(_ name: String, _ reason: String) {
        if errors[name] == nil { errors[name] = reason }
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
        try checkedInteger(context, name).get()
    }

    /// The id or its 400, for a check answered only after 401 and 403.
    static func checkedInteger(_ context: DukaRequestContext, _ name: String = "id") -> Result<Int64, APIError> {
        guard let text = context.parameters.get(name), let id = parseInteger(text) else { return .failure(.invalidID()) }
        return .success(id)
    }

    static func uuid(_ context: DukaRequestContext, _ name: String = "id") throws -> String {
        guard let text = context.parameters.get(name), let uuid = UUIDString.normalized(text) else {
            throw APIError.invalidID()
        }
        return uuid
    }
}
