import DukaCore

/// Selling on PostgreSQL (API.md section 7): `SellingSQL`'s statements, `SellingRules`'
/// rules, and the locks that make them hold across instances. A receipt or credit note
/// number is taken by an UPDATE of its branch's row, whose lock is held to the commit:
/// numbers follow each other per branch, and a rolled-back sale gives its number back.
/// A sale, refund or cash movement holds its shift's row `FOR SHARE`; a close takes it
/// `FOR UPDATE`, so a shift's Z report counts everything that fell in it.
enum PGSelling {
    static func idIn(_ column: String) -> String { "\(column) = ANY(('{' || $1 || '}')::bigint[])" }
    static func idList(_ ids: [Int64]) -> String { ids.map(String.init).joined(separator: ",") }

    static func arguments(_ values: [FilterValue]) -> [any PGArgument] {
        values.map { value -> any PGArgument in
            switch value {
            case .int(let number): number
            case .text(let text): text
            }
        }
    }

    // MARK: Shop

    static func shop(in db: PGSession) async throws -> Shop {
        SellingSQL.decodeShop(try await db.first(SellingSQL.shop)!)
    }

    static func updateShop(_ changes: ShopChanges, actor: User, now: Int64 = Timestamp.now(), in db: PGSession) async throws -> Shop {
        let current = SellingSQL.decodeShop(try await db.first(SellingSQL.shop + " FOR UPDATE")!)
        var next = changes.applied(to: current)
        guard next != current else { return current }
        next.updatedAt = now
        try await db.execute(
            SellingSQL.updateShop, next.name, next.kraPIN, next.address, next.phone, next.receiptFooter, next.scaleBarcodeValue.rawValue, now
        )
        try await PGAuditLog.record(actor: actor, action: "shop.update", targetType: .shop, targetID: "1", at: now, in: db)
        return next
    }

    // MARK: Branches

    static func branch(id: Int64, lock: String = "", in db: PGSession) async throws -> Branch? {
        try await db.first(SellingSQL.branch + lock, id).map(SellingSQL.decodeBranch)
    }

    /// The branch `id` named in a body's `field`, which must be active (held FOR SHARE).
    static func activeBranch(_ id: Int64, field: String, in db: PGSession) async throws -> Branch {
        guard let branch = try await branch(id: id, lock: " FOR SHARE", in: db), branch.isActive else {
            throw SellingChangeError.invalid(field: field, reason: "must name an active branch")
        }
        return branch
    }

    static func branchesPage(_ page: PageRequest, in db: PGSession) async throws -> Page<Branch> {
        let total = try await db.scalarInt(SellingSQL.branchCount) ?? 0
        guard let offset = page.offset, offset < total else { return Page(items: [], total: total, request: page) }
        return Page(items: try await db.rows(SellingSQL.branchesPage, page.size, offset).map(SellingSQL.decodeBranch), total: total, request: page)
    }

    static func duplicateCode() -> SellingChangeError { .duplicate(field: "code", message: "A branch with this code already exists") }

    static func createBranch(_ fields: BranchFields, actor: User, now: Int64 = Timestamp.now(), in db: PGSession) async throws -> Branch {
        guard let code = fields.code, let name = fields.name else { preconditionFailure("code and name are checked by the caller") }
        guard try await db.scalarInt(SellingSQL.branchByCode, code) == nil else { throw duplicateCode() }
        let id: Int64
        do {
            id = try await db.rows(SellingSQL.insertBranch, code, name, fields.isActive ?? true, now)[0].int64(0)
        } catch let error where PGErrors.isUniqueViolation(error) {
            throw duplicateCode()
        }
        try await PGAuditLog.record(actor: actor, action: "branch.create", targetType: .branch, targetID: String(id), at: now, in: db)
        return try await branch(id: id, in: db)!
    }

