import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// Server-side prepared statements, one set per pooled connection, keyed by SQL text.
/// Without them PostgreSQL parses and plans every statement again, and on these small
/// queries planning is most of the work (pgbench on the dashboard's statement, 16
/// clients: 7,400 per second unprepared, 38,700 prepared). Duka's SQL texts are a
/// bounded set (values are always parameters), so each connection prepares each text
/// once. Parameters are cast to the type their Swift value has (`$1::int8`), so a
/// statement prepared once accepts the same binary values every time.
final class PGStatements: Sendable {
    /// Statements kept per connection; beyond it, statements run unprepared.
    static let capacity = 512

    private struct Prepared {
        let connection: PostgresConnection
        var statements: [String: PreparedQuery]
    }

    private let byConnection = Mutex<[PostgresConnection.ID: Prepared]>([:])

    /// The prepared form of `sql` for `arguments` on `connection`, prepared now if needed;
    /// nil when the connection holds `capacity` statements already. Statements are kept by
    /// their text and their arguments' types, so the typed text is made only once.
    func prepared(_ sql: String, _ arguments: [any PGArgument], on connection: PostgresConnection) async throws -> PreparedQuery? {
        let id = connection.id
        var key = sql + "\u{0}"
        for argument in arguments { key += type(of: argument).castType.prefix(1) }
        let cached: PreparedQuery?? = byConnection.withLock { all in
            guard let entry = all[id], entry.connection === connection else { return .some(nil) }
            if let statement = entry.statements[key] { return .some(statement) }
            return entry.statements.count >= Self.capacity ? .none : .some(nil)
        }
        switch cached {
        case .none: return nil
        case .some(let statement?): return statement
        case .some(nil): break
        }
        let statement = try await PGSession.answer(connection.prepare(query: Self.typed(sql, arguments)), on: connection)
        byConnection.withLock { all in
            if all[id]?.connection !== connection {
                // A new connection (ids are reused): forget the closed ones first.
                all = all.filter { !$0.value.connection.isClosed }
                all[id] = Prepared(connection: connection, statements: [:])
            }
            all[id]?.statements[key] = statement
        }
        return statement
    }

    /// `sql` with each `$n` cast to its argument's type (`$2::text`).
    static func typed(_ sql: String, _ arguments: [any PGArgument]) -> String {
        guard !arguments.isEmpty else { return sql }
        var result = ""
        result.reserveCapacity(sql.utf8.count + arguments.count * 6)
        var characters = Substring(sql)
        while let dollar = characters.firstIndex(of: "$") {
            result += characters[..<dollar]
            var digits = characters[characters.index(after: dollar)...]
            let end = digits.firstIndex { !$0.isASCII || !$0.isNumber } ?? digits.endIndex
            let number = Int(digits[..<end])
            digits = digits[end...]
            result += "$"
            if let number, (1...arguments.count).contains(number) {
                result += "\(number)::\(type(of: arguments[number - 1]).castType)"
                characters = digits
            } else {
                characters = characters[characters.index(after: dollar)...]
            }
        }
        return result + characters
    }

    /// Whether `sql` is a statement worth preparing (not DDL or transaction control).
    static func preparable(_ sql: String) -> Bool {
        let head = sql.prefix(8).uppercased()
        return head.hasPrefix("SELECT") || head.hasPrefix("INSERT") || head.hasPrefix("UPDATE")
            || head.hasPrefix("DELETE") || head.hasPrefix("WITH")
    }
}
