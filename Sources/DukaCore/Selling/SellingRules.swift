/// The rules of selling that need no stored rows (API.md section 7): field formats, the
/// tenders of a checkout, the lines of a refund. The engines load what a rule needs in
/// their write transaction, call it, and store what it answers.

/// Why a selling change was refused; the API answers each with its own status and code.
public enum SellingChangeError: Error, Equatable {
    case branchNotFound
    case shiftNotFound
    case refundNotFound
    case cartNotFound
    /// 409 `duplicate` naming the field (a branch code, an M-Pesa code).
    case duplicate(field: String, message: String)
    case lastBranch
    case shiftAlreadyOpen
    case noOpenShift
    case shiftClosed
    case insufficientPayment
    case cartNotCheckedOut
    /// 400 `validation_failed` naming the field.
    case invalid(field: String, reason: String)
}

public enum SellingRules {
    /// The largest tender: ten times the largest cart total would overflow nothing, and no
    /// shop takes more in one payment.
    public static let maximumTenderCents: Int64 = 100_000_000_000_000

    public static func shopName(_ value: String) -> String? {
        guard (1...100).contains(value.count), !value.trimmingWhitespace().isEmpty else { return "must be 1 to 100 characters" }
        return CatalogueRules.controlCharacters(value, allowingLineBreaks: false)
    }

    /// Empty, or a KRA PIN (already upper-cased): `A` or `P`, nine digits, a letter.
    public static func kraPIN(_ value: String) -> String? {
        if value.isEmpty { return nil }
        let bytes = Array(value.utf8)
        let ok = bytes.count == 11 && (bytes[0] == UInt8(ascii: "A") || bytes[0] == UInt8(ascii: "P"))
            && bytes[1...9].allSatisfy { (0x30...0x39).contains($0) } && (0x41...0x5A).contains(bytes[10])
        return ok ? nil : "must be empty or a KRA PIN: A or P, 9 digits and a letter (e.g. P051234567X)"
    }

    public static func limited(_ maximum: Int, allowingLineBreaks: Bool = false) -> (String) -> String? {
        { value in
            guard value.count <= maximum else { return "must be at most \(maximum) characters" }
            return CatalogueRules.controlCharacters(value, allowingLineBreaks: allowingLineBreaks)
        }
    }

