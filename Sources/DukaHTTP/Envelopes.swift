import DukaCore
import HTTPTypes
import Hummingbird

/// The `/api/v1` answer envelopes, written straight into bytes (members in sorted order,
/// as `JSON` encodes them): `{"data": ..., "message": ...}`.
extension Response {
    /// `{"data": <written by data>, "message": message}`, or `{"message": message}` without data.
    static func envelope(
        _ message: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:], capacity: Int = 1024,
        data: ((inout JSONWriter) -> Void)? = nil
    ) -> Response {
        var out = JSONWriter(capacity: capacity)
        out.beginObject()
        if let data {
            out.key("data")
            data(&out)
        }
        out.key("message"); out.string(message)
        out.endObject()
        return .json(out, status: status, headers: headers)
    }

    /// A `/api/v1` list: `{"data": {KEY: [...], "pagination": {...}}, "message": ...}`
    /// (KEY goes before or after `pagination`, by name).
    static func v1List<Item>(
        _ message: String, key: StaticString, page: Page<Item>, bytesPerItem: Int, write: (Item, inout JSONWriter) -> Void
    ) -> Response {
        var rows = JSONWriter(capacity: page.items.count * bytesPerItem)
        for item in page.items { write(item, &rows) }
        return v1List(message, key: key, rows: WrittenRows(out: rows, total: page.total, request: page.request))
    }

    /// The same list from rows an engine has already written.
    static func v1List(_ message: String, key: StaticString, rows: WrittenRows) -> Response {
        let itemsFirst = key.description < "pagination"
        return envelope(message, capacity: 512 + rows.out.bytes.count) { out in
            out.beginObject()
            if !itemsFirst { out.v1Pagination(rows) }
            out.key(key)
            out.beginArray()
            out.values(writtenBy: rows.out)
            out.endArray()
            if itemsFirst { out.v1Pagination(rows) }
            out.endObject()
        }
    }
}

extension JSONWriter {
    /// The `/api/v1` pagination member.
    mutating func v1Pagination(_ rows: WrittenRows) {
        key("pagination")
        beginObject()
        key("current_page"); int(rows.request.page)
        key("per_page"); int(rows.request.size)
        key("total_data"); int(rows.total)
        key("total_page"); int(rows.pageCount)
        endObject()
    }
}
