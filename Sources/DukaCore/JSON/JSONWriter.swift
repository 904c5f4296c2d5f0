/// Writes JSON straight into bytes, for the hot list answers: no `JSON` values, no
/// dictionaries, no sorting. The caller writes each object's keys in sorted order, so the
/// output is byte-for-byte what `JSON.encoded()` gives for the same object (tests check it).
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    private var needsComma = false

    public init(capacity: Int = 1024) {
        bytes.reserveCapacity(capacity)
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = false
    }

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// A member name, written in the source: plain ASCII that needs no escaping, so its
    /// bytes are copied as they are. Its value follows.
    public mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    /// A member name known only at run time (escaped as a string is). Its value follows.
    public mutating func key(text name: String) {
        separate()
        JSON.writeString(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    /// A number already written as JSON (a `Double`'s or an integer's description).
    public mutating func number(literal text: String) {
        separate()
        bytes.append(contentsOf: text.utf8)
        needsComma = true
    }

    /// A time as its ISO 8601 string (`Timestamp.iso8601`), written without making one.
    public mutating func timestamp(_ seconds: Int64) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        Timestamp.appendISO8601(seconds, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    public mutating func optionalTimestamp(_ seconds: Int64?) {
        if let seconds { timestamp(seconds) } else { null() }
    }

    public mutating func string(_ value: String) {
        separate()
        JSON.writeString(value, to: &bytes)
        needsComma = true
    }

    /// A string given as UTF-8 bytes, null when nil (a SQLite column read in place).
    public mutating func optionalString(utf8 value: UnsafeBufferPointer<UInt8>?) {
        guard let value else { return null() }
        separate()
        JSON.writeString(utf8: value, to: &bytes)
        needsComma = true
    }

    public mutating func optionalString(_ value: String?) {
        if let value { string(value) } else { null() }
    }

    public mutating func optionalInt(_ value: Int64?) {
        if let value { int(value) } else { null() }
    }

    /// Money in cents as its decimal string (`"-10.00"`), null when nil.
    public mutating func money(_ cents: Int64?) {
        if let cents { string(FixedPoint.money(cents)) } else { null() }
    }

    public mutating func int(_ value: Int64) {
        separate()
        if value >= 0, value < 10 {
            bytes.append(UInt8(ascii: "0") + UInt8(value))
        } else {
            bytes.append(contentsOf: String(value).utf8)
        }
        needsComma = true
    }

    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
        needsComma = true
    }

    public mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
        needsComma = true
    }

    /// Values written by another writer (a comma-separated run of them), spliced in as
    /// they are: for a list whose rows are written before the members that precede them.
    public mutating func values(writtenBy other: JSONWriter) {
        guard !other.bytes.isEmpty else { return }
        separate()
        bytes.append(contentsOf: other.bytes)
        needsComma = true
    }
}