    /// A branch code (already upper-cased): 2 to 8 of `A-Z0-9`.
    public static func branchCode(_ value: String) -> String? {
        let ok = (2...8).contains(value.utf8.count) && value.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) }
        return ok ? nil : "must be 2 to 8 letters A-Z or digits"
    }

    public static func branchName(_ value: String) -> String? { shopName(value) }

    /// A reason (refund, pay-in, pay-out): 1 to 200 characters.
    public static func reason(_ value: String) -> String? {
        guard (1...200).contains(value.count), !value.trimmingWhitespace().isEmpty else { return "must be 1 to 200 characters" }
        return CatalogueRules.controlCharacters(value, allowingLineBreaks: false)
    }

    /// An M-Pesa confirmation code (already upper-cased): 10 of `A-Z0-9`.
    public static func mpesaReference(_ value: String) -> String? {
        let ok = value.utf8.count == 10 && value.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) }
        return ok ? nil : "must be the 10-character M-Pesa confirmation code (letters and digits)"
    }

    public static func cardReference(_ value: String) -> String? {
        guard (1...64).contains(value.count), !value.trimmingWhitespace().isEmpty else { return "must be 1 to 64 characters" }
        return CatalogueRules.controlCharacters(value, allowingLineBreaks: false)
    }

    public static let moneyProblem = "must be a decimal from 0.00 to 10000000.00 with at most 2 decimal places"
    public static let tenderProblem = "must be a decimal above 0.00 with at most 2 decimal places"

    /// A tender's amount: above zero, at most `maximumTenderCents`.
    public static func tenderAmount(_ text: String) -> Int64? {
        guard let cents = FixedPoint.parse(text, places: 2), cents >= 1, cents <= maximumTenderCents else { return nil }
        return cents
    }

    /// A float, counted cash or pay-in: 0 ... 10,000,000.00 (a pay-in or -out above zero).
    public static func cashAmount(_ text: String) -> Int64? { CatalogueRules.price(text) }

    /// M-Pesa codes given twice in one request: the later one's field.
    public static func repeatedReference(_ tenders: [Tender]) -> String? {
        var seen: Set<String> = []
        for (index, tender) in tenders.enumerated() where tender.method == .mpesa {
            guard let reference = tender.reference else { continue }
            if !seen.insert(reference).inserted { return "payments.\(index).reference" }
        }
        return nil
    }

    /// The change a checkout gives: the non-cash tenders may not pass the total, all of
    /// them together must reach it, and the change comes out of the cash.
    public static func change(totalCents: Int64, tenders: [Tender]) throws -> Int64 {
        let nonCash = tenders.filter { $0.method != .cash }.reduce(0) { $0 + $1.amountCents }
        guard nonCash <= totalCents else {
            throw SellingChangeError.invalid(field: "payments", reason: "M-Pesa and card tenders may not exceed the total")
        }
        let sum = tenders.reduce(0) { $0 + $1.amountCents }
        guard sum >= totalCents else { throw SellingChangeError.insufficientPayment }
        return sum - totalCents
    }

    /// What a sale's line has given back so far.
    public struct Refunded: Sendable, Equatable {
        public var quantityMilli: Int64
        public var totalCents: Int64
        public init(quantityMilli: Int64 = 0, totalCents: Int64 = 0) { (self.quantityMilli, self.totalCents) = (quantityMilli, totalCents) }
    }

    /// A refund's lines: each at most what was sold less what earlier refunds gave back,
    /// `round_half_up(unit_price × quantity)` but never more money than is left of the
    /// line, and exactly what is left when it takes the rest of the line (so refunds
    /// never sum to more than was sold). `requested` nil: everything not yet refunded.
    /// Lines come back in item id order.
    public static func refundLines(of cart: Cart, refunded: [Int64: Refunded], requested: [RefundRequest.Line]?) throws -> [RefundLine] {
        func line(_ item: CartItem, quantity: Int64, left: Refunded) -> RefundLine {
            let leftQuantity = item.quantityMilli - left.quantityMilli
            let leftMoney = item.lineTotalCents - left.totalCents
            let total = quantity == leftQuantity
                ? leftMoney
                : min(FixedPoint.lineTotal(unitPriceCents: item.unitPriceCents, quantityMilli: quantity) ?? leftMoney, leftMoney)
            return RefundLine(
                itemID: item.id, productID: item.productID, quantityMilli: quantity, unitPriceCents: item.unitPriceCents,
                lineTotalCents: total, taxClass: item.taxClass
            )
        }
        guard let requested else {
            let lines = cart.items.compactMap { item -> RefundLine? in
                let done = refunded[item.id] ?? Refunded()
                let left = item.quantityMilli - done.quantityMilli
                return left > 0 ? line(item, quantity: left, left: done) : nil
            }
            guard !lines.isEmpty else { throw SellingChangeError.invalid(field: "lines", reason: "everything in this sale has been refunded") }
            return lines
        }
        guard !requested.isEmpty else { throw SellingChangeError.invalid(field: "lines", reason: "must name at least one line") }
        var errors: [String: String] = [:]
        var lines: [RefundLine] = []
        var seen: Set<Int64> = []
        for (index, wanted) in requested.enumerated() {
            guard let item = cart.items.first(where: { $0.id == wanted.itemID }) else {
                errors["lines.\(index).item_id"] = "is not a line of this sale"
                continue
            }
            guard seen.insert(item.id).inserted else {
                errors["lines.\(index).item_id"] = "names a line already named"
                continue
            }
            let done = refunded[item.id] ?? Refunded()
            let left = item.quantityMilli - done.quantityMilli
            guard wanted.quantityMilli <= left else {
                errors["lines.\(index).quantity"] = "may be at most \(FixedPoint.quantity(left)) (sold less earlier refunds)"
                continue
            }
            lines.append(line(item, quantity: wanted.quantityMilli, left: done))
        }
        if let (field, reason) = errors.min(by: { $0.key < $1.key }) {
            throw SellingChangeError.invalid(field: field, reason: reason)
        }
        return lines.sorted { $0.itemID < $1.itemID }
    }

    /// A refund's tenders: none for an unpaid sale; else exactly its total.
    public static func checkRefundPayments(_ tenders: [Tender], totalCents: Int64, salePaid: Bool) throws {
        if !salePaid {
            guard tenders.isEmpty else {
                throw SellingChangeError.invalid(field: "payments", reason: "an unpaid sale's refund takes no payments")
            }
            return
        }
        let sum = tenders.reduce(0) { $0 + $1.amountCents }
        guard sum == totalCents else {
            throw SellingChangeError.invalid(field: "payments", reason: "must add up to the refund's total, \(FixedPoint.money(totalCents))")
        }
    }

    /// `<code>-000042` (six digits at least), or `<code>-CN-000042` for a credit note.
    public static func documentNumber(code: String, creditNote: Bool = false, _ number: Int64) -> String {
        let digits = String(number)
        let padded = String(repeating: "0", count: max(0, 6 - digits.count)) + digits
        return code + (creditNote ? "-CN-" : "-") + padded
    }
}

/// VAT by class (API.md 7.2): one entry per class present, ordered by class.
public struct VATLine: Sendable, Equatable {
    public var taxClass: TaxClass
    public var totalCents: Int64
    public var vatCents: Int64

    public init(taxClass: TaxClass, totalCents: Int64, vatCents: Int64) {
        (self.taxClass, self.totalCents, self.vatCents) = (taxClass, totalCents, vatCents)
    }

    public var netCents: Int64 { totalCents - vatCents }

    /// Sums per class of (class, line total, line VAT).
    public static func summary(_ lines: some Sequence<(TaxClass, Int64, Int64)>) -> [VATLine] {
        var byClass: [TaxClass: VATLine] = [:]
        for (taxClass, total, vat) in lines {
            byClass[taxClass, default: VATLine(taxClass: taxClass, totalCents: 0, vatCents: 0)].totalCents += total
            byClass[taxClass]!.vatCents += vat
        }
        return byClass.values.sorted { $0.taxClass < $1.taxClass }
    }
}

extension Cart {
    public var vatSummary: [VATLine] { VATLine.summary(items.map { ($0.taxClass, $0.lineTotalCents, $0.vatCents) }) }
}

extension Refund {
    public var vatSummary: [VATLine] { VATLine.summary(lines.map { ($0.taxClass, $0.lineTotalCents, $0.vatCents) }) }
    public var vatCents: Int64 { lines.reduce(0) { $0 + $1.vatCents } }
}
