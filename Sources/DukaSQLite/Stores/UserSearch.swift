import DukaCore
import SQLite
import Synchronization

/// How a search over users finds its rows.
enum UserSearchMode {
    /// A LIKE test of every row the rest of the query walks (texts `ShortSearch` counts,
    /// where the walk reaches the page soon).
    case like
    /// The same LIKE, on the rows the trigram index finds (a sparse text of 3 characters).
    case likeThroughIndex
    /// The trigram index (texts of 4 characters or more, and of 3 that are not all ASCII).
    case index
    /// A kept text (`KeptSearch`) common enough that walking the list reaches the page
    /// soon: `instr` over each plain row, the index's match for the others.
    case walk

    /// Whether the rows come from the trigram index.
    var usesIndex: Bool { self == .likeThroughIndex || self == .index }

    /// The mode for `text`, given its short search's plan when it has one.
    static func of(_ text: String?, throughIndex: Bool) -> UserSearchMode? {
        guard let text, !text.isEmpty else { return nil }
        guard ShortSearch.counts(text) else { return .index }
        return throughIndex ? .likeThroughIndex : .like
    }
}

/// The condition for "`text` is a case-insensitive substring of one of `columns`" of
/// `users`. Texts of 1 or 2 characters, or 3 ASCII ones, match as LIKE does (ASCII
/// folding), the way `search_grams` counts them; `%`, `_` and `\` match themselves.
/// Others go through the trigram index `users_search`, which folds Unicode case.
///
/// The index answers a phrase by walking the list of every trigram in it, and a list as
/// common as `gen` (in every generated username) costs more than the rest of the request.
/// So when four characters of an ASCII text are rare, only they are looked up, and each
/// row found is confirmed: by `instr(lower(column))` when its columns are printable
/// ASCII (where `lower` folds case as the index does), else by the index's own match of
/// the whole text. The rows are exactly those of the whole phrase; only the work differs.
func userSearchCondition(_ text: String, columns: [String], mode: UserSearchMode, in db: Connection) throws -> (sql: String, arguments: [any SQLBindable]) {
    let scope = "{\(columns.joined(separator: " "))}: "
    let indexed = "id IN (SELECT rowid FROM users_search WHERE users_search MATCH ?)"
    switch mode {
    case .like, .likeThroughIndex:
        let pattern = likeSubstringPattern(text)
        let like = "(" + columns.map { #"\#($0) LIKE ? ESCAPE '\'"# }.joined(separator: " OR ") + ")"
        let arguments: [any SQLBindable] = columns.map { _ in pattern }
        // The index folds Unicode case, LIKE only ASCII: what LIKE matches, the index
        // finds (an ASCII letter lowers alike in both), and LIKE keeps the exact rows.
        return mode == .like ? (like, arguments) : ("\(indexed) AND \(like)", [scope + ftsPhrase(text)] + arguments)
    case .index:
        break
    case .walk:
        let lowered = String(decoding: text.utf8.map(asciiLowercased), as: UTF8.self)
        let contains = columns.map { "instr(lower(\($0)), ?) > 0" }
        let notPrintableASCII = columns.map { "\($0) GLOB '*[^ -~]*'" }
        let matched = "EXISTS (SELECT 1 FROM users_search WHERE users_search MATCH ? AND rowid = users.id)"
        let sql = "(\(contains.joined(separator: " OR ")) OR ((\(notPrintableASCII.joined(separator: " OR "))) AND \(matched)))"
        return (sql, columns.map { _ in lowered } + [ftsQuery(text, columns: columns)])
    }
    let whole = scope + ftsPhrase(text)
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

/// The totals of short searches, kept by triggers in `search_grams`, and where their
/// pages start, from `search_blocks`.
enum SearchGramStore {
    enum BlockOrder { case ascending, descending }

    /// How a short search's (or a whole list's) page is read.
    struct Plan {
        let total: Int64
        /// Through the trigram index (a sparse text of 3 characters), not by a walk.
        let throughIndex: Bool
        /// The blocks holding the page's rows, read one after another, `skip` matches into
        /// the first; nil: one walk from the list's start, `offset` matches in.
        let placed: (blocks: [Int64], skip: Int64, condition: String)?

        /// The page's rows: `query(filter, limit, offset)` runs the page's statement for a
        /// filter (the page's, plus one block's rows when placed).
        func rows<T>(
            _ filter: SQLFilter, page: PageRequest, query: (SQLFilter, Int64, Int64) throws -> [T]
        ) throws -> [T] {
            guard let offset = page.offset, offset < total else { return [] }
            guard let placed else { return try query(filter, page.size, offset) }
            var rows: [T] = []
            for (index, block) in placed.blocks.enumerated() where rows.count < page.size {
                var inBlock = filter
                inBlock.add(placed.condition, block, block)
                rows += try query(inBlock, page.size - Int64(rows.count), index == 0 ? placed.skip : 0)
            }
            return rows
        }
    }

    /// How many users of the search's list and buckets contain its text.
    static func total(_ search: ShortSearch, in db: Connection) throws -> Int64 {
        try count(search.gram, search, in: db)
    }

    /// How many users the search's list and buckets hold.
    static func listSize(_ search: ShortSearch, in db: Connection) throws -> Int64 {
        try count("", search, in: db)
    }

    private static func count(_ gram: String, _ search: ShortSearch, in db: Connection) throws -> Int64 {
        try db.scalarInt(
            "SELECT COALESCE(SUM(count), 0) FROM search_grams WHERE list = ? AND gram = ? AND bucket IN (\(search.bucketList))",
            search.list.rawValue, gram
        ) ?? 0
    }

    /// The page's plan. `blocks`: the list's page order as its blocks run (the users API
    /// newest first: descending), or nil when the page is in another order (by username),
    /// which the blocks do not place. A sparse text of 3 characters whose walk would pass
    /// too many other rows goes through the trigram index instead.
    static func plan(_ search: ShortSearch, page: PageRequest, blocks: BlockOrder?, in db: Connection) throws -> Plan {
        let total = try total(search, in: db)
        guard let offset = page.offset, offset < total else { return Plan(total: total, throughIndex: false, placed: nil) }
        let found = try blocks.map { order in
            // A page past the middle reads the blocks from the list's other end.
            if offset > total / 2 {
                return try PageBlocks.fromTheEnd(offset: offset, size: page.size, total: total) { finder in
                    try read(search, descending: order == .ascending, into: &finder, in: db)
                }
            }
            var finder = PageBlocks(offset: offset, size: page.size)
            try read(search, descending: order == .descending, into: &finder, in: db)
            return finder
        }
        if search.length == 3 {
            let skip = found?.skip ?? offset
            if !ShortSearch.scanIsCheap(total: total, listSize: try listSize(search, in: db), offset: skip, size: page.size) {
                return Plan(total: total, throughIndex: true, placed: nil)
            }
        }
        guard let found, !found.blocks.isEmpty else { return Plan(total: total, throughIndex: false, placed: nil) }
        // Blocks are numbers made from the list's own key: `created_at` for the users API,
        // `id` for the portal (see search_gram_rows in schema.sql).
        let key = search.list == .users ? "created_at" : "id"
        let shift = "(SELECT value FROM counters WHERE name = 'search_block_shift_\(search.list.rawValue)')"
        return Plan(
            total: total, throughIndex: false,
            placed: (found.blocks, found.skip, "\(key) >= (? << \(shift)) AND \(key) < ((? + 1) << \(shift))")
        )
    }

    /// Gives the search's blocks to `finder` in the order asked, until it has the page's.
    private static func read(_ search: ShortSearch, descending: Bool, into finder: inout PageBlocks, in db: Connection) throws {
        try db.forEach(
            """
            SELECT block, count FROM search_blocks
            WHERE list = ? AND gram = ? AND bucket IN (\(search.bucketList)) AND count > 0
            ORDER BY block \(descending ? "DESC" : "ASC")
            """,
            arguments: [search.list.rawValue, search.gram]
        ) { row in
            finder.add(block: row.int64(0), count: row.int64(1))
        }
        finder.finish()
    }
}

/// An FTS5 query for `text` as one phrase in any of `columns`.
func ftsQuery(_ text: String, columns: [String]) -> String {
    "{\(columns.joined(separator: " "))}: " + ftsPhrase(text)
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
