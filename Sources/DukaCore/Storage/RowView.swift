/// One row's columns, read in place: an engine's row as it is stepped (no `User`, no
/// `String` made) or an already decoded value. The answer writers take either, so each
/// answer shape is written by one function.
public protocol RowView<Column> {
    associatedtype Column: TableColumn
    func int64(_ column: Column) -> Int64
    func optionalInt64(_ column: Column) -> Int64?
    func bool(_ column: Column) -> Bool
    /// The column's UTF-8 text (nil for NULL), valid only inside `body`.
    func withUTF8<R>(_ column: Column, _ body: (UnsafeBufferPointer<UInt8>?) throws -> R) rethrows -> R
}

extension User: RowView {
    public func int64(_ column: UserColumn) -> Int64 {
        switch column {
        case .id: id
        case .isActive: isActive ? 1 : 0
        case .deletedAt: deletedAt ?? 0
        case .sessionVersion: sessionVersion
        case .createdAt: createdAt
        case .updatedAt: updatedAt
        default: 0
        }
    }

    public func optionalInt64(_ column: UserColumn) -> Int64? {
        column == .deletedAt ? deletedAt : int64(column)
    }

    public func bool(_ column: UserColumn) -> Bool {
        int64(column) != 0
    }

    public func withUTF8<R>(_ column: UserColumn, _ body: (UnsafeBufferPointer<UInt8>?) throws -> R) rethrows -> R {
        let text: String?
        switch column {
        case .uuid: text = uuid
        case .username: text = username
        case .email: text = email
        case .passwordHash: text = nil  // never written into an answer
        case .role: text = role.rawValue
        case .fullName: text = profile.fullName
        case .idNumber: text = profile.idNumber
        case .phoneNumber: text = profile.phoneNumber
        case .county: text = profile.county
        case .town: text = profile.town
        case .street: text = profile.street
        default: text = nil
        }
        guard var text else { return try body(nil) }
        return try text.withUTF8 { try body($0) }
    }
}
