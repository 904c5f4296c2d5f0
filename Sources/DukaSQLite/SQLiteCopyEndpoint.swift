import DukaCore
import SQLite

/// `duka copy`'s side of a SQLite file: reads in id order on a reader, inserts on the
/// writer, each batch one transaction, several rows to a statement (the triggers keep
/// counters and the search index; those of short-search texts are paused and
/// `finishCopy` counts every user once).
public struct SQLiteCopyEndpoint: CopyEndpoint {
    public let database: Database
    public let displayName: String

    public init(database: Database, displayName: String) {
        self.database = database
        self.displayName = displayName
    }

    public func rowCount(_ table: CopyTable) async throws -> Int64 {
        try await database.read { try $0.scalarInt("SELECT COUNT(*) FROM \(table.name)") ?? 0 }
    }

    public func rows(_ table: CopyTable, after: CopyValue?, limit: Int) async throws -> [[CopyValue]] {
        try await database.read { db in
            let condition = after == nil ? "" : "WHERE \(table.orderColumn) > ?"
            let arguments: [any SQLBindable] = (after.map { [Self.bindable($0)] } ?? []) + [Int64(limit)]
            return try db.query(
                "SELECT \(table.columnList) FROM \(table.name) \(condition) ORDER BY \(table.orderColumn) LIMIT ?", arguments: arguments
            ) { row in
                table.columns.indices.map { index -> CopyValue in
                    let position = Int32(index)
                    if row.isNull(position) { return .null }
                    return table.columns[index].kind == .text ? .text(row.string(position)) : .int(row.int64(position))
                }
            }
        }
    }

    public func insert(_ table: CopyTable, rows: [[CopyValue]]) async throws {
        // Several rows to a statement: one statement journal for many rows (`Connection.insertRows`).
        try await database.write { db in
            try db.insertRows(
                "INSERT INTO \(table.name) (\(table.columnList)) VALUES", columns: table.columns.count, values: rows.flatMap { $0.map(Self.bindable) }
            )
        }
    }

    public func clear(_ table: CopyTable) async throws {
        try await database.write { try $0.exec("DELETE FROM \(table.name)") }
    }

    public func beginCopy() async throws {
        try await database.write { db in
            try SearchGramCounts.pause(in: db)
            try FullTextBulkLoad.begin("users_search", in: db)
        }
    }

    public func finishCopy() async throws {
        try await database.write { db in
            try SearchGramCounts.resume(in: db)
            try FullTextBulkLoad.end("users_search", in: db)
            try db.exec("ANALYZE")
        }
    }

    static func bindable(_ value: CopyValue) -> any SQLBindable {
        switch value {
        case .int(let number): number
        case .text(let text): text
        case .null: Optional<Int64>.none
        }
    }
}
