/// The SQL of selling, written once for both engines: parameters are `$1`, `$2`, ... (a
/// named parameter to SQLite, numbered by first appearance, so each statement names them
/// in ascending order), booleans are compared bare (`WHERE is_active`), sums are cast to
/// BIGINT (PostgreSQL's SUM of a bigint is numeric). Locking (PostgreSQL's `FOR UPDATE`)
/// is the engine's own. Decoders read rows by position through `SQLRowReading`.
public protocol SQLRowReading {
    func int64(at index: Int) -> Int64
    func optionalInt64(at index: Int) -> Int64?
    func string(at index: Int) -> String
    func optionalString(at index: Int) -> String?
}

extension SQLRowReading {
    public func bool(at index: Int) -> Bool { int64(at: index) != 0 }
}

public enum SellingSQL {
    // MARK: Shop

    public static let shop = "SELECT name, kra_pin, address, phone, receipt_footer, scale_barcode_value, updated_at FROM shop WHERE id = 1"

    public static func decodeShop(_ row: some SQLRowReading) -> Shop {
        Shop(
            name: row.string(at: 0), kraPIN: row.string(at: 1), address: row.string(at: 2), phone: row.string(at: 3),
            receiptFooter: row.string(at: 4), scaleBarcodeValue: Shop.ScaleBarcodeValue(rawValue: row.string(at: 5)) ?? .weight,
            updatedAt: row.int64(at: 6)
        )
    }

    public static let updateShop = """
        UPDATE shop SET name = $1, kra_pin = $2, address = $3, phone = $4, receipt_footer = $5, scale_barcode_value = $6,
            updated_at = $7
        WHERE id = 1
        """

    // MARK: Branches

    public static let branchColumns = "id, code, name, is_active, created_at, updated_at"
    public static let branch = "SELECT \(branchColumns) FROM branches WHERE id = $1"
    public static let branchByCode = "SELECT id FROM branches WHERE code = $1"
    public static let branchesPage = "SELECT \(branchColumns) FROM branches ORDER BY id LIMIT $1 OFFSET $2"
    public static let branchCount = "SELECT COUNT(*) FROM branches"
    public static let activeBranchCount = "SELECT COUNT(*) FROM branches WHERE is_active"
    public static let insertBranch = """
        INSERT INTO branches (code, name, is_active, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id
        """
    public static let updateBranch = "UPDATE branches SET code = $1, name = $2, is_active = $3, updated_at = $4 WHERE id = $5"
    /// Takes the branch's next receipt (or credit note) number; answers it and the code.
    public static let nextReceipt = "UPDATE branches SET last_receipt = last_receipt + 1 WHERE id = $1 RETURNING last_receipt, code"
    public static let nextCreditNote = "UPDATE branches SET last_credit_note = last_credit_note + 1 WHERE id = $1 RETURNING last_credit_note, code"

    public static func decodeBranch(_ row: some SQLRowReading) -> Branch {
        Branch(
            id: row.int64(at: 0), code: row.string(at: 1), name: row.string(at: 2), isActive: row.bool(at: 3),
            createdAt: row.int64(at: 4), updatedAt: row.int64(at: 5)
        )
    }

    // MARK: Shifts

    public static let shiftColumns = """
        s.id, s.branch_id, s.user_id, u.uuid, u.username, s.status, s.opening_float_cents, s.opened_at, s.closed_at,
        s.counted_cash_cents, s.expected_cash_cents
        """
    public static let shiftFrom = "FROM shifts AS s JOIN users AS u ON u.id = s.user_id"
    public static let shift = "SELECT \(shiftColumns) \(shiftFrom) WHERE s.id = $1"
    public static let openShiftOfUser = "SELECT \(shiftColumns) \(shiftFrom) WHERE s.user_id = $1 AND s.status = 'open'"
    public static let insertShift = """
        INSERT INTO shifts (branch_id, user_id, status, opening_float_cents, opened_at) VALUES ($1, $2, 'open', $3, $4) RETURNING id
        """
    public static let closeShift = """
        UPDATE shifts SET status = 'closed', closed_at = $1, counted_cash_cents = $2, expected_cash_cents = $3 WHERE id = $4
        """

    public static func decodeShift(_ row: some SQLRowReading) -> Shift {
        Shift(
            id: row.int64(at: 0), branchID: row.int64(at: 1), userID: row.int64(at: 2), userUUID: row.string(at: 3),
            username: row.string(at: 4), status: Shift.Status(rawValue: row.string(at: 5)) ?? .closed,
            openingFloatCents: row.int64(at: 6), openedAt: row.int64(at: 7), closedAt: row.optionalInt64(at: 8),
            countedCashCents: row.optionalInt64(at: 9), expectedCashCents: row.optionalInt64(at: 10)
        )
    }

