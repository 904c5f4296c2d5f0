import DukaCore
import Logging
import NIOCore
import PostgresNIO

/// A value bound to a `$n` parameter. Only these types reach PostgreSQL, so every
/// statement's parameters have the types its SQL expects (int8, text, bool).
protocol PGArgument: Sendable {
    /// The SQL type its parameter is cast to (`$1::int8`).
    static var castType: String { get }
    func bind(into bindings: inout PostgresBindings)
    /// The same value for a prepared statement's execution.
    var postgresData: PostgresData { get }
}

extension Int64: PGArgument {
    static var castType: String { "int8" }
    func bind(into bindings: inout PostgresBindings) { bindings.append(self) }
    var postgresData: PostgresData { PostgresData(int64: self) }
}

extension Int: PGArgument {
    static var castType: String { "int8" }
    func bind(into bindings: inout PostgresBindings) { bindings.append(Int64(self)) }
    var postgresData: PostgresData { PostgresData(int64: Int64(self)) }
}

extension String: PGArgument {
    static var castType: String { "text" }
    func bind(into bindings: inout PostgresBindings) { bindings.append(self) }
    var postgresData: PostgresData { PostgresData(string: self) }
}

extension Bool: PGArgument {
    static var castType: String { "bool" }
    func bind(into bindings: inout PostgresBindings) { bindings.append(self) }
    var postgresData: PostgresData { PostgresData(bool: self) }
}

extension Optional: PGArgument where Wrapped: PGArgument {
    static var castType: String { Wrapped.castType }
    func bind(into bindings: inout PostgresBindings) {
        switch self {
        case .some(let value): value.bind(into: &bindings)
        case .none: bindings.appendNull()
        }
    }
    var postgresData: PostgresData {
        switch self {
        case .some(let value): value.postgresData
        case .none: PostgresData(type: .null, value: nil)
        }
    }
}

/// One leased connection, inside the transaction the storage began on it. SQL is written
/// with `$1`, `$2`, ...; values are always bound, never spliced.
struct PGSession {
    let connection: PostgresConnection
    let logger: Logger
    /// Where this connection's prepared statements are kept (nil: run every statement unprepared).
    var statements: PGStatements? = nil

    /// Every row of `sql`, read to the end (a constraint error can arrive after the first rows).
    func rows(_ sql: String, _ arguments: [any PGArgument]) async throws -> [PGRow] {
        guard !connection.isClosed else { throw PGSession.closed }
        if let statements, PGStatements.preparable(sql),
           let prepared = try await statements.prepared(sql, arguments, on: connection) {
            return try await Self.answer(prepared.execute(arguments.map(\.postgresData)), on: connection).map(PGRow.init)
        }
        var bindings = PostgresBindings(capacity: arguments.count)
        for argument in arguments { argument.bind(into: &bindings) }
        let result: EventLoopFuture<PostgresQueryResult> = connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        return try await Self.answer(result, on: connection).rows.map(PGRow.init)
    }

    static let closed = StorageError(.unavailable, message: "the connection to PostgreSQL closed")

    /// The answer to a statement just written to `connection`, or a failure if the
    /// connection was closed once the write was done. postgres-nio 1.33 writes a statement
    /// with no write promise: written to a channel that has just closed, it is dropped and
    /// its answer never comes (a request hung until its client gave up, in CI). The check
    /// is queued on the connection's event loop after the write, so it runs after it; a
    /// statement written while the connection was open is failed by postgres-nio itself
    /// if the connection closes later. (An answer that came first wins: a promise
    /// completes once.)
    static func answer<T>(_ future: EventLoopFuture<T>, on connection: PostgresConnection) async throws -> T {
        let promise = future.eventLoop.makePromise(of: T.self)
        future.cascade(to: promise)
        future.eventLoop.execute {
            if connection.isClosed { promise.fail(PGSession.closed) }
        }
        return try await promise.futureResult.get()
    }

    func rows(_ sql: String, _ arguments: any PGArgument...) async throws -> [PGRow] {
        try await rows(sql, arguments)
    }

    func first(_ sql: String, _ arguments: any PGArgument...) async throws -> PGRow? {
        try await rows(sql, arguments).first
    }

