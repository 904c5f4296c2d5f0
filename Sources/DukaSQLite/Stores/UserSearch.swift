import DukaCore
import SQLite
import Synchronization

/// Trigrams need 3 characters; shorter texts are matched with LIKE.
func searchUsesTextIndex(_ text: String?) -> Bool {
    (text?.count ?? 0) >= 3
}

/// The condition for "`text` is a case-insensitive substring of one of `columns`" of
/// `users`: through the trigram index `users_search` when the text is long enough for
/// it (3 characters), else a LIKE scan in which `%`, `_` and `\` match themselves.
///
/// The index answers a phrase by walking the list of every trigram in it, and a list as
/// common as `gen` (in every generated username) costs more than the rest of the request.
/// So when four characters of an ASCII text are rare, only they are looked up, and each
/// row found is confirmed: by `instr(lower(column))` when its columns are printable
/// ASCII (where `lower` folds case as the index does), else by the index's own match of
/// the whole text. The rows are exactly those of the whole phrase; only the work differs.
func userSearchCondition(_ text: String, columns: [String], in db: Connection) throws -> (sql: String, arguments: [any SQLBindable]) {
    guard searchUsesTextIndex(text) else {
        let pattern = likeSubstringPattern(text)
        return ("(" + columns.map { #"\#($0) LIKE ? ESCAPE '\'"# }.joined(separator: " OR ") + ")", columns.map { _ in pattern })
    }
    let scope = "{\(columns.joined(separator: " "))}: "
    let whole = scope + ftsPhrase(text)
    let indexed = "id IN (SELECT rowid FROM users_search WHERE users_search MATCH ?)"
    guard let rare = try TrigramFrequencies.shared.rarestFourCharacters(of: text, in: db) else {
        return (indexed, [whole])
    }
    // instr, not LIKE: a LIKE with a bound pattern makes SQLite prepare the statement
    // again whenever the pattern changes, which costs more than the search.
    let lowered = String(decoding: text.utf8.map(asciiLowercased), as: UTF8.self)
    let contains = columns.map { "instr(lower(\($0)), ?) > 0" }
    let notPrintableASCII = columns.map { "\($0) GLOB '*[^ -~]*'" }
    let sql = "\(indexed) AND (\(contains.joined(separator: " OR ")) OR ((\(notPrintableASCII.joined(separator: " OR "))) AND \(indexed)))"
    return (sql, [scope + ftsPhrase(rare)] + columns.map { _ in lowered } + [whole])
}

/// `text` as one FTS5 phrase: in double quotes, its own quotes doubled, so operators
/// and column names in it match themselves.
private func ftsPhrase(_ text: some StringProtocol) -> String {
    "\"" + text.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
}

/// How many users each trigram of the search index occurs in, up to `cap`: enough to
/// tell a rare trigram from a common one. Counted on first use and again after
/// `lifetime`; a stale count only makes a search slower, never different.
final class TrigramFrequencies: Sendable {
    static let shared = TrigramFrequencies()
    static let cap: Int64 = 1024
    static let lifetime = Duration.seconds(300)
    static let capacity = 16_384
    static let windows = 32

    private struct Key: Hashable {
        let path: String
        let trigram: String
    }

    private struct Entry {
        let count: Int64
        let cap: Int64
        let measured: ContinuousClock.Instant
    }

    private let entries = Mutex<[Key: Entry]>([:])

    /// The four characters of `text` whose two trigrams are rarest together, when they
    /// are rarer than `cap`; nil for texts that are not ASCII (their folding is the
    /// index's business) or shorter than five characters (four would be the whole text).
    /// Only the first `windows` trigrams are counted, so a long text costs no more.
    func rarestFourCharacters(of text: String, cap: Int64 = TrigramFrequencies.cap, in db: Connection) throws -> Substring? {
        let bytes = text.utf8
        guard bytes.count >= 5, bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
        let starts = Array(bytes.indices.dropLast(2).prefix(Self.windows))
        var counts: [Int64] = []
        for start in starts {
            let trigram = bytes[start..<bytes.index(start, offsetBy: 3)].map(asciiLowercased)
            counts.append(try count(of: String(decoding: trigram, as: UTF8.self), cap: cap, in: db))
        }
        let pairs: [Int64] = (0..<counts.count - 1).map { counts[$0] + counts[$0 + 1] }
        let best = pairs.indices.min { pairs[$0] < pairs[$1] }!
        guard pairs[best] < cap else { return nil }
        return text[starts[best]..<bytes.index(starts[best], offsetBy: 4)]
    }

    private func count(of trigram: String, cap: Int64, in db: Connection) throws -> Int64 {
        let key = Key(path: db.path, trigram: trigram)
        let now = ContinuousClock.now
        if let entry = entries.withLock({ $0[key] }), now - entry.measured < Self.lifetime, entry.cap >= cap {
            return min(entry.count, cap)
        }
        let counted = try db.scalarInt(
            "SELECT COUNT(*) FROM (SELECT 1 FROM users_search WHERE users_search MATCH ? LIMIT ?)", ftsPhrase(trigram), cap
        ) ?? 0
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = Entry(count: counted, cap: cap, measured: now)
        }
        return counted
    }
}

private func asciiLowercased(_ byte: UInt8) -> UInt8 {
    (0x41...0x5A).contains(byte) ? byte + 0x20 : byte
}
