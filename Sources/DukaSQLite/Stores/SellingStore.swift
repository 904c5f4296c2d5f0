import DukaCore
import SQLite

/// Selling on SQLite (API.md section 7): the shop, branches, shifts, checkout with
/// tenders, refunds and receipts. The SQL is `SellingSQL`'s, shared with PostgreSQL; the
/// rules are `SellingRules`'. Each change runs inside the caller's write transaction:
/// SQLite has one writer, so a receipt number taken here cannot be taken twice.
enum SellingStore {
    /// `column IN` the JSON array bound to `$1` (see `idList`).
    static func idIn(_ column: String) -> String { "\(column) IN (SELECT value FROM json_each($1))" }
    static func idList(_ ids: [Int64]) -> String { "[" + ids.map(String.init).joined(separator: ",") + "]" }

    static func arguments(_ values: [FilterValue]) -> [any SQLBindable] {
        values.map { value -> any SQLBindable in
            switch value {
            case .int(let number): number
            case .text(let text): text
            }
        }
    }

    // MARK: Shop

    static func shop(in db: Connection) throws -> Shop {
        try db.queryFirst(SellingSQL.shop, row: SellingSQL.decodeShop)!
    }

    static func updateShop(_ changes: ShopChanges, actor: User, now: Int64 = Timestamp.now(), in db: Connection) throws -> Shop {
        let current = try shop(in: db)
        var next = changes.applied(to: current)
        guard next != current else { return current }
        next.updatedAt = now
        try db.execute(
            SellingSQL.updateShop, next.name, next.kraPIN, next.address, next.phone, next.receiptFooter, next.scaleBarcodeValue.rawValue, now
        )
        try AuditLogStore.record(actor: actor, action: "shop.update", targetType: .shop, targetID: "1", at: now, in: db)
        return next
    }

    // MARK: Branches

    static func branch(id: Int64, in db: Connection) throws -> Branch? {
        try db.queryFirst(SellingSQL.branch, id, row: SellingSQL.decodeBranch)
    }

    /// The branch `id` named in a body's `field`, which must be active.
    static func activeBranch(_ id: Int64, field: String, in db: Connection) throws -> Branch {
        guard let branch = try branch(id: id, in: db), branch.isActive else {
            throw SellingChangeError.invalid(field: field, reason: "must name an active branch")
        }
        return branch
    }

    static func branchesPage(_ page: PageRequest, in db: Connection) throws -> Page<Branch> {
        let total = try db.scalarInt(SellingSQL.branchCount) ?? 0
        guard let offset = page.offset, offset < total else { return Page(items: [], total: total, request: page) }
        return Page(items: try db.query(SellingSQL.branchesPage, page.size, offset, row: SellingSQL.decodeBranch), total: total, request: page)
    }

    static func codeTaken(_ code: String, exceptID: Int64?, in db: Connection) throws -> Bool {
        guard let id = try db.scalarInt(SellingSQL.branchByCode, code) else { return false }
        return id != exceptID
    }

    static func createBranch(_ fields: BranchFields, actor: User, now: Int64 = Timestamp.now(), in db: Connection) throws -> Branch {
        guard let code = fields.code, let name = fields.name else { preconditionFailure("code and name are checked by the caller") }
        guard try !codeTaken(code, exceptID: nil, in: db) else { throw SellingChangeError.duplicate(field: "code", message: "A branch with this code already exists") }
        let id = try db.query(SellingSQL.insertBranch, code, name, fields.isActive ?? true, now) { $0.int64(0) }[0]
        try AuditLogStore.record(actor: actor, action: "branch.create", targetType: .branch, targetID: String(id), at: now, in: db)
        return try branch(id: id, in: db)!
    }

