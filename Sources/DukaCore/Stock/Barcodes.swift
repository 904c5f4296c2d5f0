/// Barcodes (API.md section 8.2): what a code may be, and what a shop scale's label says.
public enum Barcodes {
    /// At most this many codes on one product.
    public static let maximumPerProduct = 20

    /// Nil when `code` may be a product's barcode, else why not. Codes of 8, 12 or 13
    /// digits are EAN-8, UPC-A or EAN-13 and must carry their check digit; others are 1..64
    /// of letters, digits, `-`, `_` and `.`.
    public static func problem(_ code: String) -> String? {
        let bytes = Array(code.utf8)
        guard (1...64).contains(bytes.count), bytes.allSatisfy(isCodeByte) else {
            return "must be 1 to 64 characters of letters, digits, '-', '_' or '.'"
        }
        if [8, 12, 13].contains(bytes.count), bytes.allSatisfy(isDigit), !hasValidCheckDigit(bytes) {
            return "has a wrong check digit for an \(bytes.count == 8 ? "EAN-8" : bytes.count == 12 ? "UPC-A" : "EAN-13") code"
        }
        return nil
    }

    /// The GS1 check: from the right, digits before the check weigh 3, 1, 3, …; the check
    /// digit brings the sum to a multiple of 10.
    public static func hasValidCheckDigit(_ digits: [UInt8]) -> Bool {
        guard digits.count >= 2, digits.allSatisfy(isDigit) else { return false }
        var sum = 0
        for (offset, byte) in digits.dropLast().reversed().enumerated() {
            sum += Int(byte - 0x30) * (offset % 2 == 0 ? 3 : 1)
        }
        return (10 - sum % 10) % 10 == Int(digits.last! - 0x30)
    }

    /// A scale's label: 13 digits starting with 2 (prefixes 20–29) and a valid EAN-13 check
    /// digit; digits 3–7 are the item's PLU, 8–12 the value (grams or cents).
    public static func scale(_ code: String) -> (plu: String, value: Int64)? {
        let bytes = Array(code.utf8)
        guard bytes.count == 13, bytes[0] == 0x32, bytes.allSatisfy(isDigit), hasValidCheckDigit(bytes) else { return nil }
        let plu = String(decoding: bytes[2..<7], as: UTF8.self)
        let value = bytes[7..<12].reduce(Int64(0)) { $0 * 10 + Int64($1 - 0x30) }
        return (plu, value)
    }

    /// The quantity (thousandths) a scale's value stands for: grams are thousandths of a kg;
    /// a price in cents is divided by the product's unit price, half-up to 3 places. Nil
    /// when a price cannot be divided (a free product).
    public static func scaleQuantity(value: Int64, reading: Shop.ScaleBarcodeValue, unitPriceCents: Int64) -> Int64? {
        switch reading {
        case .weight: return value
        case .price:
            guard unitPriceCents > 0 else { return nil }
            return (value * 1000 * 2 + unitPriceCents) / (unitPriceCents * 2)
        }
    }

    /// `products.barcodes` as stored: the codes in order, one space between.
    public static func stored(_ codes: [String]) -> String { codes.joined(separator: " ") }

    public static func read(_ stored: String) -> [String] { stored.split(separator: " ").map(String.init) }

    static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }

    static func isCodeByte(_ byte: UInt8) -> Bool {
        isDigit(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x2D || byte == 0x5F || byte == 0x2E
    }
}

/// What a scanned code names: the product, and for a scale's label the quantity it weighed
/// (nil for a product's own barcode: the line takes the request's quantity).
public struct BarcodeMatch: Sendable {
    public var product: Product
    public var quantityMilli: Int64?

    public init(product: Product, quantityMilli: Int64?) { (self.product, self.quantityMilli) = (product, quantityMilli) }
}

/// The SQL of `product_barcodes`, shared by both engines.
public enum BarcodeSQL {
    public static let owner = "SELECT product_id FROM product_barcodes WHERE code = $1"
    public static let clear = "DELETE FROM product_barcodes WHERE product_id = $1"
    public static let insert = "INSERT INTO product_barcodes (code, product_id) VALUES ($1, $2)"
    public static func product(columns: String) -> String {
        "SELECT \(columns) FROM products WHERE id = (SELECT product_id FROM product_barcodes WHERE code = $1)"
    }
}

extension Barcodes {
    /// A code given twice in one list is refused as a duplicate, naming the second.
    public static func refuseRepeats(_ codes: [String]) throws {
        var seen: Set<String> = []
        for (index, code) in codes.enumerated() where !seen.insert(code).inserted {
            throw ProductChangeError.duplicateBarcode(field: "barcodes.\(index)")
        }
    }
}
