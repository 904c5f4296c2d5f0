/// A cart and its lines, as stored.
public struct Cart: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case active
        case checkedOut = "checked_out"
        case abandoned
    }

    public var id: Int64
    public var userID: Int64
    public var status: Status
    public var createdAt: Int64
    public var updatedAt: Int64
    public var items: [CartItem]
    // Selling (API.md section 7).
    public var branchID: Int64 = 1
    /// Assigned by the checkout: `<branch code>-<6 digits>`.
    public var receiptNumber: String?
    public var isPaid = false
    public var changeCents: Int64 = 0
    /// The shift whose tenders paid it.
    public var shiftID: Int64?
    /// The username of the staff member who checked it out (nil: the customer did, online).
    public var cashier: String?
    public var refundedCents: Int64 = 0
    /// Tenders, in the order given.
    public var payments: [Payment] = []

    public init(id: Int64, userID: Int64, status: Status, createdAt: Int64, updatedAt: Int64, items: [CartItem]) {
        self.id = id
        self.userID = userID
        self.status = status
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.items = items
    }

    /// The VAT of every line, in cents.
    public var vatCents: Int64 {
        items.reduce(0) { $0 + $1.vatCents }
    }

    /// The sum of the line totals, in cents.
    public var totalCents: Int64 {
        items.reduce(0) { $0 + $1.lineTotalCents }
    }
}

public struct CartItem: Sendable, Equatable {
    public enum SaleChannel: String, Sendable, CaseIterable {
        case online
        case inStore = "in_store"
    }

    public var id: Int64
    public var cartID: Int64
    public var productID: Int64
    public var quantityMilli: Int64
    public var saleChannel: SaleChannel
    public var unitPriceCents: Int64
    public var createdAt: Int64
    public var updatedAt: Int64
    /// The VAT class the line was added with.
    public var taxClass: TaxClass = .b

    public init(id: Int64, cartID: Int64, productID: Int64, quantityMilli: Int64, saleChannel: SaleChannel, unitPriceCents: Int64, createdAt: Int64, updatedAt: Int64) {
        self.id = id
        self.cartID = cartID
        self.productID = productID
        self.quantityMilli = quantityMilli
        self.saleChannel = saleChannel
        self.unitPriceCents = unitPriceCents
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// `unit_price × quantity` rounded half-up to the cent. The schema bounds both factors
    /// (10^9 each), so the product cannot overflow.
    public var lineTotalCents: Int64 {
        FixedPoint.lineTotal(unitPriceCents: unitPriceCents, quantityMilli: quantityMilli) ?? 0
    }

    public var vatCents: Int64 { taxClass.vat(ofCents: lineTotalCents) }
}
