import DukaCore
import PostgresNIO

/// `duka copy`'s side of a PostgreSQL database: reads in id order, inserts a batch as one
/// multi-row INSERT in one transaction (the search-text triggers paused), then counts the
/// users' search texts and moves the id sequences past the copied ids.
public struct PostgresCopyEndpoint: CopyEndpoint {
    public let storage: PostgresStorage

    public init(storage: PostgresStorage) {
        self.storage = storage
    }

    public var displayName: String { storage.location.redacted }

    public func rowCount(_ table: CopyTable) async throws -> Int64 {
        try await storage.read { try await $0.scalarInt("SELECT COUNT(*) FROM \(table.name)") ?? 0 }
    }

    public func rows(_ table: CopyTable, after: CopyValue?, limit: Int) async throws -> [[CopyValue]] {
        try await storage.read { db in
            let found: [PGRow]
            let select = "SELECT \(table.columnList) FROM \(table.name)"
            switch after {
            case .int(let id)?: found = try await db.rows("\(select) WHERE \(table.orderColumn) > $1 ORDER BY \(table.orderColumn) LIMIT $2", id, limit)
            case .text(let key)?: found = try await db.rows("\(select) WHERE \(table.orderColumn) > $1 ORDER BY \(table.orderColumn) LIMIT $2", key, limit)
            case .null?, nil: found = try await db.rows("\(select) ORDER BY \(table.orderColumn) LIMIT $1", limit)
            }
            return found.map { row in
                table.columns.indices.map { index -> CopyValue in
                    if row.isNull(index) { return .null }
                    return table.columns[index].kind == .text ? .text(row.string(index)) : .int(row.int64(index))
                }
            }
        }
    }

    public func insert(_ table: CopyTable, rows: [[CopyValue]]) async throws {
        guard !rows.isEmpty else { return }
        var arguments: [any PGArgument] = []
        var tuples: [String] = []
        arguments.reserveCapacity(rows.count * table.columns.count)
        for row in rows {
            var placeholders: [String] = []
            for (value, column) in zip(row, table.columns) {
                switch (value, column.kind) {
                case (.null, _): arguments.append(Optional<Int64>.none)
                case (.int(let number), .bool): arguments.append(number != 0)
                case (.int(let number), _): arguments.append(number)
                case (.text(let text), _): arguments.append(text)
                }
                placeholders.append("$\(arguments.count)")
            }
            tuples.append("(" + placeholders.joined(separator: ", ") + ")")
        }
        let sql = "INSERT INTO \(table.name) (\(table.columnList)) VALUES " + tuples.joined(separator: ", ")
        try await storage.write { try await $0.execute(sql, arguments) }
    }

    public func clear(_ table: CopyTable) async throws {
        try await storage.write { try await $0.execute("DELETE FROM \(table.name)") }
    }

    public func beginCopy() async throws {
        try await storage.write { try await PGSearchGramCounts.pause(in: $0) }
    }

    public func finishCopy() async throws {
        try await storage.write(limited: false) { try await PGSearchGramCounts.resume(in: $0) }
        try await storage.write { db in
            for table in CopyTable.all where table.orderColumn == "id" {
                try await db.execute(
                    "SELECT setval(pg_get_serial_sequence('\(table.name)', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM \(table.name)"
                )
            }
        }
        // VACUUM as well as ANALYZE: rows loaded in bulk leave the search indexes' pending
        // lists full (GIN's fast update) and the visibility map empty, and autovacuum may
        // take minutes to come by. Until it did, a users search cost 19 ms instead of 1.3.
        try await storage.unmanaged { try await $0.execute("VACUUM (ANALYZE)") }
    }
}

extension PGSession {
    func execute(_ sql: String, _ arguments: [any PGArgument]) async throws {
        _ = try await rows(sql, arguments)
    }
}
