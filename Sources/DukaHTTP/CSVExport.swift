import DukaCore
import Hummingbird

/// A CSV download (API.md 8.3), streamed a batch at a time. The first batch is read
/// before the answer starts, so a refused caller or a bad filter still gets its 4xx; later
/// batches are read as the client takes the bytes (each in its own read: a row changed
/// meanwhile may show its old or new self, as in a paged list).
enum CSVExport {
    static let batchSize: Int64 = 500

    /// `batch(cursor)` answers a batch's items and the cursor of the next one (nil: done).
    static func response<Item: Sendable, Cursor: Sendable>(
        named name: String, columns: [String], write: @escaping @Sendable (Item, inout CSVWriter) -> Void,
        from start: Cursor, batch: @escaping @Sendable (Cursor) async throws -> (items: [Item], next: Cursor?)
    ) async throws -> Response {
        let first = try await batch(start)
        let body = ResponseBody { writer in
            var out = CSVWriter()
            out.header(columns)
            var current = first
            while true {
                for item in current.items { write(item, &out) }
                if !out.bytes.isEmpty { try await writer.write(ByteBuffer(bytes: out.flush())) }
                guard let next = current.next else { break }
                current = try await batch(next)
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name)\""], body: body
        )
    }

    /// A list read a page at a time.
    static func response<Item: Sendable>(
        named name: String, columns: [String], write: @escaping @Sendable (Item, inout CSVWriter) -> Void,
        page read: @escaping @Sendable (PageRequest) async throws -> Page<Item>
    ) async throws -> Response {
        try await response(named: name, columns: columns, write: write, from: Int64(1)) { number in
            let page = try await read(PageRequest(page: number, size: batchSize))
            return (page.items, Int64(page.items.count) == batchSize ? number + 1 : nil)
        }
    }
}
