import DukaCore
import Hummingbird

/// A CSV download (API.md 8.3), streamed a page at a time. The first page is read before
/// the answer starts, so a refused caller or a bad filter still gets its 4xx; later pages
/// are read as the client takes the bytes (each in its own read: a row changed meanwhile
/// may show its old or new self, as in a paged list).
enum CSVExport {
    static let pageSize: Int64 = 500

    static func response<Item: Sendable>(
        named name: String, columns: [String], write: @escaping @Sendable (Item, inout CSVWriter) -> Void,
        page read: @escaping @Sendable (PageRequest) async throws -> Page<Item>
    ) async throws -> Response {
        let first = try await read(PageRequest(page: 1, size: pageSize))
        let body = ResponseBody { writer in
            var out = CSVWriter()
            out.header(columns)
            var page = first
            var number: Int64 = 1
            while true {
                for item in page.items { write(item, &out) }
                try await writer.write(ByteBuffer(bytes: out.flush()))
                guard Int64(page.items.count) == pageSize else { break }
                number += 1
                page = try await read(PageRequest(page: number, size: pageSize))
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name)\""], body: body
        )
    }
}
