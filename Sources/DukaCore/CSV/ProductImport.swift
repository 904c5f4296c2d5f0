/// The product import of API.md 8.3: its columns, how a cell is read, and the plan that
/// says what each row does to the catalogue. Both engines run the same plan inside their
/// write transaction (a dry run stops before writing), so a dry run answers as the
/// commit would.
///
/// How a cell is read (docs/DECISIONS.md, "CSV import"):
/// - Text is taken as written, except that a leading `'` before `=`, `+`, `-`, `@`, tab
///   or CR is dropped: that is the mark the export puts there, so export then import is
///   exact.
/// - An empty cell means "nothing" where nothing is a value (description, barcodes,
///   low_stock_threshold) and "as it is" elsewhere: the product's current value, or the
///   default for a new product. Name and unit_price have no default, so a new product needs them.
/// - Numbers and flags may carry spaces around them; flags are true/false/1/0 in any case.
public enum ProductImportColumn: String, CaseIterable, Sendable {
    case sku, name
    case unitPrice = "unit_price"
    case description, unit
    case taxClass = "tax_class"
    case barcodes
    case isActive = "is_active"
    case trackStock = "track_stock"
    case lowStockThreshold = "low_stock_threshold"

    public static let required: [ProductImportColumn] = [.sku, .name, .unitPrice]
}

/// The columns named by a file's header row, by position.
public struct ProductImportHeader: Sendable {
    public let columns: [ProductImportColumn]

    /// The header row read, or the problems with it (keyed `header` or `header.<name>`).
    public static func read(_ cells: [String]) throws(ProductImportError) -> ProductImportHeader {
        var columns: [ProductImportColumn] = []
        var errors: [String: String] = [:]
        for (index, cell) in cells.enumerated() {
            let name = cell.trimmingWhitespace().lowercased()
            guard let column = ProductImportColumn(rawValue: name) else {
                let label = name.isEmpty ? "header.\(index + 1)" : "header.\(String(name.prefix(64)))"
                errors[label] = "is not a column of the product import (columns: "
                    + ProductImportColumn.allCases.map(\.rawValue).joined(separator: ", ") + ")"
                continue
            }
            if columns.contains(column) { errors["header.\(name)"] = "is named twice" }
            columns.append(column)
        }
        for column in ProductImportColumn.required where !columns.contains(column) {
            errors["header.\(column.rawValue)"] = "is a required column"
        }
        guard errors.isEmpty else { throw ProductImportError(errors: errors) }
        return ProductImportHeader(columns: columns)
    }
}

/// One data row read against the header: the sku it names and the fields it sets.
/// Problems found in the row alone are kept with it; the plan adds those that need the
/// catalogue (a new product without a name, a barcode another product carries, ...).
public struct ProductImportRow: Sendable {
    /// The row's number among the data rows, from 1.
    public var number: Int
    /// Nil when the sku cell is bad (its problem is in `problems`).
    public var sku: String?
    public var fields = ProductFields()
    /// Field → reason, for this row.
    public var problems: [String: String] = [:]

    public init(number: Int, sku: String?) {
        self.number = number
        self.sku = sku
    }

    /// Reads a record of the file (`nil`: its bytes were not UTF-8 text).
    public static func read(_ cells: [String]?, number: Int, header: ProductImportHeader) -> ProductImportRow {
        var row = ProductImportRow(number: number, sku: nil)
        guard let cells else {
            row.problems[""] = "is not UTF-8 text"
            return row
        }
        guard cells.count == header.columns.count else {
            row.problems[""] = "has \(cells.count) cells where the header has \(header.columns.count)"
            return row
        }
        for (column, raw) in zip(header.columns, cells) {
            row.read(column, cell: Self.unmarked(raw))
        }
        return row
    }

