import Crypto

/// `duka copy`: every table of one engine into an empty database of the other (or the
/// same) engine, ids, uuids, hashes, session versions, times and the audit log kept.
/// Rows are read and written in batches in id order; each table's rows are hashed
/// (SHA-256 over a canonical encoding) as they are read from the source and again as
/// they are read back from the target, and the copy fails unless counts and hashes agree.

/// A value as both engines keep it: booleans are 0/1 integers here.
public enum CopyValue: Sendable, Equatable {
    case int(Int64)
    case text(String)
    case null
}

/// One copied table: its columns in order, and which hold booleans (1/0 on SQLite,
/// BOOLEAN on PostgreSQL).
public struct CopyTable: Sendable {
    public enum Kind: Sendable { case int, text, bool }

    public let name: String
    public let columns: [(name: String, kind: Kind)]
    /// The column rows are ordered and paged by (`id`, or `key` for settings).
    public let orderColumn: String
    /// A new database already holds rows of its own here (the shop, branch 1): the copy
    /// replaces them instead of refusing the target.
    public var seeded = false

    init(name: String, columns: [(name: String, kind: Kind)], orderColumn: String, seeded: Bool = false) {
        (self.name, self.columns, self.orderColumn, self.seeded) = (name, columns, orderColumn, seeded)
    }

    public var columnList: String { columns.map(\.name).joined(separator: ", ") }

    /// In the order that keeps foreign keys satisfied.
    public static let all: [CopyTable] = [
        CopyTable(name: "users", columns: [
            ("id", .int), ("uuid", .text), ("username", .text), ("email", .text), ("password_hash", .text), ("role", .text),
            ("full_name", .text), ("id_number", .text), ("phone_number", .text), ("county", .text), ("town", .text),
            ("street", .text), ("is_active", .bool), ("deleted_at", .int), ("session_version", .int), ("created_at", .int),
            ("updated_at", .int),
        ], orderColumn: "id"),
        CopyTable(name: "products", columns: [
            ("id", .int), ("sku", .text), ("name", .text), ("description", .text), ("unit", .text), ("unit_price_cents", .int),
            ("is_active", .bool), ("created_at", .int), ("updated_at", .int), ("tax_class", .text),
            ("track_stock", .bool), ("allow_negative_stock", .bool), ("low_stock_threshold_milli", .int), ("barcodes", .text),
        ], orderColumn: "id"),
        CopyTable(name: "product_barcodes", columns: [("code", .text), ("product_id", .int)], orderColumn: "code"),
        CopyTable(name: "shop", columns: [
            ("id", .int), ("name", .text), ("kra_pin", .text), ("address", .text), ("phone", .text), ("receipt_footer", .text),
            ("scale_barcode_value", .text), ("updated_at", .int),
        ], orderColumn: "id", seeded: true),
        CopyTable(name: "branches", columns: [
            ("id", .int), ("code", .text), ("name", .text), ("is_active", .bool), ("last_receipt", .int), ("last_credit_note", .int),
            ("created_at", .int), ("updated_at", .int),
        ], orderColumn: "id", seeded: true),
        CopyTable(name: "shifts", columns: [
            ("id", .int), ("branch_id", .int), ("user_id", .int), ("status", .text), ("opening_float_cents", .int), ("opened_at", .int),
            ("closed_at", .int), ("counted_cash_cents", .int), ("expected_cash_cents", .int),
        ], orderColumn: "id"),
        CopyTable(name: "shift_cash", columns: [
            ("id", .int), ("shift_id", .int), ("type", .text), ("amount_cents", .int), ("reason", .text), ("created_at", .int),
        ], orderColumn: "id"),
        CopyTable(name: "carts", columns: [
            ("id", .int), ("user_id", .int), ("status", .text), ("created_at", .int), ("updated_at", .int), ("branch_id", .int),
            ("receipt_number", .text), ("payment_status", .text), ("change_cents", .int), ("shift_id", .int), ("cashier", .text),
            ("refunded_cents", .int),
        ], orderColumn: "id"),
        CopyTable(name: "cart_items", columns: [
            ("id", .int), ("cart_id", .int), ("product_id", .int), ("quantity_milli", .int), ("sale_channel", .text),
            ("unit_price_cents", .int), ("created_at", .int), ("updated_at", .int), ("tax_class", .text),
        ], orderColumn: "id"),
        CopyTable(name: "refunds", columns: [
            ("id", .int), ("credit_note_number", .text), ("cart_id", .int), ("branch_id", .int), ("shift_id", .int), ("total_cents", .int),
            ("reason", .text), ("created_by", .text), ("approved_by", .text), ("created_at", .int),
        ], orderColumn: "id"),
        CopyTable(name: "refund_lines", columns: [
            ("id", .int), ("refund_id", .int), ("item_id", .int), ("product_id", .int), ("quantity_milli", .int),
            ("unit_price_cents", .int), ("line_total_cents", .int), ("tax_class", .text),
        ], orderColumn: "id"),
        CopyTable(name: "payments", columns: [
            ("id", .int), ("cart_id", .int), ("refund_id", .int), ("method", .text), ("amount_cents", .int), ("reference", .text),
            ("created_at", .int),
        ], orderColumn: "id"),
        CopyTable(name: "stock_levels", columns: [
            ("id", .int), ("product_id", .int), ("branch_id", .int), ("quantity_milli", .int), ("last_cost_cents", .int),
        ], orderColumn: "id"),
        CopyTable(name: "stock_movements", columns: [
            ("id", .int), ("product_id", .int), ("branch_id", .int), ("type", .text), ("quantity_milli", .int), ("unit_cost_cents", .int),
            ("reason", .text), ("reference", .text), ("cart_id", .int), ("refund_id", .int), ("created_by", .text), ("created_at", .int),
        ], orderColumn: "id"),
        CopyTable(name: "audit_log", columns: [
            ("id", .int), ("actor_id", .int), ("actor_uuid", .text), ("actor_username", .text), ("action", .text),
            ("target_type", .text), ("target_id", .text), ("created_at", .int),
        ], orderColumn: "id"),
        CopyTable(name: "settings", columns: [("key", .text), ("value", .text)], orderColumn: "key"),
    ]
}

