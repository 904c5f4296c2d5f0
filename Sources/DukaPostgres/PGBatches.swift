import DukaCore

extension PGSession {
    /// One statement per batch of `rows` (each a row of values for `VALUES`), so a bulk
    /// change costs a few round trips, not one per row. `sql` gets a batch's
    /// `($1::int8, $2::text, ...), (...)` list; each value is cast to its type so the list
    /// can stand anywhere (`INSERT ... VALUES`, `UPDATE ... FROM (VALUES ...)`, `IN (VALUES ...)`).
    /// Not prepared: the text differs with each batch's length. Every row has the same width.
    func batched(_ rows: [[any PGArgument]], _ sql: (String) -> String) async throws -> [PGRow] {
        guard let width = rows.first?.count, width > 0 else { return [] }
        // PostgreSQL takes at most 65,535 parameters in one statement.
        let perBatch = max(1, 30_000 / width)
        var unprepared = self
        unprepared.statements = nil
        var answers: [PGRow] = []
        for start in stride(from: 0, to: rows.count, by: perBatch) {
            var values = ""
            var arguments: [any PGArgument] = []
            arguments.reserveCapacity(perBatch * width)
            for row in rows[start..<min(start + perBatch, rows.count)] {
                values += values.isEmpty ? "(" : ", ("
                for (index, value) in row.enumerated() {
                    arguments.append(value)
                    values += "\(index == 0 ? "" : ", ")$\(arguments.count)::\(type(of: value).castType)"
                }
                values += ")"
            }
            answers += try await unprepared.rows(sql(values), arguments)
        }
        return answers
    }
}
