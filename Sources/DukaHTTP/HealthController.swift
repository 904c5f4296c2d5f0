import DukaCore
import Hummingbird
import Logging
import SQLite

/// `/healthz` (the process runs) and `/readyz` (the database answers).
struct HealthController {
    let database: Database

    func register(in routes: RouteTable) {
        routes.get("/healthz") { _, _ in
            .json(.object(["status": .string("ok")]))
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
