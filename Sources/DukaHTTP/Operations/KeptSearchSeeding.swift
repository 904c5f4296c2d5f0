import DukaCore
import Logging
import ServiceLifecycle

/// At a start, a big list that keeps no search text (a new install grown big, a bulk
/// load, a copy) is given its commonest texts to keep (`KeptSearchSeeds`), in the
/// background: the first searches of `.co.ke` or a common surname then cost what later
/// ones do, instead of every match. Then it waits for shutdown, as a service must.
/// SQLite only (`Storage.seedsKeptSearchesAtStart`): PostgreSQL adopts on demand.
struct KeptSearchSeeding: Service {
    let storage: any Storage
    let logger: Logger

    func run() async throws {
        do {
            if storage.seedsKeptSearchesAtStart { try await storage.seedKeptSearches() }
        } catch {
            // Searches still adopt what they find; only the head start is lost.
            logger.warning("kept search texts were not seeded: \(error)")
        }
        try? await gracefulShutdown()
    }
}
