/// The field rules of API.md section 5. Each answers nil when the value is fine, or the reason.
public enum CatalogueRules {
    /// 10,000,000.00 in cents.
    public static let maximumPriceCents: Int64 = 1_000_000_000
    /// 1,000,000.000 in thousandths.
    public static let maximumQuantityMilli: Int64 = 1_000_000_000
    /// A cart's total stays at or under 100,000,000,000,000.00 (ten lines at the largest
    /// price and quantity), so a cart's total cannot overflow a 64-bit integer.
    public static let maximumCartTotalCents: Int64 = 10_000_000_000_000_000

    public static func sku(_ value: String) -> String? {
        guard (1...64).contains(value.count) else { return "must be 1 to 64 characters" }
        let allowed = value.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
        return allowed ? nil : "may contain only letters, digits, '-', '_' and '.'"
    }

    public static func name(_ value: String) -> String? {
        guard (1...200).contains(value.count), !value.trimmingWhitespace().isEmpty else { return "must be 1 to 200 characters" }
        return controlCharacters(value, allowingLineBreaks: false)
    }

    public static func description(_ value: String) -> String? {
        guard value.count <= 2000 else { return "must be at most 2000 characters" }
        return controlCharacters(value, allowingLineBreaks: true)
    }

    public static func unit(_ value: String) -> String? {
        guard (1...16).contains(value.count), !value.trimmingWhitespace().isEmpty else { return "must be 1 to 16 characters" }
        return controlCharacters(value, allowingLineBreaks: false)
    }

    static func controlCharacters(_ value: String, allowingLineBreaks: Bool) -> String? {
        let bad = value.unicodeScalars.contains { scalar in
            let isControl = scalar.value < 0x20 || scalar.value == 0x7F
            let isLineBreak = scalar == "\n" || scalar == "\r" || scalar == "\t"
            return isControl && !(allowingLineBreaks && isLineBreak)
        }
        return bad ? "must not contain control characters" : nil
    }

    public static let priceProblem = "must be a decimal from 0.00 to 10000000.00 with at most 2 decimal places"
    public static let quantityProblem = "must be a decimal from 0.001 to 1000000.000 with at most 3 decimal places"

    /// A price in cents from its decimal text (at most 2 places, 0 ... 10,000,000.00), or nil.
    public static func price(_ text: String) -> Int64? {
        guard let cents = FixedPoint.parse(text, places: 2), cents <= maximumPriceCents else { return nil }
        return cents
    }

    /// A quantity in thousandths from its decimal text (at most 3 places, 0.001 ... 1,000,000.000), or nil.
    public static func quantity(_ text: String) -> Int64? {
        guard let milli = FixedPoint.parse(text, places: 3), milli >= 1, milli <= maximumQuantityMilli else { return nil }
        return milli
    }
}
