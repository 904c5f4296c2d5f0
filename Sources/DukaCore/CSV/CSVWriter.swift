/// CSV as API.md 8.3 writes it: RFC 4180 quoting, CRLF line ends, no byte-order mark, and
/// text that people typed neutralised against formula injection (a cell starting with
/// `=`, `+`, `-`, `@`, tab or CR gets a leading `'`, so a spreadsheet shows it as text).
public struct CSVWriter: Sendable {
    public enum Cell: Sendable {
        /// Numbers, codes and flags written by Duka: plain.
        case plain(String)
        /// Text taken from what people typed: neutralised, then quoted as needed.
        case typed(String)
    }

    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func row(_ cells: [Cell]) {
        for (index, cell) in cells.enumerated() {
            if index > 0 { bytes.append(0x2C) }
            switch cell {
            case .plain(let text): field(text)
            case .typed(let text): field(Self.neutralised(text))
            }
        }
        bytes.append(contentsOf: [0x0D, 0x0A])
    }

    public mutating func header(_ names: [String]) { row(names.map { .plain($0) }) }

    /// Empties the buffer (after its bytes were sent).
    public mutating func flush() -> [UInt8] {
        defer { bytes.removeAll(keepingCapacity: true) }
        return bytes
    }

    /// A cell starting with a formula character gets a `'`; so does one whose leading `'`s
    /// are followed by one, so that marking is one-to-one and the import, which drops one
    /// mark, gives back exactly what was stored (`'=x` exports as `''=x`).
    public static func neutralised(_ text: String) -> String {
        looksLikeFormula(text) ? "'" + text : text
    }

    /// Whether `text`, past any leading `'`s, starts with `=`, `+`, `-`, `@`, tab or CR.
    public static func looksLikeFormula(_ text: String) -> Bool {
        guard let head = text.utf8.first(where: { $0 != UInt8(ascii: "'") }) else { return false }
        return [0x3D, 0x2B, 0x2D, 0x40, 0x09, 0x0D].contains(head)
    }

    mutating func field(_ text: String) {
        let utf8 = text.utf8
        guard utf8.contains(where: { $0 == 0x22 || $0 == 0x2C || $0 == 0x0D || $0 == 0x0A }) else {
            bytes.append(contentsOf: utf8)
            return
        }
        bytes.append(0x22)
        for byte in utf8 {
            if byte == 0x22 { bytes.append(0x22) }
            bytes.append(byte)
        }
        bytes.append(0x22)
    }
}

/// The product export's columns: exactly the import's, in this order (API.md 8.3).
public enum ProductCSV {
    public static let columns = [
        "sku", "name", "unit_price", "description", "unit", "tax_class", "barcodes", "is_active", "track_stock", "low_stock_threshold",
    ]

    public static func write(_ product: Product, to out: inout CSVWriter) {
        out.row([
            .typed(product.sku), .typed(product.name), .plain(FixedPoint.money(product.unitPriceCents)), .typed(product.description),
            .typed(product.unit), .plain(product.taxClass.rawValue), .typed(product.barcodes.joined(separator: ";")),
            .plain(product.isActive ? "true" : "false"), .plain(product.trackStock ? "true" : "false"),
            .plain(product.lowStockThresholdMilli.map(FixedPoint.quantity) ?? ""),
        ])
    }
}

/// The stock export's columns: a level per counted product in one branch (API.md 8.1).
public enum StockCSV {
    public static let columns = ["product_id", "sku", "name", "unit", "branch_id", "quantity", "low_stock_threshold", "is_low", "last_cost"]

    public static func write(_ level: StockLevel, to out: inout CSVWriter) {
        out.row([
            .plain(String(level.productID)), .typed(level.sku), .typed(level.name), .typed(level.unit), .plain(String(level.branchID)),
            .plain(FixedPoint.quantity(level.quantityMilli)), .plain(level.lowStockThresholdMilli.map(FixedPoint.quantity) ?? ""),
            .plain(level.isLow ? "true" : "false"), .plain(level.lastCostCents.map(FixedPoint.money) ?? ""),
        ])
    }
}

/// The customer export's columns (API.md 8.3): the customer object of API.md 3 without
/// the role (always `customer`) and with no password data, soft-deleted customers included.
public enum CustomerCSV {
    public static let columns = [
        "id", "uuid", "username", "full_name", "id_number", "email", "phone_number", "county", "town", "street", "is_active",
        "deleted_at", "created_at", "updated_at",
    ]