    private mutating func read(_ column: ProductImportColumn, cell: String) {
        let field = column.rawValue
        let trimmed = cell.trimmingWhitespace()
        func check(_ value: String, _ rule: (String) -> String?) -> String? {
            if let problem = rule(value) {
                problems[field] = problem
                return nil
            }
            return value
        }
        func flag() -> Bool? {
            guard !trimmed.isEmpty else { return nil }
            switch trimmed.lowercased() {
            case "true", "1": return true
            case "false", "0": return false
            default:
                problems[field] = "must be true, false, 1 or 0"
                return nil
            }
        }
        switch column {
        case .sku:
            if cell.isEmpty { problems[field] = "is required" } else { sku = check(cell, CatalogueRules.sku) }
        case .name:
            if !cell.isEmpty { fields.name = check(cell, CatalogueRules.name) }
        case .unitPrice:
            guard !trimmed.isEmpty else { return }
            fields.unitPriceCents = CatalogueRules.price(trimmed)
            if fields.unitPriceCents == nil { problems[field] = CatalogueRules.priceProblem }
        case .description:
            fields.description = check(cell, CatalogueRules.description)
        case .unit:
            if !cell.isEmpty { fields.unit = check(cell, CatalogueRules.unit) }
        case .taxClass:
            guard !trimmed.isEmpty else { return }
            fields.taxClass = TaxClass(rawValue: trimmed.uppercased())
            if fields.taxClass == nil { problems[field] = "must be one of: A, B, C, D, E" }
        case .barcodes:
            let codes = cell.split(separator: ";").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
            guard codes.count <= Barcodes.maximumPerProduct else {
                problems[field] = "must be at most \(Barcodes.maximumPerProduct) codes"
                return
            }
            for code in codes {
                if let problem = Barcodes.problem(code) {
                    problems[field] = "\(String(code.prefix(64))) \(problem)"
                    return
                }
            }
            guard Set(codes).count == codes.count else {
                problems[field] = "names a code twice"
                return
            }
            fields.barcodes = codes
        case .isActive:
            fields.isActive = flag()
        case .trackStock:
            fields.trackStock = flag()
        case .lowStockThreshold:
            guard !trimmed.isEmpty else {
                fields.lowStockThresholdMilli = .some(nil)
                return
            }
            guard let threshold = StockRules.threshold(trimmed) else {
                problems[field] = StockRules.countedProblem
                return
            }
            fields.lowStockThresholdMilli = .some(threshold)
        }
    }

    /// The cell without the export's formula-injection mark: one `'` before text that,
    /// past its leading `'`s, starts with `=`, `+`, `-`, `@`, tab or CR (the mark
    /// `CSVWriter.neutralised` adds), so that a neutralised cell comes back as it was.
    public static func unmarked(_ cell: String) -> String {
        guard cell.utf8.first == UInt8(ascii: "'"), CSVWriter.looksLikeFormula(cell) else { return cell }
        return String(cell.dropFirst())
    }
}

/// The rows' problems, keyed `row N.field` (or `row N` for the row as a whole) or
/// `header...`. At most `listed` are named; `more` counts the rest.
public struct ProductImportError: Error, Sendable, Equatable {
    public static let listed = 1000
    public var errors: [String: String]

    public init(errors: [String: String]) {
        self.errors = errors
    }

    /// The first `listed` problems of `rows` (in row order), and a count of the others.
    init(rows: [ProductImportRow]) {
        var errors: [String: String] = [:]
        var more = 0
        for row in rows where !row.problems.isEmpty {
            for (field, reason) in row.problems.sorted(by: { $0.key < $1.key }) {
                guard errors.count < Self.listed else {
                    more += 1
                    continue
                }
                errors[field.isEmpty ? "row \(row.number)" : "row \(row.number).\(field)"] = reason
            }
        }
        if more > 0 { errors["more"] = "\(more) more problems are not listed" }
        self.errors = errors
    }
}

/// What an import did (or, for a dry run, would do).
public struct ProductImportCounts: Sendable, Equatable {
    public var created = 0
    public var updated = 0
    public var unchanged = 0

    public init(created: Int = 0, updated: Int = 0, unchanged: Int = 0) {
        self.created = created
        self.updated = updated
        self.unchanged = unchanged
    }
}

/// What the rows do to the catalogue: the products to insert and to update, whole.
public struct ProductImportPlan: Sendable {
    /// New products (`id` 0), in row order.
    public var creates: [Product] = []
    /// Changed products, with the barcodes they had before.
    public var updates: [(product: Product, barcodesBefore: [String])] = []
    public var counts = ProductImportCounts()