    static func updateBranch(id: Int64, _ fields: BranchFields, actor: User, now: Int64 = Timestamp.now(), in db: PGSession) async throws -> Branch {
        guard let current = try await branch(id: id, lock: " FOR UPDATE", in: db) else { throw SellingChangeError.branchNotFound }
        var next = fields.applied(to: current)
        guard next != current else { return current }
        if next.code != current.code, let other = try await db.scalarInt(SellingSQL.branchByCode, next.code), other != id { throw duplicateCode() }
        if current.isActive, !next.isActive {
            // Every active branch locked: two deactivations cannot both see another left.
            let active = try await db.rows("SELECT id FROM branches WHERE is_active ORDER BY id FOR UPDATE").count
            if active <= 1 { throw SellingChangeError.lastBranch }
        }
        next.updatedAt = now
        do {
            try await db.execute(SellingSQL.updateBranch, next.code, next.name, next.isActive, now, id)
        } catch let error where PGErrors.isUniqueViolation(error) {
            throw duplicateCode()
        }
        try await PGAuditLog.record(actor: actor, action: "branch.update", targetType: .branch, targetID: String(id), at: now, in: db)
        return next
    }

    // MARK: Shifts

    static func shift(id: Int64, lock: String = "", in db: PGSession) async throws -> Shift? {
        try await db.first(SellingSQL.shift + lock, id).map(SellingSQL.decodeShift)
    }

    /// The user's open shift; `lock` `FOR SHARE OF s` keeps it open until the commit.
    static func openShift(of userID: Int64, lock: String = "", in db: PGSession) async throws -> Shift? {
        try await db.first(SellingSQL.openShiftOfUser + lock, userID).map(SellingSQL.decodeShift)
    }

    static func openShift(branchID: Int64, floatCents: Int64, actor: User, now: Int64 = Timestamp.now(), in db: PGSession) async throws -> Shift {
        _ = try await activeBranch(branchID, field: "branch_id", in: db)
        guard try await openShift(of: actor.id, in: db) == nil else { throw SellingChangeError.shiftAlreadyOpen }
        let id: Int64
        do {
            id = try await db.rows(SellingSQL.insertShift, branchID, actor.id, floatCents, now)[0].int64(0)
        } catch let error where PGErrors.isUniqueViolation(error, constraint: "shifts_one_open") {
            throw SellingChangeError.shiftAlreadyOpen
        }
        try await PGAuditLog.record(actor: actor, action: "shift.open", targetType: .shift, targetID: String(id), at: now, in: db)
        return try await shift(id: id, in: db)!
    }

    static func shiftsPage(_ filter: ShiftFilter, page: PageRequest, in db: PGSession) async throws -> Page<Shift> {
        try await paged(SellingSQL.shiftsPage(filter), page: page, row: SellingSQL.decodeShift, in: db)
    }

    /// A counted page of a filtered list.
    static func paged<Item>(_ query: PagedQuery, page: PageRequest, row: (PGRow) throws -> Item, in db: PGSession) async throws -> Page<Item> {
        let arguments = arguments(query.values)
        let total = try await db.rows(query.count, arguments).first?.int64(0) ?? 0
        guard let select = query.select(page, total: total) else { return Page(items: [], total: total, request: page) }
        return Page(items: try await db.rows(select, arguments).map(row), total: total, request: page)
    }

    static func changeableShift(_ id: Int64, actor: User, anyShift: Bool, lock: String, in db: PGSession) async throws -> Shift {
        guard let shift = try await shift(id: id, lock: lock, in: db), anyShift || shift.userID == actor.id else {
            throw SellingChangeError.shiftNotFound
        }
        guard shift.status == .open else { throw SellingChangeError.shiftClosed }
        return shift
    }

    static func addCash(
        shiftID: Int64, kind: ShiftCash.Kind, amountCents: Int64, reason: String, actor: User, anyShift: Bool,
        now: Int64 = Timestamp.now(), in db: PGSession
    ) async throws -> ShiftCash {
        _ = try await changeableShift(shiftID, actor: actor, anyShift: anyShift, lock: " FOR SHARE OF s", in: db)
        let id = try await db.rows(SellingSQL.insertCash, shiftID, kind.rawValue, amountCents, reason, now)[0].int64(0)
        try await PGAuditLog.record(actor: actor, action: "shift.cash", targetType: .shift, targetID: String(shiftID), at: now, in: db)
        return ShiftCash(id: id, shiftID: shiftID, kind: kind, amountCents: amountCents, reason: reason, createdAt: now)
    }

    static func ledger(_ shift: Shift, in db: PGSession) async throws -> ShiftLedger {
        let sales = try await db.rows("SELECT \(PGCarts.cartColumns) FROM carts WHERE shift_id = $1 ORDER BY id", shift.id).map(PGCarts.decodeCart)
        let complete = try await PGCarts.withItems(sales, in: db)
        let refunds = try await completed(try await db.rows(SellingSQL.refundsOfShift, shift.id).map(SellingSQL.decodeRefund), in: db)
        let cash = try await db.rows(SellingSQL.cashOfShift, shift.id).map(SellingSQL.decodeCash)
        return ShiftLedger(shift: shift, sales: complete, refunds: refunds, cash: cash)
    }