    public static func write(_ customer: User, to out: inout CSVWriter) {
        let profile = customer.profile
        out.row([
            .plain(String(customer.id)), .plain(customer.uuid), .typed(customer.username), .typed(profile.fullName ?? ""),
            .typed(profile.idNumber ?? ""), .typed(customer.email), .typed(profile.phoneNumber ?? ""), .typed(profile.county ?? ""),
            .typed(profile.town ?? ""), .typed(profile.street ?? ""), .plain(customer.isActive ? "true" : "false"),
            .plain(customer.deletedAt.map(Timestamp.iso8601) ?? ""), .plain(Timestamp.iso8601(customer.createdAt)),
            .plain(Timestamp.iso8601(customer.updatedAt)),
        ])
    }
}

/// One line of the sales export (API.md 8.3): a sold line, or a refunded one as a
/// negative row numbered by its credit note.
public struct SaleLineRow: Sendable, Equatable {
    /// The receipt number; for a refund line, the credit note's.
    public var number: String
    public var time: Int64
    public var branchCode: String
    /// Who took the sale or gave the refund (empty for a customer's own online checkout).
    public var cashier: String
    public var sku: String
    public var name: String
    /// Negative for a refund.
    public var quantityMilli: Int64
    public var unitPriceCents: Int64
    /// Negative for a refund.
    public var lineTotalCents: Int64
    public var taxClass: TaxClass

    public var vatCents: Int64 { taxClass.vat(ofCents: lineTotalCents) }
}

public enum SalesCSV {
    public static let columns = [
        "receipt_number", "time", "branch", "cashier", "sku", "name", "quantity", "unit_price", "line_total", "tax_class", "vat",
    ]

    /// Sold and refunded lines of `[$1, $2)` (seconds), in one branch (`$3`) or all (null),
    /// in time order; within a second sales before refunds, then by document and line.
    /// Names and skus are the product's current ones, as receipts print them.
    public static let lines = """
        SELECT c.receipt_number, c.updated_at, b.code, COALESCE(c.cashier, ''), p.sku, p.name, i.quantity_milli, i.unit_price_cents,
               NULL, i.tax_class, 0 AS kind, c.id AS document, i.id AS line
        FROM carts c
        JOIN cart_items i ON i.cart_id = c.id
        JOIN products p ON p.id = i.product_id
        JOIN branches b ON b.id = c.branch_id
        WHERE c.status = 'checked_out' AND c.updated_at >= $1 AND c.updated_at < $2 AND (CAST($3 AS BIGINT) IS NULL OR c.branch_id = $3)
        UNION ALL
        SELECT r.credit_note_number, r.created_at, b.code, COALESCE(u.username, r.created_by), p.sku, p.name, l.quantity_milli,
               l.unit_price_cents, l.line_total_cents, l.tax_class, 1, r.id, l.id
        FROM refunds r
        JOIN refund_lines l ON l.refund_id = r.id
        JOIN products p ON p.id = l.product_id
        JOIN branches b ON b.id = r.branch_id
        LEFT JOIN users u ON u.uuid = r.created_by
        WHERE r.created_at >= $1 AND r.created_at < $2 AND (CAST($3 AS BIGINT) IS NULL OR r.branch_id = $3)
        ORDER BY 2, 11, 12, 13
        """

    /// A row of `lines`: a sale's line total is worked out as everywhere else (half-up to
    /// the cent); a refund's is the one it was given, and both its numbers turn negative.
    public static func decoded(_ row: some SQLRowReading) -> SaleLineRow {
        let isRefund = row.int64(at: 10) == 1
        let quantity = row.int64(at: 6), price = row.int64(at: 7)
        let total = isRefund ? -row.int64(at: 8) : (FixedPoint.lineTotal(unitPriceCents: price, quantityMilli: quantity) ?? 0)
        return SaleLineRow(
            number: row.string(at: 0), time: row.int64(at: 1), branchCode: row.string(at: 2), cashier: row.string(at: 3),
            sku: row.string(at: 4), name: row.string(at: 5), quantityMilli: isRefund ? -quantity : quantity, unitPriceCents: price,
            lineTotalCents: total, taxClass: TaxClass(rawValue: row.string(at: 9)) ?? .b
        )
    }

    public static func write(_ line: SaleLineRow, to out: inout CSVWriter) {
        out.row([
            .plain(line.number), .plain(Timestamp.iso8601(line.time)), .plain(line.branchCode), .typed(line.cashier), .typed(line.sku),
            .typed(line.name), .plain(FixedPoint.quantity(line.quantityMilli)), .plain(FixedPoint.money(line.unitPriceCents)),
            .plain(FixedPoint.money(line.lineTotalCents)), .plain(line.taxClass.rawValue), .plain(FixedPoint.money(line.vatCents)),
        ])
    }
}