    /// The conditions of a shift list, `$1`... in order, and their values.
    public static func shiftConditions(_ filter: ShiftFilter) -> (sql: String, values: [FilterValue]) {
        var conditions: [String] = []
        var values: [FilterValue] = []
        if let userID = filter.userID { values.append(.int(userID)); conditions.append("s.user_id = $\(values.count)") }
        if let status = filter.status { values.append(.text(status.rawValue)); conditions.append("s.status = $\(values.count)") }
        if let branchID = filter.branchID { values.append(.int(branchID)); conditions.append("s.branch_id = $\(values.count)") }
        return (conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "), values)
    }

    // MARK: Shift cash

    public static let cashColumns = "id, shift_id, type, amount_cents, reason, created_at"
    public static let cashOfShift = "SELECT \(cashColumns) FROM shift_cash WHERE shift_id = $1 ORDER BY id"
    public static let insertCash = """
        INSERT INTO shift_cash (shift_id, type, amount_cents, reason, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id
        """

    public static func decodeCash(_ row: some SQLRowReading) -> ShiftCash {
        ShiftCash(
            id: row.int64(at: 0), shiftID: row.int64(at: 1), kind: ShiftCash.Kind(rawValue: row.string(at: 2)) ?? .payIn,
            amountCents: row.int64(at: 3), reason: row.string(at: 4), createdAt: row.int64(at: 5)
        )
    }

    // MARK: Payments

    /// A payment and the sale (or refund) it belongs to, at position 5.
    public static let paymentColumns = "id, method, amount_cents, reference, created_at"
    public static let insertSalePayment = """
        INSERT INTO payments (cart_id, method, amount_cents, reference, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id
        """
    public static let insertRefundPayment = """
        INSERT INTO payments (refund_id, method, amount_cents, reference, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id
        """
    public static let salePaymentWithReference = "SELECT 1 FROM payments WHERE method = 'mpesa' AND cart_id IS NOT NULL AND reference = $1"
    public static let refundPaymentWithReference = "SELECT 1 FROM payments WHERE method = 'mpesa' AND refund_id IS NOT NULL AND reference = $1"

    public static func decodePayment(_ row: some SQLRowReading) -> Payment {
        Payment(
            id: row.int64(at: 0), method: Payment.Method(rawValue: row.string(at: 1)) ?? .cash, amountCents: row.int64(at: 2),
            reference: row.optionalString(at: 3), createdAt: row.int64(at: 4)
        )
    }

    /// Payments of the sales (`of: "cart_id"`) or refunds (`"refund_id"`) whose ids are in
    /// the comma-separated `$1`, by owner then id. Written with `instr` on SQLite and
    /// `= ANY` on PostgreSQL by the engine (see `idList`).
    public static func payments(of owner: String, idCondition: String) -> String {
        "SELECT \(paymentColumns), \(owner) FROM payments WHERE \(idCondition) ORDER BY \(owner), id"
    }

    // MARK: Checkout

    public static let markCheckedOut = """
        UPDATE carts SET status = 'checked_out', updated_at = $1, receipt_number = $2, payment_status = $3, change_cents = $4,
            shift_id = $5, cashier = $6, branch_id = $7
        WHERE id = $8
        """

    // MARK: Bulk loads

    /// Checked-out carts a bulk load (the demo shop, `duka generate`) left without receipt
    /// numbers, in checkout order, with their branch.
    public static let unnumberedSales =
        "SELECT id, branch_id FROM carts WHERE status = 'checked_out' AND receipt_number IS NULL ORDER BY updated_at, id"
    public static let setReceiptNumber = "UPDATE carts SET receipt_number = $1 WHERE id = $2"
    public static let branchCounters = "SELECT id, code, last_receipt FROM branches"
    public static let setLastReceipt = "UPDATE branches SET last_receipt = $1 WHERE id = $2"

    /// The numbers those sales get, and each branch's last receipt number after them.
    public static func receiptNumbers(
        sales: [(id: Int64, branchID: Int64)], branches: [Int64: (code: String, last: Int64)]
    ) -> (numbers: [(id: Int64, number: String)], last: [Int64: Int64]) {
        var last = branches.mapValues(\.last)
        var numbers: [(id: Int64, number: String)] = []
        numbers.reserveCapacity(sales.count)
        for sale in sales {
            guard let branch = branches[sale.branchID] else { continue }
            let next = (last[sale.branchID] ?? 0) + 1
            last[sale.branchID] = next
            numbers.append((sale.id, SellingRules.documentNumber(code: branch.code, next)))
        }
        return (numbers, last)
    }

    /// The shop and its branches as a new database has them (a kiosk's reset).
    public static let resetShop = [
        "DELETE FROM branches WHERE id <> 1",
        "UPDATE branches SET code = 'MAIN', name = 'Main shop', is_active = TRUE, last_receipt = 0, last_credit_note = 0 WHERE id = 1",
        "UPDATE shop SET name = 'Duka', kra_pin = '', address = '', phone = '', receipt_footer = '', scale_barcode_value = 'weight' WHERE id = 1",
    ]

    // MARK: Refunds

    public static let refundColumns = """
        r.id, r.credit_note_number, r.cart_id, c.receipt_number, r.branch_id, r.shift_id, r.reason, r.created_by,
        r.approved_by, r.created_at
        """
    public static let refundFrom = "FROM refunds AS r JOIN carts AS c ON c.id = r.cart_id"
    public static let refund = "SELECT \(refundColumns) \(refundFrom) WHERE r.id = $1"
    public static let refundsOfShift = "SELECT \(refundColumns) \(refundFrom) WHERE r.shift_id = $1 ORDER BY r.id"
    public static let refundsOfCart = "SELECT \(refundColumns) \(refundFrom) WHERE r.cart_id = $1 ORDER BY r.id"
    public static let insertRefund = """
        INSERT INTO refunds (credit_note_number, cart_id, branch_id, shift_id, total_cents, reason, created_by, approved_by, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id
        """
    public static let insertRefundLine = """
        INSERT INTO refund_lines (refund_id, item_id, product_id, quantity_milli, unit_price_cents, line_total_cents, tax_class)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        """
    public static let addRefunded = "UPDATE carts SET refunded_cents = refunded_cents + $1 WHERE id = $2"
    /// What earlier refunds gave back of each of a sale's lines.
    public static let refundedOfCart = """
        SELECT l.item_id, CAST(SUM(l.quantity_milli) AS BIGINT), CAST(SUM(l.line_total_cents) AS BIGINT)
        FROM refund_lines AS l JOIN refunds AS r ON r.id = l.refund_id
        WHERE r.cart_id = $1 GROUP BY l.item_id
        """
    public static let refundLineColumns = "refund_id, item_id, product_id, quantity_milli, unit_price_cents, line_total_cents, tax_class"

    public static func decodeRefund(_ row: some SQLRowReading) -> Refund {
        Refund(
            id: row.int64(at: 0), creditNoteNumber: row.string(at: 1), cartID: row.int64(at: 2), receiptNumber: row.string(at: 3),
            branchID: row.int64(at: 4), shiftID: row.optionalInt64(at: 5), lines: [], payments: [], reason: row.string(at: 6),
            createdBy: row.string(at: 7), approvedBy: row.optionalString(at: 8), createdAt: row.int64(at: 9)
        )
    }

    /// A refund line and its refund's id (position 0).
    public static func decodeRefundLine(_ row: some SQLRowReading) -> (refundID: Int64, line: RefundLine) {
        (row.int64(at: 0), RefundLine(
            itemID: row.int64(at: 1), productID: row.int64(at: 2), quantityMilli: row.int64(at: 3), unitPriceCents: row.int64(at: 4),
            lineTotalCents: row.int64(at: 5), taxClass: TaxClass(rawValue: row.string(at: 6)) ?? .b
        ))
    }

    /// The conditions of a refund list, `$1`... in order, and their values.
    public static func refundConditions(_ filter: RefundFilter) -> (sql: String, values: [FilterValue]) {
        var conditions: [String] = []
        var values: [FilterValue] = []
        if let cartID = filter.cartID { values.append(.int(cartID)); conditions.append("r.cart_id = $\(values.count)") }
        if let branchID = filter.branchID { values.append(.int(branchID)); conditions.append("r.branch_id = $\(values.count)") }
        if let shiftID = filter.shiftID { values.append(.int(shiftID)); conditions.append("r.shift_id = $\(values.count)") }
        return (conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "), values)
    }

    // MARK: Labels

    /// Names, skus and units of the products in the comma-separated id list `$1`.
    public static func labels(idCondition: String) -> String {
        "SELECT id, name, sku, unit FROM products WHERE \(idCondition)"
    }

    public static func decodeLabel(_ row: some SQLRowReading) -> (Int64, ProductLabel) {
        (row.int64(at: 0), ProductLabel(name: row.string(at: 1), sku: row.string(at: 2), unit: row.string(at: 3)))
    }
}

/// A value bound to a filter's parameter.
/// A filtered list, newest first: the statement that counts it and the one that reads a
/// page of it (LIMIT and OFFSET written in, as the page is already checked).
public struct PagedQuery: Sendable {
    public let count: String
    public let values: [FilterValue]
    let columnsAndFrom: String
    let conditions: String
    let order: String

    /// The page's rows, or nil when the page lies past the end (`total` rows).
    public func select(_ page: PageRequest, total: Int64) -> String? {
        guard let offset = page.offset, offset < total else { return nil }
        return "SELECT \(columnsAndFrom) \(conditions) ORDER BY \(order) LIMIT \(page.size) OFFSET \(offset)"
    }
}

extension SellingSQL {
    public static func shiftsPage(_ filter: ShiftFilter) -> PagedQuery {
        let (conditions, values) = shiftConditions(filter)
        return PagedQuery(
            count: "SELECT COUNT(*) FROM shifts AS s \(conditions)", values: values, columnsAndFrom: "\(shiftColumns) \(shiftFrom)",
            conditions: conditions, order: "s.opened_at DESC, s.id DESC"
        )
    }

    public static func refundsPage(_ filter: RefundFilter) -> PagedQuery {
        let (conditions, values) = refundConditions(filter)
        return PagedQuery(
            count: "SELECT COUNT(*) FROM refunds AS r \(conditions)", values: values, columnsAndFrom: "\(refundColumns) \(refundFrom)",
            conditions: conditions, order: "r.created_at DESC, r.id DESC"
        )
    }
}

public enum FilterValue: Sendable {
    case int(Int64)
    case text(String)
}