    static func report(id: Int64, in db: PGSession) async throws -> ShiftReport? {
        guard let shift = try await shift(id: id, in: db) else { return nil }
        return ShiftReport(try await ledger(shift, in: db))
    }

    static func close(id: Int64, countedCents: Int64, actor: User, anyShift: Bool, now: Int64 = Timestamp.now(), in db: PGSession) async throws -> ShiftReport {
        let shift = try await changeableShift(id, actor: actor, anyShift: anyShift, lock: " FOR UPDATE OF s", in: db)
        let report = ShiftReport(try await ledger(shift, in: db)).closed(countedCashCents: countedCents, at: now)
        try await db.execute(SellingSQL.closeShift, now, countedCents, report.expectedCashCents, id)
        try await PGAuditLog.record(actor: actor, action: "shift.close", targetType: .shift, targetID: String(id), at: now, in: db)
        return report
    }

    // MARK: Checkout

    static func checkout(cartID: Int64, tenders: [Tender], actor: CartActor, now: Int64 = Timestamp.now(), in db: PGSession) async throws -> Cart {
        let cart = try await PGCarts.activeCart(cartID, owner: actor.owner, in: db)
        guard !cart.items.isEmpty else { throw CartChangeError.emptyCart }
        var shift: Shift?
        var change: Int64 = 0
        if !tenders.isEmpty {
            guard let open = try await openShift(of: actor.user.id, lock: " FOR SHARE OF s", in: db) else { throw SellingChangeError.noOpenShift }
            change = try SellingRules.change(totalCents: cart.totalCents, tenders: tenders)
            try await checkReferences(tenders, existing: SellingSQL.salePaymentWithReference, in: db)
            shift = open
        }
        let branchID = shift?.branchID ?? cart.branchID
        try await PGStock.sell(cart, branchID: branchID, actorUUID: actor.user.uuid, now: now, in: db)
        // The sale's row and its audit row in one statement.
        let cashier = actor.isCustomer ? nil : actor.user.username
        _ = try await PGAuditLog.change(
            (
                """
                UPDATE carts SET status = 'checked_out', updated_at = $?, payment_status = $?, change_cents = $?, shift_id = $?,
                    cashier = $?, branch_id = $?
                WHERE id = $? RETURNING id
                """,
                [now, tenders.isEmpty ? "unpaid" : "paid", change, shift?.id, cashier, branchID, cartID]
            ),
            noted: actor.auditActor.map { .init(actor: $0, action: "cart.checkout", targetType: .cart) }, at: now, in: db
        )
        // The answer is the locked cart with what this transaction wrote (a re-read would
        // cost a round trip, two for a paid sale).
        var checkedOut = cart
        checkedOut.status = .checkedOut
        checkedOut.updatedAt = now
        checkedOut.isPaid = !tenders.isEmpty
        checkedOut.changeCents = change
        checkedOut.shiftID = shift?.id
        checkedOut.cashier = cashier
        checkedOut.branchID = branchID
        checkedOut.payments = try await insertPayments(tenders, sql: SellingSQL.insertSalePayment, owner: cartID, now: now, in: db)
        // The receipt number last, in one statement: taking it locks the branch's row until
        // the commit, and every checkout of the branch waits for that lock (gapless
        // numbers), so only this statement and the commit hold it.
        guard let numbered = try await db.first(numberSale, branchID, cartID) else { throw SellingChangeError.branchNotFound }
        checkedOut.receiptNumber = numbered.string(0)
        return checkedOut
    }

    /// The branch's next receipt number, written into the sale: `SellingRules.documentNumber`
    /// in SQL (the code, a dash, the number padded to at least six digits).
    static let numberSale = """
        WITH n AS (UPDATE branches SET last_receipt = last_receipt + 1 WHERE id = $1 RETURNING last_receipt::text AS number, code)
        UPDATE carts SET receipt_number = n.code || '-' || lpad(n.number, greatest(6, length(n.number)), '0')
        FROM n WHERE carts.id = $2
        RETURNING carts.receipt_number
        """

