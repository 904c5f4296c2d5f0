import DukaCore

/// Stock on PostgreSQL (API.md section 8.1), the same steps as SQLite's `StockStore`.
/// Racing changes of one level queue on its row: `StockSQL.move` is an upsert that locks
/// the row to the commit and answers the level after the change, so each of several
/// racing sales of the last units sees what the one before left.
enum PGStock {
    static func move(
        productID: Int64, branchID: Int64, kind: StockMovement.Kind, quantityMilli: Int64, unitCostCents: Int64? = nil,
        reason: String? = nil, reference: String? = nil, cartID: Int64? = nil, refundID: Int64? = nil, actorUUID: String, now: Int64,
        in db: PGSession
    ) async throws -> (movementID: Int64, level: Int64) {
        let cost = kind == .receive || kind == .transferIn ? unitCostCents : nil
        let level = try await db.rows(StockSQL.move, [productID, branchID, quantityMilli, cost])[0].int64(0)
        let id = try await db.rows(
            StockSQL.insertMovement,
            [productID, branchID, kind.rawValue, quantityMilli, unitCostCents, reason, reference, cartID, refundID, actorUUID, now]
        )[0].int64(0)
        return (id, level)
    }

    /// Whether the product is counted and may go below zero; nil when there is no such
    /// product. The product row is held FOR SHARE, so its rules cannot change under the move.
    static func rules(of productID: Int64, in db: PGSession) async throws -> StockRules.ProductRules? {
        try await db.first(StockSQL.stockRules + " FOR SHARE", productID).map {
            StockRules.ProductRules(track: $0.bool(at: 0), allowNegative: $0.bool(at: 1))
        }
    }

    static func apply(_ change: StockChange, actor: User, now: Int64 = Timestamp.now(), in db: PGSession) async throws -> [StockMovement] {
        var plan = try StockRules.Plan(change)
        for branch in plan.branches { _ = try await PGSelling.activeBranch(branch.id, field: branch.field, in: db) }
        var productRules: [Int64: StockRules.ProductRules] = [:]
        for product in plan.products {
            productRules[product.id] = try StockRules.check(try await rules(of: product.id, in: db), field: product.field)
        }
        if plan.counted != nil, let step = plan.steps.first {
            // Lock the level (made if missing) before reading it: the difference must be from the level it replaces.
            try await db.execute(StockSQL.ensureLevel, step.productID, step.branchID)
            let current = try await db.first(StockSQL.level + " FOR UPDATE", step.productID, step.branchID)?.int64(0) ?? 0
            plan.resolveCounted(current: current)
        }
        var ids: [Int64] = []
        var short: [String] = []
        for step in plan.steps {
            let cost = step.kind == .transferIn ? try await lastCost(of: step.productID, in: plan.branches[0].id, db) : step.unitCostCents
            let (id, level) = try await move(
                productID: step.productID, branchID: step.branchID, kind: step.kind, quantityMilli: step.quantityMilli, unitCostCents: cost,
                reason: step.reason, reference: step.reference, actorUUID: actor.uuid, now: now, in: db
            )
            ids.append(id)
            if let field = try StockRules.problem(level: level, rules: productRules[step.productID]!, step: step) { short.append(field) }
        }
        try StockRules.refuse(short)
        try await PGAuditLog.record(actor: actor, action: plan.auditAction, targetType: .branch, targetID: String(plan.branches[0].id), at: now, in: db)
        var movements: [StockMovement] = []
        for id in ids { movements.append(StockSQL.decodeMovement(try await db.first(StockSQL.movement, id)!)) }
        return movements
    }

    static func lastCost(of productID: Int64, in branchID: Int64, _ db: PGSession) async throws -> Int64? {
        try await db.first(StockSQL.level, productID, branchID)?.optionalInt64(at: 1)
    }

    /// A checkout's `sale` movements: every counted line leaves `branchID`; short lines are
    /// refused together as `items.N`.
    static func sell(_ cart: Cart, branchID: Int64, actorUUID: String, now: Int64, in db: PGSession) async throws {
        var short: [String] = []
        for (index, item) in cart.items.enumerated() {
            guard let rules = try await rules(of: item.productID, in: db), rules.track else { continue }
            let (_, level) = try await move(
                productID: item.productID, branchID: branchID, kind: .sale, quantityMilli: -item.quantityMilli, cartID: cart.id,
                actorUUID: actorUUID, now: now, in: db
            )
            if level < 0, !rules.allowNegative { short.append("items.\(index)") }
        }
        try StockRules.refuse(short)
    }

    /// A refund's lines back on the shelf of the sale's branch.
    static func restock(_ refund: Refund, actorUUID: String, now: Int64, in db: PGSession) async throws {
        for line in refund.lines {
            guard let rules = try await rules(of: line.productID, in: db), rules.track else { continue }
            _ = try await move(
                productID: line.productID, branchID: refund.branchID, kind: .refund, quantityMilli: line.quantityMilli, refundID: refund.id,
                actorUUID: actorUUID, now: now, in: db
            )
        }
    }

    static func levelsPage(_ filter: StockFilter, page: PageRequest, in db: PGSession) async throws -> Page<StockLevel> {
        _ = try await knownBranch(filter.branchID, in: db)
        return try await PGSelling.paged(StockSQL.levelsPage(filter), page: page, row: { StockSQL.decodeLevel($0, branchID: filter.branchID) }, in: db)
    }

    static func productLevels(_ productID: Int64, in db: PGSession) async throws -> [StockLevel]? {
        guard try await PGProducts.find(id: productID, in: db) != nil else { return nil }
        return try await db.rows(StockSQL.productLevels, productID).map { StockSQL.decodeLevel($0, branchID: $0.int64(7)) }
    }

    static func movementsPage(_ filter: MovementFilter, page: PageRequest, in db: PGSession) async throws -> Page<StockMovement> {
        try await PGSelling.paged(StockSQL.movementsPage(filter), page: page, row: StockSQL.decodeMovement, in: db)
    }

    static func valuation(branchID: Int64, in db: PGSession) async throws -> StockValuation {
        _ = try await knownBranch(branchID, in: db)
        return StockValuation(branchID: branchID, lines: try await db.rows(StockSQL.valuation, branchID).map(StockSQL.decodeValuation))
    }

    static func knownBranch(_ id: Int64, in db: PGSession) async throws -> Branch {
        guard let branch = try await PGSelling.branch(id: id, in: db) else {
            throw StockChangeError.invalid(field: "branch_id", reason: "does not name a branch")
        }
        return branch
    }
}
