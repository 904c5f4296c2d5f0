/// The field rules of API.md 4.3. Each answers nil when the value is fine, or the reason.
public enum UserRules {
    public static let profileMaximumLength = 100

    public static func username(_ value: String) -> String? {
        guard (3...50).contains(value.count) else { return "must be 3 to 50 characters" }
        let allowed = value.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        return allowed ? nil : "may contain only letters, digits, '.', '_' and '-'"
    }

    /// A plain `local@domain.tld` address of printable ASCII, at most 100 characters.
    public static func email(_ value: String) -> String? {
        guard value.count <= 100 else { return "must be at most 100 characters" }
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return "must be a valid email address" }
        let local = parts[0], domain = parts[1]
        let printable = value.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        let domainOK = labels.count >= 2 && labels.allSatisfy { label in
            !label.isEmpty && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) || $0 == UInt8(ascii: "-") }
        }
        guard printable, !local.isEmpty, local.count <= 64, domainOK else { return "must be a valid email address" }
        return nil
    }

    public static func password(_ value: String) -> String? {
        (6...100).contains(value.count) ? nil : "must be 6 to 100 characters"
    }

    public static func role(_ value: String) -> String? {
        Role(rawValue: value) == nil ? "must be one of admin, manager, cashier, employee, customer" : nil
    }

    /// Optional profile text: at most 100 characters, no control characters.
    public static func profileText(_ value: String) -> String? {
        guard value.count <= profileMaximumLength else { return "must be at most 100 characters" }
        guard !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            return "must not contain control characters"
        }
        return nil
    }

    /// E.164: `+`, then 8 to 15 digits, the first not 0 (e.g. `+254712345678`).
    public static func phoneNumber(_ value: String) -> String? {
        let bytes = Array(value.utf8)
        guard bytes.count >= 9, bytes.count <= 16, bytes[0] == UInt8(ascii: "+"), bytes[1] != UInt8(ascii: "0"),
              bytes.dropFirst().allSatisfy({ (0x30...0x39).contains($0) }) else {
            return "must be in E.164 form, e.g. +254712345678"
        }
        return nil
    }
}
