import DukaCore
import HTTPTypes
import Hummingbird
import NIOCore

/// What selling's handlers share: an action's optional body, tenders, ids named in a
/// query, and answers printed as text or HTML (API.md section 7).
extension RequestBody {
    /// The JSON object of an action that may also come without a body (`checkout`): nil
    /// when there is none. A body of another type: 415.
    static func optionalObject(_ request: Request) async throws -> [String: JSON]? {
        let contentType = request.headers[.contentType]
        if contentType == nil || !isJSON(contentType) {
            let buffer = try await request.body.collect(upTo: ErrorAndLogMiddleware.maximumBodySize)
            if buffer.readableBytes == 0 { return nil }
            throw APIError.unsupportedMediaType
        }
        let buffer = try await request.body.collect(upTo: ErrorAndLogMiddleware.maximumBodySize)
        if buffer.readableBytesView.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return nil }
        guard let json = try? JSON.parse(buffer.readableBytesView) else { throw APIError.badRequest("Malformed JSON body") }
        guard case .object(let members) = json else { throw APIError.badRequest("The JSON body must be an object") }
        return members
    }
}

extension FieldReader {
    /// At most this many tenders in one request.
    static let maximumTenders = 20

    /// `payments`: a list of `{"method", "amount", "reference"}` (absent or null: none).
    /// Errors name `payments.N.field`; M-Pesa codes are upper-cased.
    mutating func tenders(_ field: String = "payments") -> [Tender] {
        guard let value = body[field] else { return [] }
        if case .null = value { return [] }
        guard case .array(let elements) = value else {
            fail(field, "must be a list of payments")
            return []
        }
        guard elements.count <= Self.maximumTenders else {
            fail(field, "may hold at most \(Self.maximumTenders) payments")
            return []
        }
        var tenders: [Tender] = []
        for (index, element) in elements.enumerated() {
            let name = "\(field).\(index)"
            guard case .object(let members) = element else {
                fail(name, "must be an object")
                continue
            }
            var inner = FieldReader(members)
            let methodText = inner.string("method", required: true).value
            let method = methodText.flatMap(Payment.Method.init(rawValue:))
            if methodText != nil, method == nil { inner.fail("method", "must be one of: cash, mpesa, card") }
            let amount = inner.decimal("amount", required: true, problem: SellingRules.tenderProblem, parse: SellingRules.tenderAmount)
            var reference: String?
            switch inner.string("reference") {
            case .value(let text): reference = text
            case .null, .absent: reference = nil
            }
            switch method {
            case .cash?:
                if reference != nil { inner.fail("reference", "must be absent or null for cash") }
            case .mpesa?:
                reference = reference?.uppercased()
                if reference == nil { inner.fail("reference", "is required for M-Pesa: the confirmation code") }
                inner.check("reference", reference, SellingRules.mpesaReference)
            case .card?:
                if reference == nil { inner.fail("reference", "is required for card: the terminal's approval code or slip number") }
                inner.check("reference", reference, SellingRules.cardReference)
            case nil:
                break
            }
            for (key, reason) in inner.errors { fail("\(name).\(key)", reason) }
            if inner.errors.isEmpty, let method, let amount {
                tenders.append(Tender(method: method, amountCents: amount, reference: reference))
            }
        }
        return tenders
    }

    /// A required text field checked by `rule` (nil when absent or bad).
    mutating func text(_ field: String, required: Bool, _ rule: (String) -> String?) -> String? {
        let read = string(field, required: required)
        if case .null = read, !required { fail(field, "must be a string") }
        check(field, read.value, rule)
        return read.value
    }
}

extension QueryReader {
    /// An optional id parameter (`branch_id=2`).
    mutating func optionalID(_ name: String) -> Int64? {
        string(name) == nil ? nil : int(name, default: 0, range: 0...Int64.max)
    }

    /// A UTC calendar day `YYYY-MM-DD`, as days since 1970-01-01.
    mutating func day(_ name: String) -> Int64? {
        guard let text = string(name) else { return nil }
        guard let seconds = Timestamp.parseISO8601(text + "T00:00:00Z"), Timestamp.iso8601(seconds).hasPrefix(text) else {
            fail(name, "must be a date YYYY-MM-DD")
            return nil
        }
        return seconds / SalesReport.secondsPerDay
    }
}

/// A receipt or report as JSON (the default), text or HTML: `?format=json|text|html`, else
/// the `Accept` header's `text/plain` or `text/html`; text takes `width` 48 or 32.
enum PrintedAnswer {
    enum Format: String, CaseIterable { case json, text, html }

    static let stylesheet = "/assets/receipt.css"

    /// The format and width asked for (checked with the query's other parameters).
    static func format(_ query: inout QueryReader, request: Request) -> (Format, Int) {
        var format = query.choice("format", as: Format.self)
        if format == nil {
            let accept = (request.headers[.accept] ?? "").lowercased()
            if accept.contains("text/plain") { format = .text } else if accept.contains("text/html") { format = .html }
        }
        let width = query.int("width", default: 48, range: 32...48)
        if width != 32, width != 48 { query.fail("width", "must be 32 or 48") }
        return (format ?? .json, Int(width))
    }

    static func response(_ format: Format, width: Int, message: String, document: () -> PrintedDocument, json: (inout JSONWriter) -> Void) -> Response {
        switch format {
        case .json:
            return .envelope(message, capacity: 4096, data: json)
        case .text:
            return Response(
                status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: document().text(width: width)))
            )
        case .html:
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/html; charset=utf-8", .contentSecurityPolicy: ConsoleController.contentSecurityPolicy,
                    .xFrameOptions: "DENY", .referrerPolicy: "no-referrer",
                ],
                body: .init(byteBuffer: ByteBuffer(string: document().html(stylesheet: stylesheet)))
            )
        }
    }
}

extension Set where Element == Role {
    /// Everyone but customers.
    static let staff: Set<Role> = [.admin, .manager, .cashier, .employee]
}
