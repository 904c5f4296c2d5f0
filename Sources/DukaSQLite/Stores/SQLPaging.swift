import SQLite
import DukaCore

/// AND-ed SQL conditions with their bound values. Conditions are fixed SQL text written
/// in the stores; every value is bound, never spliced.
public struct SQLFilter {
    public private(set) var conditions: [String] = []
    public private(set) var arguments: [any SQLBindable] = []

    public init() {}

    public mutating func add(_ condition: String, _ values: any SQLBindable...) {
        conditions.append(condition)
        arguments.append(contentsOf: values)
    }

    /// `WHERE a AND b`, or nothing.
    public var whereClause: String {
        conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
    }
}

extension Connection {
    /// One page of rows: counts the rows of `table` matching `filter` (unless the total is
    /// already known), then runs `select`, which ends in `LIMIT ? OFFSET ?` and takes the
    /// filter's arguments first. A page past the end is empty and costs no second query.
    func page<T>(
        of table: String, filter: SQLFilter, knownTotal: Int64? = nil, page: PageRequest, select: String, row: (Row) throws -> T
    ) throws -> Page<T> {
        let total = try knownTotal ?? count(of: table, filter: filter)
        guard let offset = page.offset, offset < total else { return Page(items: [], total: total, request: page) }
        let items = try query(select, arguments: filter.arguments + [page.size, offset], row: row)
        return Page(items: items, total: total, request: page)
    }
}

extension Connection {
    /// One page and its total from a single statement: each row's id and a last column
    /// `COUNT(*) OVER ()`, so a filter whose rows come from the text index reads the index
    /// once instead of once for the count and once for the page. Only the ids are kept
    /// and sorted (every match's whole row cost 12 ms for 965 matches, ids alone 4 ms);
    /// the page's rows are then read by id. For small matching sets only (the window keeps
    /// every match). An empty first page is the whole answer; an empty later page (past
    /// the end) still needs a plain count.
    func pageCountedInline<T>(
        from table: String, filter: SQLFilter, page: PageRequest, selectColumns: String, orderBy: String, row: (Row) throws -> T
    ) throws -> Page<T> {
        guard let offset = page.offset else { return Page(items: [], total: try count(of: table, filter: filter), request: page) }
        var total: Int64 = 0
        let ids = try query(
            "SELECT id, COUNT(*) OVER () FROM \(table) \(filter.whereClause) ORDER BY \(orderBy) LIMIT ? OFFSET ?",
            arguments: filter.arguments + [page.size, offset]
        ) { current in
            total = current.int64(1)
            return current.int64(0)
        }
        if ids.isEmpty { return Page(items: [], total: offset > 0 ? try count(of: table, filter: filter) : 0, request: page) }
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ", ")
        let items = try query(
            "SELECT \(selectColumns) FROM \(table) WHERE id IN (\(marks)) ORDER BY \(orderBy)", arguments: ids, row: row
        )
        return Page(items: items, total: total, request: page)
    }

    func count(of table: String, filter: SQLFilter) throws -> Int64 {
        try scalarInt("SELECT COUNT(*) FROM \(table) \(filter.whereClause)", arguments: filter.arguments) ?? 0
    }
}

extension SQLFilter {
    public mutating func add(_ condition: (sql: String, arguments: [any SQLBindable])) {
        conditions.append(condition.sql)
        arguments.append(contentsOf: condition.arguments)
    }
}