    static func updateBranch(id: Int64, _ fields: BranchFields, actor: User, now: Int64 = Timestamp.now(), in db: Connection) throws -> Branch {
        guard let current = try branch(id: id, in: db) else { throw SellingChangeError.branchNotFound }
        var next = fields.applied(to: current)
        guard next != current else { return current }
        if next.code != current.code, try codeTaken(next.code, exceptID: id, in: db) {
            throw SellingChangeError.duplicate(field: "code", message: "A branch with this code already exists")
        }
        if current.isActive, !next.isActive, try db.scalarInt(SellingSQL.activeBranchCount) ?? 0 <= 1 {
            throw SellingChangeError.lastBranch
        }
        next.updatedAt = now
        try db.execute(SellingSQL.updateBranch, next.code, next.name, next.isActive, now, id)
        try AuditLogStore.record(actor: actor, action: "branch.update", targetType: .branch, targetID: String(id), at: now, in: db)
        return next
    }

    // MARK: Shifts

    static func shift(id: Int64, in db: Connection) throws -> Shift? {
        try db.queryFirst(SellingSQL.shift, id, row: SellingSQL.decodeShift)
    }

    static func openShift(of userID: Int64, in db: Connection) throws -> Shift? {
        try db.queryFirst(SellingSQL.openShiftOfUser, userID, row: SellingSQL.decodeShift)
    }

    static func openShift(branchID: Int64, floatCents: Int64, actor: User, now: Int64 = Timestamp.now(), in db: Connection) throws -> Shift {
        _ = try activeBranch(branchID, field: "branch_id", in: db)
        guard try openShift(of: actor.id, in: db) == nil else { throw SellingChangeError.shiftAlreadyOpen }
        let id: Int64
        do {
            id = try db.query(SellingSQL.insertShift, branchID, actor.id, floatCents, now) { $0.int64(0) }[0]
        } catch let error as SQLiteError where error.isUniqueViolation {
            throw SellingChangeError.shiftAlreadyOpen
        }
        try AuditLogStore.record(actor: actor, action: "shift.open", targetType: .shift, targetID: String(id), at: now, in: db)
        return try shift(id: id, in: db)!
    }

    static func shiftsPage(_ filter: ShiftFilter, page: PageRequest, in db: Connection) throws -> Page<Shift> {
        try paged(SellingSQL.shiftsPage(filter), page: page, row: SellingSQL.decodeShift, in: db)
    }

    /// A counted page of a filtered list.
    static func paged<Item>(_ query: PagedQuery, page: PageRequest, row: (Row) throws -> Item, in db: Connection) throws -> Page<Item> {
        let arguments = arguments(query.values)
        let total = try db.scalarInt(query.count, arguments: arguments) ?? 0
        guard let select = query.select(page, total: total) else { return Page(items: [], total: total, request: page) }
        return Page(items: try db.query(select, arguments: arguments, row: row), total: total, request: page)
    }

    /// The open shift `id` that `actor` may change (their own, or any when `anyShift`).
    static func changeableShift(_ id: Int64, actor: User, anyShift: Bool, in db: Connection) throws -> Shift {
        guard let shift = try shift(id: id, in: db), anyShift || shift.userID == actor.id else { throw SellingChangeError.shiftNotFound }
        guard shift.status == .open else { throw SellingChangeError.shiftClosed }
        return shift
    }

    static func addCash(
        shiftID: Int64, kind: ShiftCash.Kind, amountCents: Int64, reason: String, actor: User, anyShift: Bool,
        now: Int64 = Timestamp.now(), in db: Connection
    ) throws -> ShiftCash {
        _ = try changeableShift(shiftID, actor: actor, anyShift: anyShift, in: db)
        let id = try db.query(SellingSQL.insertCash, shiftID, kind.rawValue, amountCents, reason, now) { $0.int64(0) }[0]
        try AuditLogStore.record(actor: actor, action: "shift.cash", targetType: .shift, targetID: String(shiftID), at: now, in: db)
        return ShiftCash(id: id, shiftID: shiftID, kind: kind, amountCents: amountCents, reason: reason, createdAt: now)
    }

