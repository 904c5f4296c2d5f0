/// A search of 4 or more printable ASCII characters on either list of users, as the
/// triggers keep its total once the text is in `search_texts` (schema.sql). Texts that
/// many users contain (`.co.ke`, `+25471`, a common surname) cost more to count at
/// request time the bigger the shop: the trigram index finds every match, and a page
/// count read each one. Kept, their total is a few rows' sum, and their page is a short
/// walk (they are dense).
public struct KeptSearch: Sendable, Hashable {
    public let list: ShortSearch.List
    /// The text as kept: ASCII lower case.
    public let text: String
    /// The filter's buckets, as `ShortSearch`'s.
    public let buckets: [Int64]

    /// Whether `text` can be kept: 4 to 64 printable ASCII characters (where `lower`
    /// folds case as the trigram index does; shorter texts are `ShortSearch`'s).
    public static func keeps(_ text: String) -> Bool {
        let bytes = text.utf8
        return (4...64).contains(bytes.count) && bytes.allSatisfy { (0x20...0x7E).contains($0) }
    }

    init?(_ text: String?, list: ShortSearch.List, buckets: [Int64]) {
        guard let text, Self.keeps(text) else { return nil }
        self.list = list
        self.text = asciiLowercased(text)
        self.buckets = buckets
    }

    /// The staff users API's search, when it can be kept.
    public init?(_ filter: UserListFilter) {
        self.init(filter.search, list: .users, buckets: ShortSearch.buckets(filter))
    }

    /// The employee portal's search, when it can be kept.
    public init?(_ filter: CustomerFilter) {
        self.init(filter.search, list: .customers, buckets: ShortSearch.buckets(filter))
    }

    /// `bucket IN (...)`: numbers made here, never request text.
    public var bucketList: String { buckets.map(String.init).joined(separator: ", ") }

    /// The list and text, without the filter's buckets: what `search_texts` holds.
    public var key: Key { Key(list: list, text: text) }

    public struct Key: Sendable, Hashable {
        public let list: ShortSearch.List
        public let text: String
        public init(list: ShortSearch.List, text: String) {
            self.list = list
            self.text = text
        }
    }

    /// A search that found at least this many users is worth keeping: each match costs
    /// a row read at request time (SQLite at 100,000 users: 2.5–5 ms for 1,000 matches,
    /// about 0.3 ms kept), and the number grows with the shop.
    public static let keptFrom: Int64 = 250
    /// Tests keep texts found in fewer users.
    @TaskLocal public static var keptFromOverride: Int64?
    static var threshold: Int64 { keptFromOverride ?? keptFrom }

    /// Whether the page of a kept text found in `total` of `listSize` users is better
    /// walked (testing each row in page order) than found through the trigram index:
    /// when the walk tests at most `rowsPerMatch` rows for each match the index would
    /// read. Each engine measures its own: on SQLite at 100,000 users a walked row costs
    /// about 2 µs and a match found through the index (read, confirmed, sorted) about
    /// 4 µs, so a walk of up to twice the matches would be cheaper; but matches that
    /// cluster (users who signed up together) use up the walk's budget and then cost the
    /// index's read as well (`gen90`, 1,071 users: 4 ms through the index, 12 ms after a
    /// spent walk), so a walk is only taken when it should test half as many rows.
    public static func walks(total: Int64, listSize: Int64, offset: Int64, size: Int64, rowsPerMatch: Double) -> Bool {
        guard total > 0 else { return false }
        return Double(expectedWalk(total: total, listSize: listSize, offset: offset, size: size)) <= Double(total) * rowsPerMatch
    }

    public static let sqliteRowsPerMatch = 0.5
    /// PostgreSQL (session 12): a walked row about four times a match through the index.
    public static let postgresRowsPerMatch = 0.25

    /// About how many rows a walk tests before it has the page.
    public static func expectedWalk(total: Int64, listSize: Int64, offset: Int64, size: Int64) -> Int64 {
        (offset + size) * max(listSize, 1) / max(total, 1)
    }

    /// Rows a dense text's page may walk before the trigram index finds it instead: a
    /// couple of milliseconds' worth, or four times the rows the page should need.
    public static func walkBudget(expected: Int64) -> Int64 { walkBudgetOverride ?? max(2_000, 4 * expected) }
    /// Tests walk a few rows only, to take both ways.
    @TaskLocal public static var walkBudgetOverride: Int64?

    /// Kept texts found in at most this many users when kept have their matches listed
    /// in page order too (PostgreSQL's `search_text_members`): a page of one reads its own
    /// rows. Denser texts are walked, their matches being close together in any order;
    /// the bound keeps the lists' size at most 256 × 10,000 rows a list at any size.
    public static let listedUpTo: Int64 = 10_000

    /// Texts kept per list, at most: each is tested by the triggers on every change of a
    /// user (an `instr` per searched column, about a microsecond together).
    public static let capacity: Int64 = 256
}

/// The search knobs tests turn (task-local values), carried onto the threads an engine
/// runs its SQL on, where the request's task-local values are not seen.
public struct SearchTestKnobs: Sendable {
    let scanBudget: Int64?
    let walkBudget: Int64?
    let indexOrderedOffsets: Int64?

    /// The values of the current task.
    public static func current() -> SearchTestKnobs {
        SearchTestKnobs(
            scanBudget: ShortSearch.scanBudgetOverride, walkBudget: KeptSearch.walkBudgetOverride,
            indexOrderedOffsets: ShortSearch.indexOrderedOffsetsOverride
        )
    }

    /// Runs `body` with the values bound again (on any thread).
    public func bound<T>(_ body: () throws -> T) rethrows -> T {
        guard scanBudget != nil || walkBudget != nil || indexOrderedOffsets != nil else { return try body() }
        return try ShortSearch.$scanBudgetOverride.withValue(scanBudget) {
            try KeptSearch.$walkBudgetOverride.withValue(walkBudget) {
                try ShortSearch.$indexOrderedOffsetsOverride.withValue(indexOrderedOffsets, operation: body)
            }
        }
    }
}
