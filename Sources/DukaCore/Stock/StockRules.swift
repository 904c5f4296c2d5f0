/// The rules of stock changes, shared by both engines: what a receipt, adjustment or
/// transfer moves (a `Plan` of steps), and when a level is refused.
public enum StockRules {
    /// No level may pass a billion units: quantity × cost then fits in 64 bits.
    public static let maximumLevelMilli: Int64 = 1_000_000_000_000

    public struct ProductRules: Sendable {
        public var track: Bool
        public var allowNegative: Bool
        public init(track: Bool, allowNegative: Bool) { (self.track, self.allowNegative) = (track, allowNegative) }
    }

    /// Refuses an unknown or untracked product named at `field`.
    public static func check(_ rules: ProductRules?, field: String) throws -> ProductRules {
        guard let rules else { throw StockChangeError.invalid(field: field, reason: "does not name a product") }
        guard rules.track else { throw StockChangeError.invalid(field: field, reason: "is not a stock-tracked product (set track_stock first)") }
        return rules
    }

    /// The field to name when `level` (after `step`) is refused: below zero where the product
    /// does not allow it. A level past the bound is refused at once.
    public static func problem(level: Int64, rules: ProductRules, step: Step) throws -> String? {
        if level > maximumLevelMilli {
            throw StockChangeError.invalid(field: step.field, reason: "would take the level past 1000000000.000")
        }
        return level < 0 && !rules.allowNegative ? step.field : nil
    }

    /// 409 insufficient_stock naming each short field, when there are any.
    public static func refuse(_ short: [String]) throws {
        if !short.isEmpty { throw StockChangeError.insufficient(fields: short) }
    }

    /// One movement to make.
    public struct Step: Sendable {
        public var productID: Int64
        public var branchID: Int64
        public var kind: StockMovement.Kind
        public var quantityMilli: Int64
        public var unitCostCents: Int64?
        public var reason: String?
        public var reference: String?
        /// How an error names the request's field that asked for it.
        public var field: String
    }

    /// What a change moves, in order, and what it names: the branches (the first is where
    /// it happens, the audit's target) and the products (with their fields).
    public struct Plan: Sendable {
        public private(set) var branches: [(id: Int64, field: String)] = []
        public private(set) var products: [(id: Int64, field: String)] = []
        public private(set) var steps: [Step] = []
        public let auditAction: String
        /// For an adjust to a counted level: the level to reach, once the current one is read.
        public let counted: Int64?

        public init(_ change: StockChange) throws {
            switch change {
            case .receive(let branchID, let lines, let reference):
                auditAction = "stock.receive"
                counted = nil
                branches = [(branchID, "branch_id")]
                for (index, line) in lines.enumerated() {
                    products.append((line.productID, "lines.\(index).product_id"))
                    steps.append(Step(productID: line.productID, branchID: branchID, kind: .receive, quantityMilli: line.quantityMilli,
                                      unitCostCents: line.unitCostCents, reference: reference, field: "lines.\(index).quantity"))
                }
            case .adjust(let branchID, let productID, let target, let reason):
                auditAction = "stock.adjust"
                branches = [(branchID, "branch_id")]
                products = [(productID, "product_id")]
                switch target {
                case .counted(let level):
                    counted = level
                    steps = [Step(productID: productID, branchID: branchID, kind: .adjust, quantityMilli: 0, reason: reason.rawValue, field: "counted")]
                case .delta(let delta):
                    counted = nil
                    steps = [Step(productID: productID, branchID: branchID, kind: .adjust, quantityMilli: delta, reason: reason.rawValue, field: "delta")]
                }
            case .transfer(let from, let to, let lines):
                guard from != to else { throw StockChangeError.invalid(field: "to_branch_id", reason: "must differ from from_branch_id") }
                auditAction = "stock.transfer"
                counted = nil
                branches = [(from, "from_branch_id"), (to, "to_branch_id")]
                for (index, line) in lines.enumerated() {
                    products.append((line.productID, "lines.\(index).product_id"))
                    let field = "lines.\(index).quantity"
                    steps.append(Step(productID: line.productID, branchID: from, kind: .transferOut, quantityMilli: -line.quantityMilli, field: field))
                    steps.append(Step(productID: line.productID, branchID: to, kind: .transferIn, quantityMilli: line.quantityMilli, field: field))
                }
            }
        }

        /// An adjust to a counted level moves the difference from `current`.
        public mutating func resolveCounted(current: Int64) {
            guard let counted else { return }
            steps[0].quantityMilli = counted - current
        }
    }
}

extension StockRules {
    public static let countedProblem = "must be a decimal from 0.000 to 1000000000.000 with at most 3 decimal places"
    public static let deltaProblem = "must be a non-zero signed decimal such as -2.000, at most 1000000000.000 either way"

    /// A counted level: 0 ... a billion units, in thousandths.
    public static func counted(_ text: String) -> Int64? {
        guard let milli = FixedPoint.parse(text, places: 3), milli <= maximumLevelMilli else { return nil }
        return milli
    }

    /// A signed, non-zero change such as `-2.000` or `5`, in thousandths.
    public static func delta(_ text: String) -> Int64? {
        let negative = text.hasPrefix("-")
        let digits = negative || text.hasPrefix("+") ? String(text.dropFirst()) : text
        guard let milli = FixedPoint.parse(digits, places: 3), milli != 0, milli <= maximumLevelMilli else { return nil }
        return negative ? -milli : milli
    }

    /// A low-stock threshold: 0 ... a billion units.
    public static func threshold(_ text: String) -> Int64? { counted(text) }
}
