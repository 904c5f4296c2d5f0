import DukaCore
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// `--log-format json`: one JSON object per line on standard error, for log shippers
/// (journald, Loki, Elasticsearch): `time` (UTC, milliseconds), `level`, `label`,
/// `message`, then the metadata's keys (numbers as numbers). Each line is one write(2),
/// so lines from several threads never interleave.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String

    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let line = Self.line(time: Self.now(), level: event.level, label: label, message: "\(event.message)", metadata: merged)
        line.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { break }
                offset += written
            }
        }
    }

    /// One log line: the JSON object and its newline.
    static func line(time: String, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> [UInt8] {
        var out = JSONWriter(capacity: 256)
        out.beginObject()
        out.key("time"); out.string(time)
        out.key("level"); out.string(level.rawValue)
        out.key("label"); out.string(label)
        out.key("message"); out.string(message)
        for key in metadata.keys.sorted() where !reserved.contains(key) {
            out.key(text: key)
            write(metadata[key]!, to: &out)
        }
        out.endObject()
        var line = out.bytes
        line.append(UInt8(ascii: "\n"))
        return line
    }

    private static let reserved: Set<String> = ["time", "level", "label", "message"]

    private static func write(_ value: Logger.Metadata.Value, to out: inout JSONWriter) {
        switch value {
        case .string(let text):
            out.string(text)
        case .stringConvertible(let convertible):
            switch convertible {
            case let number as Int: out.int(Int64(number))
            case let number as Int64: out.int(number)
            case let number as UInt: out.number(literal: String(number))
            case let number as Double where number.isFinite: out.number(literal: String(number))
            default: out.string(convertible.description)
            }
        case .dictionary(let members):
            out.beginObject()
            for key in members.keys.sorted() {
                out.key(text: key)
                write(members[key]!, to: &out)
            }
            out.endObject()
        case .array(let items):
            out.beginArray()
            for item in items { write(item, to: &out) }
            out.endArray()
        }
    }

    /// The current UTC time as 2026-12-03T12:00:00.123Z.
    static func now() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        var text = Timestamp.iso8601(Int64(spec.tv_sec))
        let milliseconds = spec.tv_nsec / 1_000_000
        let fraction = milliseconds < 10 ? "00\(milliseconds)" : milliseconds < 100 ? "0\(milliseconds)" : "\(milliseconds)"
        text.insert(contentsOf: ".\(fraction)", at: text.index(before: text.endIndex))
        return text
    }
}
