import DukaCore
import SQLite

/// Reading a row by named column (`UserColumn.email`) rather than by a position kept in
/// step with a SELECT list by hand.
extension Row {
    func int64(_ column: some TableColumn) -> Int64 { int64(column.position) }
    func bool(_ column: some TableColumn) -> Bool { bool(column.position) }
    func string(_ column: some TableColumn) -> String { string(column.position) }
    func optionalString(_ column: some TableColumn) -> String? { optionalString(column.position) }
    func optionalInt64(_ column: some TableColumn) -> Int64? { optionalInt64(column.position) }
}

/// A row selected with `Column.selectList()`, as the answer writers read it: SQLite's own
/// bytes, no values made. Valid only while the row is current.
struct SQLiteRowView<Column: TableColumn>: RowView {
    let row: Row

    func int64(_ column: Column) -> Int64 { row.int64(column.position) }
    func optionalInt64(_ column: Column) -> Int64? { row.optionalInt64(column.position) }
    func bool(_ column: Column) -> Bool { row.bool(column.position) }
    func withUTF8<R>(_ column: Column, _ body: (UnsafeBufferPointer<UInt8>?) throws -> R) rethrows -> R {
        try row.withUTF8(column.position, body)
    }
}

/// The shared selling SQL's decoders read SQLite rows by position.
extension Row: SQLRowReading {
    public func int64(at index: Int) -> Int64 { int64(Int32(index)) }
    public func optionalInt64(at index: Int) -> Int64? { optionalInt64(Int32(index)) }
    public func string(at index: Int) -> String { string(Int32(index)) }
    public func optionalString(at index: Int) -> String? { optionalString(Int32(index)) }
}