/// What an engine offers `duka copy`.
public protocol CopyEndpoint: Sendable {
    /// What the operator called it (a path, or a URL without its password).
    var displayName: String { get }
    /// Rows in each of `CopyTable.all` (a target must have none).
    func rowCount(_ table: CopyTable) async throws -> Int64
    /// Up to `limit` rows after `after` (nil: from the start) in `orderColumn` order.
    func rows(_ table: CopyTable, after: CopyValue?, limit: Int) async throws -> [[CopyValue]]
    /// Inserts `rows` as they are (explicit ids) in one transaction.
    func insert(_ table: CopyTable, rows: [[CopyValue]]) async throws
    /// Before the first row: the triggers that count each user's search texts are paused
    /// (a bulk load; `finishCopy` counts every user once).
    func beginCopy() async throws
    /// Deletes a seeded table's own rows before the copy fills it.
    func clear(_ table: CopyTable) async throws
    /// After the last insert: the search texts counted, id sequences moved past the copied
    /// ids, statistics refreshed.
    func finishCopy() async throws
}

public struct TableCopyReport: Sendable {
    public let table: String
    public let rows: Int64
    public let digest: String
}

public enum TableCopy {
    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    public static let batchSize = 1000

    /// Copies every table; `progress` is told each table's rows as they go.
    public static func copy(
        from source: any CopyEndpoint, to target: any CopyEndpoint, progress: (String, Int64, Int64) -> Void = { _, _, _ in }
    ) async throws -> [TableCopyReport] {
        for table in CopyTable.all where !table.seeded {
            guard try await target.rowCount(table) > 0 else { continue }
            // A new database has its settings row once a server ran on it: still refused,
            // as tokens of that server would meet another secret.
            throw Refusal("\(target.displayName) is not empty (\(table.name) has rows); copy only into a new database")
        }
        try await target.beginCopy()
        var reports: [TableCopyReport] = []
        for table in CopyTable.all {
            let total = try await source.rowCount(table)
            var hash = SHA256()
            var copied: Int64 = 0
            var after: CopyValue?
            if table.seeded { try await target.clear(table) }
            progress(table.name, 0, total)
            while true {
                let batch = try await source.rows(table, after: after, limit: batchSize)
                if batch.isEmpty { break }
                for row in batch { feed(row, into: &hash) }
                try await target.insert(table, rows: batch)
                copied += Int64(batch.count)
                after = batch.last![table.columns.firstIndex { $0.name == table.orderColumn }!]
                progress(table.name, copied, total)
            }
            let digest = hex(hash.finalize())
            guard copied == total else {
                throw Refusal("\(table.name): \(copied) rows read but the source counted \(total); was a server writing to it?")
            }
            reports.append(TableCopyReport(table: table.name, rows: copied, digest: digest))
        }
        try await target.finishCopy()
        // Read back what the target now holds and compare, table by table.
        for report in reports {
            let table = CopyTable.all.first { $0.name == report.table }!
            let (rows, digest) = try await digestOf(table, in: target)
            guard rows == report.rows, digest == report.digest else {
                throw Refusal("\(table.name): the copy differs from the source (\(rows) rows, digest \(digest.prefix(12)) vs \(report.rows), \(report.digest.prefix(12)))")
            }
        }
        return reports
    }

    /// A table's row count and digest, read in order.
    public static func digestOf(_ table: CopyTable, in endpoint: any CopyEndpoint) async throws -> (Int64, String) {
        var hash = SHA256()
        var rows: Int64 = 0
        var after: CopyValue?
        let order = table.columns.firstIndex { $0.name == table.orderColumn }!
        while true {
            let batch = try await endpoint.rows(table, after: after, limit: batchSize)
            if batch.isEmpty { break }
            for row in batch { feed(row, into: &hash) }
            rows += Int64(batch.count)
            after = batch.last![order]
        }
        return (rows, hex(hash.finalize()))
    }

    /// A canonical encoding: a type tag, the length, then the bytes, for each value.
    static func feed(_ row: [CopyValue], into hash: inout SHA256) {
        var bytes: [UInt8] = []
        for value in row {
            switch value {
            case .null: bytes.append(0)
            case .int(let number):
                bytes.append(1)
                withUnsafeBytes(of: number.bigEndian) { bytes.append(contentsOf: $0) }
            case .text(let text):
                bytes.append(2)
                withUnsafeBytes(of: UInt32(text.utf8.count).bigEndian) { bytes.append(contentsOf: $0) }
                bytes.append(contentsOf: text.utf8)
            }
        }
        hash.update(data: bytes)
    }

    static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
