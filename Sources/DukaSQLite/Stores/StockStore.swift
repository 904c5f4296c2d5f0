import DukaCore
import SQLite

/// Stock on SQLite (API.md section 8.1). Every change runs inside the caller's write
/// transaction on the single writer: a movement and its level change commit together,
/// and a refusal (a level that may not go below zero) rolls the whole request back.
enum StockStore {
    /// Moves `quantityMilli` (signed) of a product in a branch: the movement row and the
    /// level. Answers the movement's id and the new level.
    static func move(
        productID: Int64, branchID: Int64, kind: StockMovement.Kind, quantityMilli: Int64, unitCostCents: Int64? = nil,
        reason: String? = nil, reference: String? = nil, cartID: Int64? = nil, refundID: Int64? = nil, actorUUID: String, now: Int64,
        in db: Connection
    ) throws -> (movementID: Int64, level: Int64) {
        let cost = kind == .receive || kind == .transferIn ? unitCostCents : nil
        let level = try db.query(StockSQL.move, productID, branchID, quantityMilli, cost) { $0.int64(0) }[0]
        let id = try db.query(
            StockSQL.insertMovement, productID, branchID, kind.rawValue, quantityMilli, unitCostCents, reason, reference, cartID, refundID,
            actorUUID, now
        ) { $0.int64(0) }[0]
        return (id, level)
    }

    /// Whether the product is counted and may go below zero; nil when there is no such product.
    static func rules(of productID: Int64, in db: Connection) throws -> StockRules.ProductRules? {
        try db.queryFirst(StockSQL.stockRules, productID) { StockRules.ProductRules(track: $0.bool(at: 0), allowNegative: $0.bool(at: 1)) }
    }

    /// A receipt of goods, an adjustment or a transfer, with its audit row.
    static func apply(_ change: StockChange, actor: User, now: Int64 = Timestamp.now(), in db: Connection) throws -> [StockMovement] {
        var plan = try StockRules.Plan(change)
        for branch in plan.branches { _ = try SellingStore.activeBranch(branch.id, field: branch.field, in: db) }
        var productRules: [Int64: StockRules.ProductRules] = [:]
        for product in plan.products { productRules[product.id] = try StockRules.check(try rules(of: product.id, in: db), field: product.field) }
        if plan.counted != nil, let step = plan.steps.first {
            let current = try db.queryFirst(StockSQL.level, step.productID, step.branchID) { $0.int64(0) } ?? 0
            plan.resolveCounted(current: current)
        }
        var ids: [Int64] = []
        var short: [String] = []
        for step in plan.steps {
            // Goods moved between branches carry their cost with them.
            let cost = step.kind == .transferIn ? try lastCost(of: step.productID, in: plan.branches[0].id, db) : step.unitCostCents
            let (id, level) = try move(
                productID: step.productID, branchID: step.branchID, kind: step.kind, quantityMilli: step.quantityMilli, unitCostCents: cost,
                reason: step.reason, reference: step.reference, actorUUID: actor.uuid, now: now, in: db
            )
            ids.append(id)
            if let field = try StockRules.problem(level: level, rules: productRules[step.productID]!, step: step) { short.append(field) }
        }
        try StockRules.refuse(short)
        try AuditLogStore.record(actor: actor, action: plan.auditAction, targetType: .branch, targetID: String(plan.branches[0].id), at: now, in: db)
        return try ids.map { try db.queryFirst(StockSQL.movement, $0, row: StockSQL.decodeMovement)! }
    }

    static func lastCost(of productID: Int64, in branchID: Int64, _ db: Connection) throws -> Int64? {
        try db.queryFirst(StockSQL.level, productID, branchID) { $0.optionalInt64(at: 1) } ?? nil
    }

    /// A checkout's `sale` movements: every counted line leaves `branchID`. Lines that would
    /// take a level below zero (where not allowed) are refused together as `items.N`.
    static func sell(_ cart: Cart, branchID: Int64, actorUUID: String, now: Int64, in db: Connection) throws {
        var short: [String] = []
        for (index, item) in cart.items.enumerated() {
            guard let rules = try rules(of: item.productID, in: db), rules.track else { continue }
            let (_, level) = try move(
                productID: item.productID, branchID: branchID, kind: .sale, quantityMilli: -item.quantityMilli, cartID: cart.id,
                actorUUID: actorUUID, now: now, in: db
            )
            if level < 0, !rules.allowNegative { short.append("items.\(index)") }
        }
        try StockRules.refuse(short)
    }

    /// A refund's lines back on the shelf of the sale's branch.
    static func restock(_ refund: Refund, actorUUID: String, now: Int64, in db: Connection) throws {
        for line in refund.lines {
            guard let rules = try rules(of: line.productID, in: db), rules.track else { continue }
            _ = try move(
                productID: line.productID, branchID: refund.branchID, kind: .refund, quantityMilli: line.quantityMilli, refundID: refund.id,
                actorUUID: actorUUID, now: now, in: db
            )
        }
    }

    static func levelsPage(_ filter: StockFilter, page: PageRequest, in db: Connection) throws -> Page<StockLevel> {
        _ = try knownBranch(filter.branchID, in: db)
        return try SellingStore.paged(StockSQL.levelsPage(filter), page: page, row: { StockSQL.decodeLevel($0, branchID: filter.branchID) }, in: db)
    }

    static func productLevels(_ productID: Int64, in db: Connection) throws -> [StockLevel]? {
        guard try ProductStore.find(id: productID, in: db) != nil else { return nil }
        return try db.query(StockSQL.productLevels, productID) { StockSQL.decodeLevel($0, branchID: $0.int64(7)) }
    }

    static func movementsPage(_ filter: MovementFilter, page: PageRequest, in db: Connection) throws -> Page<StockMovement> {
        try SellingStore.paged(StockSQL.movementsPage(filter), page: page, row: StockSQL.decodeMovement, in: db)
    }

    static func valuation(branchID: Int64, in db: Connection) throws -> StockValuation {
        _ = try knownBranch(branchID, in: db)
        return StockValuation(branchID: branchID, lines: try db.query(StockSQL.valuation, branchID, row: StockSQL.decodeValuation))
    }

    /// A branch named by a query: any branch, active or not (its history stays readable).
    static func knownBranch(_ id: Int64, in db: Connection) throws -> Branch {
        guard let branch = try SellingStore.branch(id: id, in: db) else {
            throw StockChangeError.invalid(field: "branch_id", reason: "does not name a branch")
        }
        return branch
    }
}