    static func ledger(_ shift: Shift, in db: Connection) throws -> ShiftLedger {
        var sales = try db.query(
            "SELECT \(CartStore.cartColumns) FROM carts WHERE shift_id = ? ORDER BY id", shift.id, row: CartStore.decodeCart
        )
        let items = try db.query(
            "SELECT \(CartStore.itemColumns) FROM cart_items AS i JOIN carts AS c ON c.id = i.cart_id WHERE c.shift_id = ? ORDER BY i.id",
            shift.id, row: CartStore.decodeItem
        )
        let byCart = Dictionary(grouping: items, by: \.cartID)
        for index in sales.indices { sales[index].items = byCart[sales[index].id] ?? [] }
        sales = try CartStore.withPayments(sales, in: db)
        let refunds = try completed(try db.query(SellingSQL.refundsOfShift, shift.id, row: SellingSQL.decodeRefund), in: db)
        let cash = try db.query(SellingSQL.cashOfShift, shift.id, row: SellingSQL.decodeCash)
        return ShiftLedger(shift: shift, sales: sales, refunds: refunds, cash: cash)
    }

    static func report(id: Int64, in db: Connection) throws -> ShiftReport? {
        guard let shift = try shift(id: id, in: db) else { return nil }
        return ShiftReport(try ledger(shift, in: db))
    }

    static func close(id: Int64, countedCents: Int64, actor: User, anyShift: Bool, now: Int64 = Timestamp.now(), in db: Connection) throws -> ShiftReport {
        let shift = try changeableShift(id, actor: actor, anyShift: anyShift, in: db)
        let report = ShiftReport(try ledger(shift, in: db)).closed(countedCashCents: countedCents, at: now)
        try db.execute(SellingSQL.closeShift, now, countedCents, report.expectedCashCents, id)
        try AuditLogStore.record(actor: actor, action: "shift.close", targetType: .shift, targetID: String(id), at: now, in: db)
        return report
    }

    // MARK: Checkout

    static func checkout(cartID: Int64, tenders: [Tender], actor: CartActor, now: Int64 = Timestamp.now(), in db: Connection) throws -> Cart {
        let cart = try CartStore.activeCart(cartID, owner: actor.owner, in: db)
        guard !cart.items.isEmpty else { throw CartChangeError.emptyCart }
        var shift: Shift?
        var change: Int64 = 0
        if !tenders.isEmpty {
            guard let open = try openShift(of: actor.user.id, in: db) else { throw SellingChangeError.noOpenShift }
            change = try SellingRules.change(totalCents: cart.totalCents, tenders: tenders)
            try checkReferences(tenders, existing: SellingSQL.salePaymentWithReference, in: db)
            shift = open
        }
        // A paid sale happens at the till of the shift that took its tenders.
        let branchID = shift?.branchID ?? cart.branchID
        try StockStore.sell(cart, branchID: branchID, actorUUID: actor.user.uuid, now: now, in: db)
        let receipt = try nextNumber(SellingSQL.nextReceipt, branchID: branchID, creditNote: false, in: db)
        try db.execute(
            SellingSQL.markCheckedOut, now, receipt, tenders.isEmpty ? "unpaid" : "paid", change, shift?.id,
            actor.isCustomer ? nil : actor.user.username, branchID, cartID
        )
        for tender in tenders {
            _ = try db.query(SellingSQL.insertSalePayment, cartID, tender.method.rawValue, tender.amountCents, tender.reference, now) { $0.int64(0) }
        }
        if let auditActor = actor.auditActor {
            try AuditLogStore.record(actor: auditActor, action: "cart.checkout", targetType: .cart, targetID: String(cartID), at: now, in: db)
        }
        return try CartStore.find(id: cartID, in: db)!
    }

