/// The values of selling (API.md section 7): the shop, branches, VAT classes, tenders,
/// shifts and refunds, as stored. Money in cents, quantities in thousandths.

/// A KRA eTIMS VAT class. Prices include VAT.
public enum TaxClass: String, Sendable, CaseIterable, Comparable {
    /// Exempt.
    case a = "A"
    /// Standard rate, 16%.
    case b = "B"
    /// Zero-rated.
    case c = "C"
    /// Non-VAT.
    case d = "D"
    /// Reduced rate, 8%.
    case e = "E"

    /// The rate in whole percent.
    public var ratePercent: Int64 {
        switch self {
        case .b: 16
        case .e: 8
        case .a, .c, .d: 0
        }
    }

    /// The VAT inside a VAT-inclusive amount: `round_half_up(cents × rate ÷ (100 + rate))`,
    /// in integers (`13.79` of `100.00` at B; negative amounts round half away from zero).
    public func vat(ofCents cents: Int64) -> Int64 {
        let rate = ratePercent
        guard rate > 0 else { return 0 }
        let divisor = 100 + rate
        let magnitude = (cents.magnitude * UInt64(rate) * 2 + UInt64(divisor)) / (UInt64(divisor) * 2)
        return cents < 0 ? -Int64(magnitude) : Int64(magnitude)
    }

    public static func < (lhs: TaxClass, rhs: TaxClass) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The shop, printed on every receipt (one row).
public struct Shop: Sendable, Equatable {
    public enum ScaleBarcodeValue: String, Sendable, CaseIterable { case weight, price }

    public var name: String
    public var kraPIN: String
    public var address: String
    public var phone: String
    public var receiptFooter: String
    public var scaleBarcodeValue: ScaleBarcodeValue
    public var updatedAt: Int64

    public init(name: String, kraPIN: String, address: String, phone: String, receiptFooter: String, scaleBarcodeValue: ScaleBarcodeValue, updatedAt: Int64) {
        (self.name, self.kraPIN, self.address, self.phone, self.receiptFooter) = (name, kraPIN, address, phone, receiptFooter)
        (self.scaleBarcodeValue, self.updatedAt) = (scaleBarcodeValue, updatedAt)
    }
}

/// `PUT /api/v1/shop`: nil leaves a field as it is.
public struct ShopChanges: Sendable {
    public var name: String?
    public var kraPIN: String?
    public var address: String?
    public var phone: String?
    public var receiptFooter: String?
    public var scaleBarcodeValue: Shop.ScaleBarcodeValue?

    public init() {}

    public func applied(to shop: Shop) -> Shop {
        var next = shop
        if let name { next.name = name }
        if let kraPIN { next.kraPIN = kraPIN }
        if let address { next.address = address }
        if let phone { next.phone = phone }
        if let receiptFooter { next.receiptFooter = receiptFooter }
        if let scaleBarcodeValue { next.scaleBarcodeValue = scaleBarcodeValue }
        return next
    }
}

public struct Branch: Sendable, Equatable {
    public var id: Int64
    public var code: String
    public var name: String
    public var isActive: Bool
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(id: Int64, code: String, name: String, isActive: Bool, createdAt: Int64, updatedAt: Int64) {
        (self.id, self.code, self.name, self.isActive, self.createdAt, self.updatedAt) = (id, code, name, isActive, createdAt, updatedAt)
    }
}

/// A branch's fields on create (code and name required) or update (any).
public struct BranchFields: Sendable {
    public var code: String?
    public var name: String?
    public var isActive: Bool?

    public init(code: String? = nil, name: String? = nil, isActive: Bool? = nil) {
        (self.code, self.name, self.isActive) = (code, name, isActive)
    }

    public func applied(to branch: Branch) -> Branch {
        var next = branch
        if let code { next.code = code }
        if let name { next.name = name }
        if let isActive { next.isActive = isActive }
        return next
    }
}

/// A tender of a sale or a refund.
public struct Payment: Sendable, Equatable {
    public enum Method: String, Sendable, CaseIterable { case cash, mpesa, card }

    public var id: Int64
    public var method: Method
    public var amountCents: Int64
    public var reference: String?
    public var createdAt: Int64

    public init(id: Int64, method: Method, amountCents: Int64, reference: String?, createdAt: Int64) {
        (self.id, self.method, self.amountCents, self.reference, self.createdAt) = (id, method, amountCents, reference, createdAt)
    }
}

/// A tender as a request gives it (checked by `SellingRules`).
public struct Tender: Sendable, Equatable {
    public var method: Payment.Method
    public var amountCents: Int64
    public var reference: String?

