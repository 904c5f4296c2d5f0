import DukaCore
import Hummingbird
import Logging
import NIOCore
import SQLite

/// `/healthz` (the process runs), `/readyz` (the database answers) and `/openapi.json`.
struct HealthController {
    let database: Database

    func register(in routes: RouteTable) {
        routes.get("/healthz") { _, _ in
            .json(.object(["status": .string("ok")]))
        }
        let description = ByteBuffer(string: APIDescription.json)
        routes.get("/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: Response.jsonContentType, .cacheControl: "public, max-age=3600"],
                body: .init(byteBuffer: description)
            )
        }
        routes.get("/readyz") { _, context in
            do {
                _ = try await database.read { try $0.scalarInt("SELECT 1") }
                return .json(.object(["status": .string("ok")]))
            } catch {
                context.logger.error("readiness check failed: \(error)")
                throw APIError.unavailable("The database is not answering")
            }
        }
    }
}