    /// Refuses an M-Pesa code given twice, or already used (by a sale, or by a refund).
    static func checkReferences(_ tenders: [Tender], existing: String, in db: Connection) throws {
        if let field = SellingRules.repeatedReference(tenders) {
            throw SellingChangeError.duplicate(field: field, message: "This M-Pesa confirmation code is given twice")
        }
        for (index, tender) in tenders.enumerated() where tender.method == .mpesa {
            if try db.scalarInt(existing, tender.reference ?? "") != nil {
                throw SellingChangeError.duplicate(field: "payments.\(index).reference", message: "This M-Pesa confirmation code has already been used")
            }
        }
    }

    /// The branch's next receipt or credit note number, taken.
    static func nextNumber(_ sql: String, branchID: Int64, creditNote: Bool, in db: Connection) throws -> String {
        guard let (number, code) = try db.queryFirst(sql, branchID, row: { ($0.int64(0), $0.string(1)) }) else {
            throw SellingChangeError.branchNotFound
        }
        return SellingRules.documentNumber(code: code, creditNote: creditNote, number)
    }

    static func labels(_ productIDs: [Int64], in db: Connection) throws -> [Int64: ProductLabel] {
        guard !productIDs.isEmpty else { return [:] }
        return Dictionary(
            try db.query(SellingSQL.labels(idCondition: idIn("id")), idList(Array(Set(productIDs))), row: SellingSQL.decodeLabel),
            uniquingKeysWith: { first, _ in first }
        )
    }

    static func receipt(cartID: Int64, owner: Int64?, in db: Connection) throws -> Receipt {
        guard let cart = try CartStore.find(id: cartID, owner: owner, in: db) else { throw SellingChangeError.cartNotFound }
        guard cart.status == .checkedOut else { throw SellingChangeError.cartNotCheckedOut }
        let refunds = try completed(try db.query(SellingSQL.refundsOfCart, cartID, row: SellingSQL.decodeRefund), in: db)
        return Receipt(
            cart: cart, shop: try shop(in: db), branch: try branch(id: cart.branchID, in: db)!,
            customerFullName: try UserStore.find(id: cart.userID, in: db)?.profile.fullName,
            labels: try labels(cart.items.map(\.productID), in: db),
            refunds: refunds.map { Receipt.RefundNote(creditNoteNumber: $0.creditNoteNumber, totalCents: $0.totalCents, createdAt: $0.createdAt) }
        )
    }

    /// Gives receipt numbers to the checked-out carts a bulk load inserted without them.
    static func numberSales(in db: Connection) throws {
        let sales = try db.query(SellingSQL.unnumberedSales) { (id: $0.int64(0), branchID: $0.int64(1)) }
        guard !sales.isEmpty else { return }
        var branches: [Int64: (code: String, last: Int64)] = [:]
        _ = try db.query(SellingSQL.branchCounters) { branches[$0.int64(0)] = ($0.string(1), $0.int64(2)) }
        let (numbers, last) = SellingSQL.receiptNumbers(sales: sales, branches: branches)
        for (id, number) in numbers { try db.execute(SellingSQL.setReceiptNumber, number, id) }
        for (id, value) in last { try db.execute(SellingSQL.setLastReceipt, value, id) }
    }

    // MARK: Refunds

    /// `refunds` with their lines and tenders (two queries).
    static func completed(_ refunds: [Refund], in db: Connection) throws -> [Refund] {
        guard !refunds.isEmpty else { return refunds }
        let ids = idList(refunds.map(\.id))
        var lines: [Int64: [RefundLine]] = [:]
        _ = try db.query(
            "SELECT \(SellingSQL.refundLineColumns) FROM refund_lines WHERE \(idIn("refund_id")) ORDER BY refund_id, item_id", ids
        ) { row in
            let (refundID, line) = SellingSQL.decodeRefundLine(row)
            lines[refundID, default: []].append(line)
        }
        var payments: [Int64: [Payment]] = [:]
        _ = try db.query(SellingSQL.payments(of: "refund_id", idCondition: idIn("refund_id")), ids) { row in
            payments[row.int64(Int32(5)), default: []].append(SellingSQL.decodePayment(row))
        }
        return refunds.map { refund in
            var refund = refund
            refund.lines = lines[refund.id] ?? []
            refund.payments = payments[refund.id] ?? []
            return refund
        }
    }

