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