    /// Inserts tenders; a racing use of the same M-Pesa code (the unique index) is `duplicate`.
    /// Answers the payments written, in the tenders' order.
    @discardableResult
    static func insertPayments(_ tenders: [Tender], sql: String, owner: Int64, now: Int64, in db: PGSession) async throws -> [Payment] {
        var payments: [Payment] = []
        for (index, tender) in tenders.enumerated() {
            do {
                let id = try await db.insertReturningID(sql, owner, tender.method.rawValue, tender.amountCents, tender.reference, now)
                payments.append(Payment(id: id, method: tender.method, amountCents: tender.amountCents, reference: tender.reference, createdAt: now))
            } catch let error where PGErrors.isUniqueViolation(error) {
                throw SellingChangeError.duplicate(field: "payments.\(index).reference", message: "This M-Pesa confirmation code has already been used")
            }
        }
        return payments
    }

    static func checkReferences(_ tenders: [Tender], existing: String, in db: PGSession) async throws {
        if let field = SellingRules.repeatedReference(tenders) {
            throw SellingChangeError.duplicate(field: field, message: "This M-Pesa confirmation code is given twice")
        }
        for (index, tender) in tenders.enumerated() where tender.method == .mpesa {
            if try await db.scalarInt(existing, tender.reference ?? "") != nil {
                throw SellingChangeError.duplicate(field: "payments.\(index).reference", message: "This M-Pesa confirmation code has already been used")
            }
        }
    }

    static func nextNumber(_ sql: String, branchID: Int64, creditNote: Bool, in db: PGSession) async throws -> String {
        guard let row = try await db.first(sql, branchID) else { throw SellingChangeError.branchNotFound }
        return SellingRules.documentNumber(code: row.string(1), creditNote: creditNote, row.int64(0))
    }

    static func labels(_ productIDs: [Int64], in db: PGSession) async throws -> [Int64: ProductLabel] {
        guard !productIDs.isEmpty else { return [:] }
        return Dictionary(
            try await db.rows(SellingSQL.labels(idCondition: idIn("id")), idList(Array(Set(productIDs)))).map(SellingSQL.decodeLabel),
            uniquingKeysWith: { first, _ in first }
        )
    }

    static func receipt(cartID: Int64, owner: Int64?, in db: PGSession) async throws -> Receipt {
        guard let cart = try await PGCarts.find(id: cartID, owner: owner, in: db) else { throw SellingChangeError.cartNotFound }
        guard cart.status == .checkedOut else { throw SellingChangeError.cartNotCheckedOut }
        let refunds = try await completed(try await db.rows(SellingSQL.refundsOfCart, cartID).map(SellingSQL.decodeRefund), in: db)
        return Receipt(
            cart: cart, shop: try await shop(in: db), branch: try await branch(id: cart.branchID, in: db)!,
            customerFullName: try await PGUsers.find(id: cart.userID, in: db)?.profile.fullName,
            labels: try await labels(cart.items.map(\.productID), in: db),
            refunds: refunds.map { Receipt.RefundNote(creditNoteNumber: $0.creditNoteNumber, totalCents: $0.totalCents, createdAt: $0.createdAt) }
        )
    }

    /// Gives receipt numbers to the checked-out carts a bulk load inserted without them.
    static func numberSales(in db: PGSession) async throws {
        let sales = try await db.rows(SellingSQL.unnumberedSales).map { (id: $0.int64(0), branchID: $0.int64(1)) }
        guard !sales.isEmpty else { return }
        var branches: [Int64: (code: String, last: Int64)] = [:]
        for row in try await db.rows(SellingSQL.branchCounters) { branches[row.int64(0)] = (row.string(1), row.int64(2)) }
        let (numbers, last) = SellingSQL.receiptNumbers(sales: sales, branches: branches)
        for (id, number) in numbers { try await db.execute(SellingSQL.setReceiptNumber, number, id) }
        for (id, value) in last { try await db.execute(SellingSQL.setLastReceipt, value, id) }
    }

    // MARK: Refunds