    static func refund(id: Int64, in db: Connection) throws -> Refund? {
        guard let refund = try db.queryFirst(SellingSQL.refund, id, row: SellingSQL.decodeRefund) else { return nil }
        return try completed([refund], in: db)[0]
    }

    static func refundsPage(_ filter: RefundFilter, page: PageRequest, in db: Connection) throws -> Page<Refund> {
        var result = try paged(SellingSQL.refundsPage(filter), page: page, row: SellingSQL.decodeRefund, in: db)
        result.items = try completed(result.items, in: db)
        return result
    }

    static func createRefund(_ request: RefundRequest, actor: User, approver: User?, now: Int64 = Timestamp.now(), in db: Connection) throws -> Refund {
        guard let cart = try CartStore.find(id: request.cartID, in: db) else {
            throw SellingChangeError.invalid(field: "cart_id", reason: "does not name a sale")
        }
        guard cart.status == .checkedOut else { throw SellingChangeError.cartNotCheckedOut }
        var refunded: [Int64: SellingRules.Refunded] = [:]
        _ = try db.query(SellingSQL.refundedOfCart, cart.id) { row in
            refunded[row.int64(0)] = SellingRules.Refunded(quantityMilli: row.int64(1), totalCents: row.int64(2))
        }
        let lines = try SellingRules.refundLines(of: cart, refunded: refunded, requested: request.lines)
        let total = lines.reduce(0) { $0 + $1.lineTotalCents }
        try SellingRules.checkRefundPayments(request.payments, totalCents: total, salePaid: cart.isPaid)
        let shift = try openShift(of: actor.id, in: db)
        if shift == nil, request.payments.contains(where: { $0.method == .cash }) { throw SellingChangeError.noOpenShift }
        try checkReferences(request.payments, existing: SellingSQL.refundPaymentWithReference, in: db)
        let number = try nextNumber(SellingSQL.nextCreditNote, branchID: cart.branchID, creditNote: true, in: db)
        let id = try db.query(
            SellingSQL.insertRefund, number, cart.id, cart.branchID, shift?.id, total, request.reason, actor.uuid, approver?.uuid, now
        ) { $0.int64(0) }[0]
        for line in lines {
            try db.execute(
                SellingSQL.insertRefundLine, id, line.itemID, line.productID, line.quantityMilli, line.unitPriceCents, line.lineTotalCents,
                line.taxClass.rawValue
            )
        }
        for tender in request.payments {
            _ = try db.query(SellingSQL.insertRefundPayment, id, tender.method.rawValue, tender.amountCents, tender.reference, now) { $0.int64(0) }
        }
        try db.execute(SellingSQL.addRefunded, total, cart.id)
        if request.restock, let created = try refund(id: id, in: db) {
            try StockStore.restock(created, actorUUID: actor.uuid, now: now, in: db)
        }
        try AuditLogStore.record(actor: actor, action: "refund.create", targetType: .refund, targetID: String(id), at: now, in: db)
        return try refund(id: id, in: db)!
    }

    static func creditNote(refundID: Int64, in db: Connection) throws -> CreditNote? {
        guard let refund = try refund(id: refundID, in: db), let cart = try CartStore.find(id: refund.cartID, in: db) else { return nil }
        return CreditNote(
            refund: refund, shop: try shop(in: db), branch: try branch(id: refund.branchID, in: db)!, customerID: cart.userID,
            customerFullName: try UserStore.find(id: cart.userID, in: db)?.profile.fullName,
            cashier: try UserStore.find(uuid: refund.createdBy, in: db)?.username,
            labels: try labels(refund.lines.map(\.productID), in: db)
        )
    }
}