    public init(method: Payment.Method, amountCents: Int64, reference: String? = nil) {
        (self.method, self.amountCents, self.reference) = (method, amountCents, reference)
    }
}

public struct Shift: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable { case open, closed }

    public var id: Int64
    public var branchID: Int64
    public var userID: Int64
    public var userUUID: String
    public var username: String
    public var status: Status
    public var openingFloatCents: Int64
    public var openedAt: Int64
    public var closedAt: Int64?
    public var countedCashCents: Int64?
    public var expectedCashCents: Int64?

    public init(
        id: Int64, branchID: Int64, userID: Int64, userUUID: String, username: String, status: Status, openingFloatCents: Int64,
        openedAt: Int64, closedAt: Int64?, countedCashCents: Int64?, expectedCashCents: Int64?
    ) {
        (self.id, self.branchID, self.userID, self.userUUID, self.username) = (id, branchID, userID, userUUID, username)
        (self.status, self.openingFloatCents, self.openedAt, self.closedAt) = (status, openingFloatCents, openedAt, closedAt)
        (self.countedCashCents, self.expectedCashCents) = (countedCashCents, expectedCashCents)
    }

    /// `counted_cash − expected_cash`, once closed.
    public var differenceCents: Int64? {
        guard let countedCashCents, let expectedCashCents else { return nil }
        return countedCashCents - expectedCashCents
    }
}

/// A pay-in or pay-out of a shift's drawer.
public struct ShiftCash: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case payIn = "pay_in"
        case payOut = "pay_out"
    }

    public var id: Int64
    public var shiftID: Int64
    public var kind: Kind
    public var amountCents: Int64
    public var reason: String
    public var createdAt: Int64

    public init(id: Int64, shiftID: Int64, kind: Kind, amountCents: Int64, reason: String, createdAt: Int64) {
        (self.id, self.shiftID, self.kind, self.amountCents, self.reason, self.createdAt) = (id, shiftID, kind, amountCents, reason, createdAt)
    }
}

/// `GET /api/v1/shifts`'s query.
public struct ShiftFilter: Sendable {
    /// Nil: everyone's (admin and manager); others see only their own.
    public var userID: Int64?
    public var status: Shift.Status?
    public var branchID: Int64?

    public init(userID: Int64? = nil, status: Shift.Status? = nil, branchID: Int64? = nil) {
        (self.userID, self.status, self.branchID) = (userID, status, branchID)
    }
}

public struct RefundLine: Sendable, Equatable {
    public var itemID: Int64
    public var productID: Int64
    public var quantityMilli: Int64
    public var unitPriceCents: Int64
    public var lineTotalCents: Int64
    public var taxClass: TaxClass

    public init(itemID: Int64, productID: Int64, quantityMilli: Int64, unitPriceCents: Int64, lineTotalCents: Int64, taxClass: TaxClass) {
        (self.itemID, self.productID, self.quantityMilli, self.unitPriceCents) = (itemID, productID, quantityMilli, unitPriceCents)
        (self.lineTotalCents, self.taxClass) = (lineTotalCents, taxClass)
    }

    public var vatCents: Int64 { taxClass.vat(ofCents: lineTotalCents) }
}

/// A credit note: some or all of a sale's lines given back.
public struct Refund: Sendable, Equatable {
    public var id: Int64
    public var creditNoteNumber: String
    public var cartID: Int64
    public var receiptNumber: String
    public var branchID: Int64
    public var shiftID: Int64?
    public var lines: [RefundLine]
    public var payments: [Payment]
    public var reason: String
    public var createdBy: String
    public var approvedBy: String?
    public var createdAt: Int64

    public init(
        id: Int64, creditNoteNumber: String, cartID: Int64, receiptNumber: String, branchID: Int64, shiftID: Int64?,
        lines: [RefundLine], payments: [Payment], reason: String, createdBy: String, approvedBy: String?, createdAt: Int64
    ) {
        (self.id, self.creditNoteNumber, self.cartID, self.receiptNumber, self.branchID) = (id, creditNoteNumber, cartID, receiptNumber, branchID)
        (self.shiftID, self.lines, self.payments, self.reason) = (shiftID, lines, payments, reason)
        (self.createdBy, self.approvedBy, self.createdAt) = (createdBy, approvedBy, createdAt)
    }

    public var totalCents: Int64 { lines.reduce(0) { $0 + $1.lineTotalCents } }
}

/// `GET /api/v1/refunds`'s query.
public struct RefundFilter: Sendable {
    public var cartID: Int64?
    public var branchID: Int64?
    public var shiftID: Int64?

    public init(cartID: Int64? = nil, branchID: Int64? = nil, shiftID: Int64? = nil) {
        (self.cartID, self.branchID, self.shiftID) = (cartID, branchID, shiftID)
    }
}

