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

    public static func neutralised(_ text: String) -> String {
        guard let first = text.utf8.first, [0x3D, 0x2B, 0x2D, 0x40, 0x09, 0x0D].contains(first) else { return text }
        return "'" + text
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
