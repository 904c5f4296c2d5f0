import DukaCore
import Hummingbird

#if os(Linux)
/// glibc's `malloc_trim` (declared in malloc.h, which the Glibc module does not export).
@_silgen_name("malloc_trim") private func mallocTrim(_ pad: Int) -> Int32
#endif

/// A CSV upload (API.md 8.3): `text/csv`, up to 20 MiB, parsed as its bytes arrive so
/// that only the rows read so far are held, never the file.
enum CSVUpload {
    static let maximumSize = 20 << 20
    static let path = "/api/v1/products/import"

    /// `text/csv`, with or without parameters such as `charset=utf-8`.
    static func isCSV(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first ?? ""
        return mediaType.trimmingCharacters(in: " \t").lowercased() == "text/csv"
    }

    static func productRows(_ body: Hummingbird.RequestBody) async throws -> [ProductImportRow] {
        var reader = ProductImportReader()
        var size = 0
        for try await buffer in body {
            size += buffer.readableBytes
            guard size <= maximumSize else { throw APIError.csvTooLarge }
            try reader.read(buffer.readableBytesView)
        }
        return try reader.finish()
    }

    /// Runs `body`, then hands the heap pages it freed back to the system: a 100,000-row
    /// import holds some 200 MiB of rows, catalogue and plan while it runs, and glibc would
    /// otherwise keep them for the process's life (a kiosk's idle RSS stayed at 160 MiB).
    static func releasingMemory<T>(_ body: () async throws -> T) async rethrows -> T {
        defer {
            #if os(Linux)
            _ = mallocTrim(0)
            #endif
        }
        return try await body()
    }
}