    /// The plan for `rows` against `catalogue` (every product), or every problem.
    public static func make(_ rows: [ProductImportRow], catalogue: [Product], now: Int64) throws(ProductImportError) -> ProductImportPlan {
        var bySKU: [String: Product] = [:]
        bySKU.reserveCapacity(catalogue.count)
        for product in catalogue { bySKU[product.sku.lowercased()] = product }
        var rows = rows
        var plan = ProductImportPlan()
        var rowOfSKU: [String: Int] = [:]
        // Whose each barcode is once the file is in: products whose barcodes the file sets
        // give theirs up first.
        let replacing = Set(rows.compactMap { row in row.fields.barcodes == nil ? nil : row.sku.flatMap { bySKU[$0.lowercased()]?.id } })
        var owner: [String: (sku: String, row: Int?)] = [:]
        for product in catalogue where !replacing.contains(product.id) {
            for code in product.barcodes { owner[code] = (product.sku, nil) }
        }
        for index in rows.indices {
            guard let sku = rows[index].sku else { continue }
            let number = rows[index].number
            let key = sku.lowercased()
            if let first = rowOfSKU[key] {
                rows[index].problems["sku"] = "repeats row \(first)"
                continue
            }
            rowOfSKU[key] = number
            for code in rows[index].fields.barcodes ?? [] {
                if let holder = owner[code], holder.sku.lowercased() != key {
                    rows[index].problems["barcodes"] = "\(code) is already the barcode of "
                        + (holder.row.map { "row \($0)" } ?? "product \(holder.sku)")
                    break
                }
                owner[code] = (sku, number)
            }
            var fields = rows[index].fields
            fields.sku = sku
            if let current = bySKU[key] {
                var next = fields.applied(to: current)
                if next == current {
                    plan.counts.unchanged += 1
                } else {
                    next.updatedAt = now
                    plan.updates.append((next, current.barcodes))
                    plan.counts.updated += 1
                }
            } else {
                if fields.name == nil, rows[index].problems["name"] == nil { rows[index].problems["name"] = "is required for a new product" }
                if fields.unitPriceCents == nil, rows[index].problems["unit_price"] == nil {
                    rows[index].problems["unit_price"] = "is required for a new product"
                }
                guard let name = fields.name, let price = fields.unitPriceCents else { continue }
                var product = Product(
                    id: 0, sku: sku, name: name, description: fields.description ?? "", unit: fields.unit ?? "piece",
                    unitPriceCents: price, isActive: fields.isActive ?? true, createdAt: now, updatedAt: now, taxClass: fields.taxClass ?? .b
                )
                product.trackStock = fields.trackStock ?? false
                product.lowStockThresholdMilli = fields.lowStockThresholdMilli ?? nil
                product.barcodes = fields.barcodes ?? []
                plan.creates.append(product)
                plan.counts.created += 1
            }
        }
        guard rows.allSatisfy({ $0.problems.isEmpty }) else { throw ProductImportError(rows: rows) }
        return plan
    }
}

/// A product CSV read as it arrives: the header first, then a row per record. Feed it
/// bytes with `read`, then call `finish` for the rows.
public struct ProductImportReader: Sendable {
    /// Rows are kept (as checked values) until the plan is made: this bounds their memory
    /// (about 2 KB a row at the peak) whatever the file holds.
    public static let maximumRows = 200_000

    private var csv = CSVReader()
    private var header: ProductImportHeader?
    private var records = 0
    public private(set) var rows: [ProductImportRow] = []

    public init() {}

    public mutating func read(_ bytes: some Sequence<UInt8>) throws(ProductImportError) {
        var failure: ProductImportError?
        // Moved out, not copied: a copy would share the record being read, and the next
        // byte would copy it whole (once per chunk of the upload).
        var csv = CSVReader()
        swap(&csv, &self.csv)
        defer { swap(&csv, &self.csv) }
        csv.read(bytes) { record in
            guard failure == nil else { return }
            do throws(ProductImportError) { try take(record) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Every data row read (blank lines are skipped but keep their numbers).
    public mutating func finish() throws(ProductImportError) -> [ProductImportRow] {
        var failure: ProductImportError?
        var csv = CSVReader()
        swap(&csv, &self.csv)
        defer { swap(&csv, &self.csv) }
        do {
            try csv.finish { record in
                guard failure == nil else { return }
                do throws(ProductImportError) { try take(record) } catch { failure = error }
            }
        } catch let unclosed as CSVReader.UnclosedQuote {
            if header == nil { throw ProductImportError(errors: ["header": "has a quoted cell that is never closed"]) }
            var row = ProductImportRow(number: unclosed.record - 1, sku: nil)
            row.problems[""] = "has a quoted cell that is never closed"
            rows.append(row)
        } catch {
            preconditionFailure("the CSV reader throws only UnclosedQuote")
        }
        if let failure { throw failure }
        guard header != nil else {
            throw ProductImportError(errors: ["header": "is missing: the first row names the columns (sku, name, unit_price, ...)"])
        }
        return rows
    }

    private mutating func take(_ record: CSVReader.Record) throws(ProductImportError) {
        records += 1
        guard let header else {
            switch record {
            case .cells(let cells): header = try ProductImportHeader.read(cells)
            case .notUTF8: throw ProductImportError(errors: ["header": "is not UTF-8 text"])
            case .tooManyCells: throw ProductImportError(errors: ["header": "has more than \(csv.maximumCells) cells"])
            case .blank: throw ProductImportError(errors: ["header": "is missing: the first row names the columns (sku, name, unit_price, ...)"])
            }
            return
        }
        let number = records - 1
        if case .blank = record { return }
        guard rows.count < Self.maximumRows else {
            throw ProductImportError(errors: ["rows": "must be at most \(Self.maximumRows) in one import; split the file"])
        }
        switch record {
        case .blank: return
        case .notUTF8: rows.append(ProductImportRow.read(nil, number: number, header: header))
        case .tooManyCells:
            var row = ProductImportRow(number: number, sku: nil)
            row.problems[""] = "has more cells than the header"
            rows.append(row)
        case .cells(let cells): rows.append(ProductImportRow.read(cells, number: number, header: header))
        }
    }
}
