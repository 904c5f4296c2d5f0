/// Stock (API.md section 8.1): levels per product and branch, and the movements that alone
/// change them.
public struct StockLevel: Sendable, Equatable {
    public var productID: Int64
    public var sku: String
    public var name: String
    public var unit: String
    public var branchID: Int64
    public var quantityMilli: Int64
    public var lowStockThresholdMilli: Int64?
    public var lastCostCents: Int64?

    public init(productID: Int64, sku: String, name: String, unit: String, branchID: Int64, quantityMilli: Int64,
                lowStockThresholdMilli: Int64?, lastCostCents: Int64?) {
        (self.productID, self.sku, self.name, self.unit, self.branchID) = (productID, sku, name, unit, branchID)
        (self.quantityMilli, self.lowStockThresholdMilli, self.lastCostCents) = (quantityMilli, lowStockThresholdMilli, lastCostCents)
    }

    /// At or under the product's threshold (never low without one).
    public var isLow: Bool { lowStockThresholdMilli.map { quantityMilli <= $0 } ?? false }
}

public struct StockMovement: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case receive, adjust, sale, refund
        case transferOut = "transfer_out"
        case transferIn = "transfer_in"
    }

    public var id: Int64
    public var productID: Int64
    public var branchID: Int64
    public var kind: Kind
    /// Signed thousandths: a sale of 2 is -2000.
    public var quantityMilli: Int64
    public var unitCostCents: Int64?
    public var reason: String?
    public var reference: String?
    public var cartID: Int64?
    public var refundID: Int64?
    /// The uuid of the user who moved it.
    public var createdBy: String
    public var createdAt: Int64

    public init(id: Int64, productID: Int64, branchID: Int64, kind: Kind, quantityMilli: Int64, unitCostCents: Int64?, reason: String?,
                reference: String?, cartID: Int64?, refundID: Int64?, createdBy: String, createdAt: Int64) {
        (self.id, self.productID, self.branchID, self.kind, self.quantityMilli) = (id, productID, branchID, kind, quantityMilli)
        (self.unitCostCents, self.reason, self.reference, self.cartID, self.refundID) = (unitCostCents, reason, reference, cartID, refundID)
        (self.createdBy, self.createdAt) = (createdBy, createdAt)
    }
}

/// `GET /api/v1/stock`'s query.
public struct StockFilter: Sendable {
    public var branchID: Int64
    public var lowOnly: Bool
    public var search: String?

    public init(branchID: Int64 = 1, lowOnly: Bool = false, search: String? = nil) {
        (self.branchID, self.lowOnly, self.search) = (branchID, lowOnly, search)
    }
}

/// `GET /api/v1/stock/movements`'s query.
public struct MovementFilter: Sendable {
    public var productID: Int64?
    public var branchID: Int64?
    public var kind: StockMovement.Kind?

    public init(productID: Int64? = nil, branchID: Int64? = nil, kind: StockMovement.Kind? = nil) {
        (self.productID, self.branchID, self.kind) = (productID, branchID, kind)
    }
}

/// A change of stock asked for by a person: goods received, a count or correction, or a
/// transfer between branches. Lines name products; `field` is how errors name each line.
public enum StockChange: Sendable {
    public struct Line: Sendable, Equatable {
        public var productID: Int64
        public var quantityMilli: Int64
        public var unitCostCents: Int64?

        public init(productID: Int64, quantityMilli: Int64, unitCostCents: Int64? = nil) {
            (self.productID, self.quantityMilli, self.unitCostCents) = (productID, quantityMilli, unitCostCents)
        }
    }

    public enum AdjustReason: String, Sendable, CaseIterable {
        case count, damage, theft, expiry, other
    }

    public enum Target: Sendable, Equatable {
        /// The level becomes this (thousandths, >= 0).
        case counted(Int64)
        /// The level moves by this (signed, non-zero).
        case delta(Int64)
    }

    case receive(branchID: Int64, lines: [Line], reference: String?)
    case adjust(branchID: Int64, productID: Int64, target: Target, reason: AdjustReason)
    case transfer(fromBranchID: Int64, toBranchID: Int64, lines: [Line])
}

/// One product's value in a branch: quantity × last cost.
public struct ValuationLine: Sendable, Equatable {
    public var productID: Int64
    public var sku: String
    public var name: String
    public var quantityMilli: Int64
    public var lastCostCents: Int64?

    public init(productID: Int64, sku: String, name: String, quantityMilli: Int64, lastCostCents: Int64?) {
        (self.productID, self.sku, self.name, self.quantityMilli, self.lastCostCents) = (productID, sku, name, quantityMilli, lastCostCents)
    }

    /// round_half_up(quantity × cost) in cents (half away from zero below zero); zero
    /// without a known cost. Whole units and the fraction are multiplied apart so a level
    /// up to `StockRules.maximumLevelMilli` at the largest price cannot overflow.
    public var valueCents: Int64 {
        guard let cost = lastCostCents else { return 0 }
        let whole = quantityMilli / 1000 * cost
        let fraction = quantityMilli % 1000 * cost
        return whole + (fraction >= 0 ? (fraction + 500) / 1000 : (fraction - 500) / 1000)
    }
}

public struct StockValuation: Sendable {
    public var branchID: Int64
    public var lines: [ValuationLine]

    public init(branchID: Int64, lines: [ValuationLine]) { (self.branchID, self.lines) = (branchID, lines) }

    /// The sum of the lines (held at Int64's bound rather than overflowing).
    public var totalCents: Int64 {
        lines.reduce(0) { sum, line in
            let (next, overflow) = sum.addingReportingOverflow(line.valueCents)
            return overflow ? (line.valueCents > 0 ? .max : .min) : next
        }
    }
}

public enum StockChangeError: Error, Equatable {
    /// A field's value does not fit (400 validation_failed naming it).
    case invalid(field: String, reason: String)
    /// Levels that would go below zero (409 insufficient_stock naming each).
    case insufficient(fields: [String])
    case branchNotFound
}
