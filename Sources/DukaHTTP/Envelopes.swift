import DukaCore
import HTTPTypes
import Hummingbird

/// The `/api/v1` answer envelopes, written straight into bytes (members in sorted order,
/// as `JSON` encodes them): `{"data": ..., "message": ...}`.
extension Response {
    /// `{"data": <written by data>, "message": message}`.
    static func envelope(
        _ message: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:], capacity: Int = 1024,
        data: (inout JSONWriter) -> Void
    ) -> Response {
        var out = JSONWriter(capacity: capacity)
        out.beginObject()
        out.key("data")
        data(&out)
        out.key("message"); out.string(message)
        out.endObject()
        return .json(out, status: status, headers: headers)
    }

    /// `{"message": message}`.
    static func envelope(_ message: String, headers: HTTPFields = [:]) -> Response {
        var out = JSONWriter(capacity: 64 + message.utf8.count)
        out.beginObject()
        out.key("message"); out.string(message)
        out.endObject()
        return .json(out, headers: headers)
    }

    /// A `/api/v1` list: `{"data": {KEY: [...], "pagination": {...}}, "message": ...}`
    /// (KEY goes before or after `pagination`, by name), its items written straight in.
    static func v1List<Item>(
        _ message: String, key: StaticString, page: Page<Item>, bytesPerItem: Int, write: (Item, inout JSONWriter) -> Void
    ) -> Response {
        v1List(message, key: key, total: page.total, request: page.request, capacity: 512 + page.items.count * bytesPerItem) { out in
            for item in page.items { write(item, &out) }
        }
    }

    /// The same list from rows an engine has already written.
    static func v1List(_ message: String, key: StaticString, rows: WrittenRows) -> Response {
        v1List(message, key: key, total: rows.total, request: rows.request, capacity: 512 + rows.out.bytes.count) { out in
            out.values(writtenBy: rows.out)
        }
    }

    private static func v1List(
        _ message: String, key: StaticString, total: Int64, request: PageRequest, capacity: Int, writeItems: (inout JSONWriter) -> Void
    ) -> Response {
        let itemsFirst = key.description < "pagination"
        return envelope(message, capacity: capacity) { out in
            out.beginObject()
            if !itemsFirst { out.v1Pagination(total: total, request: request) }
            out.key(key)
            out.beginArray()
            writeItems(&out)
            out.endArray()
            if itemsFirst { out.v1Pagination(total: total, request: request) }
            out.endObject()
        }
    }
}

extension JSONWriter {
    /// The `/api/v1` pagination member.
    mutating func v1Pagination(total: Int64, request: PageRequest) {
        key("pagination")
        beginObject()
        key("current_page"); int(request.page)
        key("per_page"); int(request.size)
        key("total_data"); int(total)
        key("total_page"); int(request.pageCount(total: total))
        endObject()
    }
}
