import DukaCore
import SQLite

/// `duka check` on a SQLite file, opened read-only (nothing is migrated or written):
/// SQLite's own integrity and foreign-key checks, the schema version, then the checks
/// every engine shares (`DatabaseCheck`).
public enum SQLiteCheck {
    public static func run(path: String) async throws -> [DatabaseCheck.Finding] {
        let connection = try Connection(path: path, mode: .readOnly)
        try connection.configure(busyTimeoutMilliseconds: 5000, synchronous: .full, walMode: false)
        var findings: [DatabaseCheck.Finding] = []
        let integrity = try connection.query("PRAGMA integrity_check") { $0.string(0) }
        findings.append(.init("integrity", problem: integrity == ["ok"] ? nil : integrity.prefix(5).joined(separator: "; ")))
        let dangling = try connection.query("PRAGMA foreign_key_check") { "\($0.string(0)) row \($0.int64(1)) -> \($0.string(2))" }
        findings.append(.init("foreign keys", problem: dangling.isEmpty ? nil : "\(dangling.count) broken: " + dangling.prefix(5).joined(separator: "; ")))
        try Migrations.checkCompatible(connection)
        let version = DatabaseCheck.version(try Migrations.version(of: connection), latest: Migrations.latestVersion)
        findings += version.findings
        guard version.checkContents else { return findings }
        try connection.exec("BEGIN")
        defer { try? connection.exec("ROLLBACK") }
        findings += try await DatabaseCheck.run(DatabaseCheck.Queries(
            scalar: { sql in try connection.scalarInt(sql) ?? 0 },
            triples: { sql in try connection.query(sql) { ($0.string(0), $0.int64(1), $0.int64(2)) } },
            keptSearchRecount: try Migrations.version(of: connection) >= 5 ? KeptSearchStore.recount : nil,
            schemaVersion: try Migrations.version(of: connection)
        ))
        if try Migrations.version(of: connection) >= 8 {
            let kept = try connection.scalarInt("SELECT value FROM counters WHERE name = 'users_created_out_of_order'") ?? -1
            let real = try connection.scalarInt(UserStore.createdOutOfOrderRecount) ?? 0
            findings.append(.init("counter users_created_out_of_order", problem: kept == real ? nil : "holds \(kept), but there are \(real)"))
        }
        if try Migrations.version(of: connection) >= 9 {
            let differences = try SearchFours.differences(in: connection)
            findings.append(.init("search fours", problem: differences.isEmpty ? nil : differences.joined(separator: "; ")))
        }
        return findings
    }
}