    static func completed(_ refunds: [Refund], in db: PGSession) async throws -> [Refund] {
        guard !refunds.isEmpty else { return refunds }
        let ids = idList(refunds.map(\.id))
        var lines: [Int64: [RefundLine]] = [:]
        for row in try await db.rows(
            "SELECT \(SellingSQL.refundLineColumns) FROM refund_lines WHERE \(idIn("refund_id")) ORDER BY refund_id, item_id", ids
        ) {
            let (refundID, line) = SellingSQL.decodeRefundLine(row)
            lines[refundID, default: []].append(line)
        }
        var payments: [Int64: [Payment]] = [:]
        for row in try await db.rows(SellingSQL.payments(of: "refund_id", idCondition: idIn("refund_id")), ids) {
            payments[row.int64(5), default: []].append(SellingSQL.decodePayment(row))
        }
        return refunds.map { refund in
            var refund = refund
            refund.lines = lines[refund.id] ?? []
            refund.payments = payments[refund.id] ?? []
            return refund
        }
    }

    static func refund(id: Int64, in db: PGSession) async throws -> Refund? {
        guard let refund = try await db.first(SellingSQL.refund, id).map(SellingSQL.decodeRefund) else { return nil }
        return try await completed([refund], in: db)[0]
    }

    static func refundsPage(_ filter: RefundFilter, page: PageRequest, in db: PGSession) async throws -> Page<Refund> {
        var result = try await paged(SellingSQL.refundsPage(filter), page: page, row: SellingSQL.decodeRefund, in: db)
        result.items = try await completed(result.items, in: db)
        return result
    }

    static func createRefund(_ request: RefundRequest, actor: User, approver: User?, now: Int64 = Timestamp.now(), in db: PGSession) async throws -> Refund {
        // The sale's row locked: refunds of one sale follow each other, so their limits hold.
        guard let cart = try await PGCarts.find(id: request.cartID, forUpdate: true, in: db) else {
            throw SellingChangeError.invalid(field: "cart_id", reason: "does not name a sale")
        }
        guard cart.status == .checkedOut else { throw SellingChangeError.cartNotCheckedOut }
        var refunded: [Int64: SellingRules.Refunded] = [:]
        for row in try await db.rows(SellingSQL.refundedOfCart, cart.id) {
            refunded[row.int64(0)] = SellingRules.Refunded(quantityMilli: row.int64(1), totalCents: row.int64(2))
        }
        let sale = cart
        let lines = try SellingRules.refundLines(of: sale, refunded: refunded, requested: request.lines)
        let total = lines.reduce(0) { $0 + $1.lineTotalCents }
        try SellingRules.checkRefundPayments(request.payments, totalCents: total, salePaid: sale.isPaid)
        let shift = try await openShift(of: actor.id, lock: " FOR SHARE OF s", in: db)
        if shift == nil, request.payments.contains(where: { $0.method == .cash }) { throw SellingChangeError.noOpenShift }
        try await checkReferences(request.payments, existing: SellingSQL.refundPaymentWithReference, in: db)
        let number = try await nextNumber(SellingSQL.nextCreditNote, branchID: cart.branchID, creditNote: true, in: db)
        let id = try await db.rows(
            SellingSQL.insertRefund, number, cart.id, cart.branchID, shift?.id, total, request.reason, actor.uuid, approver?.uuid, now
        )[0].int64(0)
        for line in lines {
            try await db.execute(
                SellingSQL.insertRefundLine, id, line.itemID, line.productID, line.quantityMilli, line.unitPriceCents, line.lineTotalCents,
                line.taxClass.rawValue
            )
        }
        try await insertPayments(request.payments, sql: SellingSQL.insertRefundPayment, owner: id, now: now, in: db)
        try await db.execute(SellingSQL.addRefunded, total, cart.id)
        if request.restock, let created = try await refund(id: id, in: db) {
            try await PGStock.restock(created, actorUUID: actor.uuid, now: now, in: db)
        }
        try await PGAuditLog.record(actor: actor, action: "refund.create", targetType: .refund, targetID: String(id), at: now, in: db)
        return try await refund(id: id, in: db)!
    }

    static func creditNote(refundID: Int64, in db: PGSession) async throws -> CreditNote? {
        guard let refund = try await refund(id: refundID, in: db), let cart = try await PGCarts.find(id: refund.cartID, in: db) else { return nil }
        return CreditNote(
            refund: refund, shop: try await shop(in: db), branch: try await branch(id: refund.branchID, in: db)!, customerID: cart.userID,
            customerFullName: try await PGUsers.find(id: cart.userID, in: db)?.profile.fullName,
            cashier: try await PGUsers.find(uuid: refund.createdBy, in: db)?.username,
            labels: try await labels(refund.lines.map(\.productID), in: db)
        )
    }
}
