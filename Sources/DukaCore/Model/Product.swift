/// A row of `products`.
public struct Product: Sendable, Equatable {
    public var id: Int64
    public var sku: String
    public var name: String
    public var description: String
    public var unit: String
    public var unitPriceCents: Int64
    public var isActive: Bool
    public var createdAt: Int64
    public var updatedAt: Int64
    public var taxClass: TaxClass = .b
    /// Stock (API.md 8.1): counted or not; may its level go below zero; low at or under
    /// this level (thousandths), if set.
    public var trackStock = false
    public var allowNegativeStock = false
    public var lowStockThresholdMilli: Int64?
    /// Barcodes (API.md 8.2), in the order given.
    public var barcodes: [String] = []

    public init(id: Int64, sku: String, name: String, description: String, unit: String, unitPriceCents: Int64, isActive: Bool, createdAt: Int64, updatedAt: Int64, taxClass: TaxClass = .b) {
        self.taxClass = taxClass
        self.id = id
        self.sku = sku
        self.name = name
        self.description = description
        self.unit = unit
        self.unitPriceCents = unitPriceCents
        self.isActive = isActive
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
