/// Fixed-point decimals at the edge: money in cents (2 places), quantities in thousandths (3).
public enum FixedPoint {
    /// Parses a non-negative decimal such as `"12"`, `"12.5"`, `"12.50"` into units of 10^-places.
    /// Refuses signs, exponents, more places than allowed, and values past `Int64`.
    public static func parse(_ text: String, places: Int) -> Int64? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        var fraction = parts.count == 2 ? Substring(parts[1]) : ""
        if parts.count == 2 {
            guard !fraction.isEmpty, fraction.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        }
        guard fraction.count <= places else { return nil }
        fraction += String(repeating: "0", count: places - fraction.count)
        var value: Int64 = 0
        for byte in (whole + fraction).utf8 {
            let (timesTen, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = timesTen.addingReportingOverflow(Int64(byte - 0x30))
            guard !overflow1, !overflow2 else { return nil }
            value = next
        }
        return value
    }

    /// `12345, places: 2` -> `"123.45"`.
    public static func format(_ value: Int64, places: Int) -> String {
        let negative = value < 0
        let magnitude = value.magnitude
        var divisor: UInt64 = 1
        for _ in 0..<places { divisor *= 10 }
        let whole = magnitude / divisor
        var fraction = String(magnitude % divisor)
        fraction = String(repeating: "0", count: places - fraction.count) + fraction
        return (negative ? "-" : "") + String(whole) + (places > 0 ? "." + fraction : "")
    }

    public static func money(_ cents: Int64) -> String { format(cents, places: 2) }
    public static func quantity(_ thousandths: Int64) -> String { format(thousandths, places: 3) }

    /// `unit_price × quantity`, rounded half-up to the cent, in integers:
    /// cents × thousandths / 1000. Nil when it would overflow.
    public static func lineTotal(unitPriceCents: Int64, quantityMilli: Int64) -> Int64? {
        let (product, overflow) = unitPriceCents.multipliedReportingOverflow(by: quantityMilli)
        guard !overflow, product >= 0 else { return nil }
        return (product + 500) / 1000
    }
}
