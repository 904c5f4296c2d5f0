import DukaCore
import Logging

/// `duka check` on a PostgreSQL database, connected without migrating: the schema
/// version, then the checks every engine shares (`DatabaseCheck`) in one snapshot. Page
/// integrity and foreign keys are the server's to enforce (and `amcheck`'s to verify:
/// docs/OPERATIONS.md).
public enum PGCheck {
    public static func run(url: String, logger: Logger) async throws -> [DatabaseCheck.Finding] {
        let storage = try await PostgresStorage.connect(url: url, connections: 1, logger: logger)
        do {
            let findings = try await storage.read { db in
                var findings: [DatabaseCheck.Finding] = []
                let version = try await PGMigrations.version(db)
                guard version <= PGMigrations.latestVersion else {
                    throw PGMigrations.TooNew(found: version, known: PGMigrations.latestVersion)
                }
                let checked = DatabaseCheck.version(version, latest: PGMigrations.latestVersion)
                findings += checked.findings
                guard checked.checkContents else { return findings }
                findings += try await DatabaseCheck.run(DatabaseCheck.Queries(
                    scalar: { sql in try await db.scalarInt(sql) ?? 0 },
                    triples: { sql in try await db.rows(sql, []).map { ($0.string(0), $0.int64(1), $0.int64(2)) } },
                    keptSearchRecount: version >= 5 ? PGKeptSearches.recount : nil,
                    keptSearchMembers: version >= 11,
                    listBlocks: version >= 12,
                    schemaVersion: version
                ))
                return findings
            }
            await storage.close()
            return findings
        } catch {
            await storage.close()
            throw error
        }
    }
}