    func scalarInt(_ sql: String, _ arguments: any PGArgument...) async throws -> Int64? {
        let row = try await rows(sql, arguments).first
        return row.flatMap { $0.isNull(0) ? nil : $0.int64(0) }
    }

    func execute(_ sql: String, _ arguments: any PGArgument...) async throws {
        _ = try await rows(sql, arguments)
    }

    /// The id of the row an `INSERT ... RETURNING id` made.
    func insertReturningID(_ sql: String, _ arguments: any PGArgument...) async throws -> Int64 {
        try await rows(sql, arguments)[0].int64(0)
    }
}

/// A row of binary-format cells.
struct PGRow: Sendable {
    /// The row's cells, read through the random-access row, which walks the row's bytes
    /// once: iterating `PostgresRow` makes a `PostgresCell` for each column (its name
    /// retained, five fields copied), 8% of duka's CPU on a portal page.
    private let source: PostgresRandomAccessRow
    /// Where this row's first cell is among `source`'s (see `dropping`).
    private let first: Int

    init(_ row: PostgresRow) {
        source = row.makeRandomAccess()
        first = 0
    }

    private init(source: PostgresRandomAccessRow, first: Int) {
        self.source = source
        self.first = first
    }

    /// The cells from `index` on, as a row of their own (for statements that join two
    /// tables' columns side by side).
    func dropping(_ index: Int) -> PGRow {
        PGRow(source: source, first: first + index)
    }

    /// A column's bytes; nil for NULL.
    private func bytes(_ index: Int) -> ByteBuffer? { source[data: first + index].value }

    /// A column's type (tests telling text from numbers apart).
    func dataType(_ index: Int) -> PostgresDataType { source[first + index].dataType }

    var count: Int { source.count - first }

    func isNull(_ index: Int) -> Bool { bytes(index) == nil }

    /// int2, int4 or int8 (told apart by length), or a bool as 0/1.
    func int64(_ index: Int) -> Int64 {
        guard let bytes = bytes(index) else { return 0 }
        switch bytes.readableBytes {
        case 8: return bytes.getInteger(at: bytes.readerIndex, as: Int64.self) ?? 0
        case 4: return Int64(bytes.getInteger(at: bytes.readerIndex, as: Int32.self) ?? 0)
        case 2: return Int64(bytes.getInteger(at: bytes.readerIndex, as: Int16.self) ?? 0)
        case 1: return Int64(bytes.getInteger(at: bytes.readerIndex, as: UInt8.self) ?? 0)
        default: return 0
        }
    }

    func optionalInt64(_ index: Int) -> Int64? { isNull(index) ? nil : int64(index) }
    func bool(_ index: Int) -> Bool { int64(index) != 0 }
    func string(_ index: Int) -> String { optionalString(index) ?? "" }

    func optionalString(_ index: Int) -> String? {
        guard let bytes = bytes(index) else { return nil }
        return String(buffer: bytes)
    }

    func withUTF8<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>?) throws -> R) rethrows -> R {
        guard let bytes = bytes(index) else { return try body(nil) }
        return try bytes.withUnsafeReadableBytes { raw in try body(raw.bindMemory(to: UInt8.self)) }
    }
}

/// A PostgreSQL row read in place by the answer writers (no `User`, no `String` made).
struct PGRowView<Column: TableColumn>: RowView {
    let row: PGRow

    func int64(_ column: Column) -> Int64 { row.int64(Int(column.position)) }
    func optionalInt64(_ column: Column) -> Int64? { row.optionalInt64(Int(column.position)) }
    func bool(_ column: Column) -> Bool { row.bool(Int(column.position)) }

    func withUTF8<R>(_ column: Column, _ body: (UnsafeBufferPointer<UInt8>?) throws -> R) rethrows -> R {
        try row.withUTF8(Int(column.position), body)
    }
}

/// The shared selling SQL's decoders read PostgreSQL rows by position.
extension PGRow: SQLRowReading {
    func int64(at index: Int) -> Int64 { int64(index) }
    func optionalInt64(at index: Int) -> Int64? { optionalInt64(index) }
    func string(at index: Int) -> String { string(index) }
    func optionalString(at index: Int) -> String? { optionalString(index) }
}
