import DukaAssets
import DukaCore
import Hummingbird
import Logging
import NIOCore

/// `/healthz` (the process runs), `/readyz` (the database answers) and `/openapi.json`.
struct HealthController {
    let storage: any Storage

    /// `{"status":"ok"}`.
    static var ok: JSONWriter {
        var out = JSONWriter(capacity: 16)
        out.beginObject()
        out.key("status"); out.string("ok")
        out.endObject()
        return out
    }

    /// openapi.json's bytes, made at its first request (a static is initialised once, on
    /// first use): 206 KB a process that is never asked need not hold.
    private static let description = ByteBuffer(string: APIDescription.json)

    func register(in routes: RouteTable) {
        routes.get("/healthz") { _, _ in
            .json(Self.ok)
        }
        routes.get("/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: Response.jsonContentType, .cacheControl: "public, max-age=3600"],
                body: .init(byteBuffer: Self.description)
            )
        }
        routes.get("/readyz") { _, context in
            do {
                try await storage.checkReady()
                return .json(Self.ok)
            } catch {
                context.logger.error("readiness check failed: \(error)")
                throw APIError.unavailable("The database is not answering")
            }
        }
    }
}