/// `POST /api/v1/refunds` after its syntax checks.
public struct RefundRequest: Sendable {
    public struct Line: Sendable, Equatable {
        public var itemID: Int64
        public var quantityMilli: Int64
        public init(itemID: Int64, quantityMilli: Int64) { (self.itemID, self.quantityMilli) = (itemID, quantityMilli) }
    }

    public var cartID: Int64
    /// Nil: everything not yet refunded.
    public var lines: [Line]?
    public var reason: String
    public var payments: [Tender]
    /// Tracked products go back on the shelf (API.md 8.1; `"restock": false` keeps them off).
    public var restock: Bool

    public init(cartID: Int64, lines: [Line]?, reason: String, payments: [Tender], restock: Bool = true) {
        (self.cartID, self.lines, self.reason, self.payments, self.restock) = (cartID, lines, reason, payments, restock)
    }
}

/// A product's printed names on a receipt line (the product as it is now: products that
/// were sold cannot be deleted).
public struct PrintedLine: Sendable, Equatable {
    public var itemID: Int64
    public var name: String
    public var sku: String
    public var unit: String
    public var quantityMilli: Int64
    public var unitPriceCents: Int64
    public var lineTotalCents: Int64
    public var taxClass: TaxClass

    public init(itemID: Int64, name: String, sku: String, unit: String, quantityMilli: Int64, unitPriceCents: Int64, lineTotalCents: Int64, taxClass: TaxClass) {
        (self.itemID, self.name, self.sku, self.unit) = (itemID, name, sku, unit)
        (self.quantityMilli, self.unitPriceCents, self.lineTotalCents, self.taxClass) = (quantityMilli, unitPriceCents, lineTotalCents, taxClass)
    }

    public var vatCents: Int64 { taxClass.vat(ofCents: lineTotalCents) }
}

/// Product names by id, for printing lines.
public struct ProductLabel: Sendable, Equatable {
    public var name: String
    public var sku: String
    public var unit: String
    public init(name: String, sku: String, unit: String) { (self.name, self.sku, self.unit) = (name, sku, unit) }
}

/// A checked-out sale with what its receipt prints (API.md 7.4).
public struct Receipt: Sendable {
    public struct RefundNote: Sendable, Equatable {
        public var creditNoteNumber: String
        public var totalCents: Int64
        public var createdAt: Int64
        public init(creditNoteNumber: String, totalCents: Int64, createdAt: Int64) {
            (self.creditNoteNumber, self.totalCents, self.createdAt) = (creditNoteNumber, totalCents, createdAt)
        }
    }

    public var cart: Cart
    public var shop: Shop
    public var branch: Branch
    public var customerFullName: String?
    public var labels: [Int64: ProductLabel]
    public var refunds: [RefundNote]

    public init(cart: Cart, shop: Shop, branch: Branch, customerFullName: String?, labels: [Int64: ProductLabel], refunds: [RefundNote]) {
        (self.cart, self.shop, self.branch, self.customerFullName, self.labels, self.refunds) = (cart, shop, branch, customerFullName, labels, refunds)
    }

    public var lines: [PrintedLine] {
        cart.items.map { item in
            let label = labels[item.productID] ?? ProductLabel(name: "#\(item.productID)", sku: "", unit: "")
            return PrintedLine(
                itemID: item.id, name: label.name, sku: label.sku, unit: label.unit, quantityMilli: item.quantityMilli,
                unitPriceCents: item.unitPriceCents, lineTotalCents: item.lineTotalCents, taxClass: item.taxClass
            )
        }
    }
}

/// A refund with what its credit note prints.
public struct CreditNote: Sendable {
    public var refund: Refund
    public var shop: Shop
    public var branch: Branch
    public var customerID: Int64
    public var customerFullName: String?
    /// The refunding user's username (nil once that user is deleted).
    public var cashier: String?
    public var labels: [Int64: ProductLabel]

    public init(refund: Refund, shop: Shop, branch: Branch, customerID: Int64, customerFullName: String?, cashier: String?, labels: [Int64: ProductLabel]) {
        (self.refund, self.shop, self.branch, self.customerID, self.customerFullName) = (refund, shop, branch, customerID, customerFullName)
        (self.cashier, self.labels) = (cashier, labels)
    }

    public var lines: [PrintedLine] {
        refund.lines.map { line in
            let label = labels[line.productID] ?? ProductLabel(name: "#\(line.productID)", sku: "", unit: "")
            return PrintedLine(
                itemID: line.itemID, name: label.name, sku: label.sku, unit: label.unit, quantityMilli: line.quantityMilli,
                unitPriceCents: line.unitPriceCents, lineTotalCents: line.lineTotalCents, taxClass: line.taxClass
            )
        }
    }
}
