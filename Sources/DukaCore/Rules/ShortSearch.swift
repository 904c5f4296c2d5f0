/// A search of 1 or 2 characters (Unicode scalars), or of 3 ASCII ones, on either list of
/// users. Such texts match too many rows to count at request time, so their totals are
/// kept by triggers in `search_grams` (schema.sql), per list, filter bucket and text.
/// They match as LIKE does: ASCII letters in any case, other characters as they are.
public struct ShortSearch: Sendable, Equatable {
    /// The lists `search_grams` counts for.
    public enum List: String, Sendable, Equatable {
        /// `/api/v1/users`: username and email, every role.
        case users = "u"
        /// The employee portal: full name, email, phone number and id number of customers.
        case customers = "c"

        /// The `users` columns the list searches.
        public var searchedColumns: [String] {
            switch self {
            case .users: ["username", "email"]
            case .customers: ["full_name", "email", "phone_number", "id_number"]
            }
        }
    }

    public let list: List
    /// The text as counted: ASCII lower case.
    public let gram: String
    /// The filter's buckets (role * 4 + soft-deleted * 2 + active).
    public let buckets: [Int64]

    /// The text's length in Unicode scalars, as SQL's `length` and `substr` count.
    public var length: Int { gram.unicodeScalars.count }

    /// Whether `text` is counted: 1 or 2 characters, or 3 ASCII ones. A 3-character text
    /// with another letter (`élo`) goes through the trigram index as longer texts do, and
    /// keeps their Unicode case folding (`ÉLO` finds `Élodie`), as before the counts.
    public static func counts(_ text: String) -> Bool {
        let scalars = text.unicodeScalars
        switch scalars.count {
        case 1, 2: return true
        case 3: return scalars.allSatisfy(\.isASCII)
        default: return false
        }
    }

    init?(_ text: String?, list: List, buckets: [Int64]) {
        guard let text, Self.counts(text) else { return nil }
        var lowered = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            lowered.append((0x41...0x5A).contains(scalar.value) ? Unicode.Scalar(scalar.value + 0x20)! : scalar)
        }
        self.list = list
        self.gram = String(lowered)
        self.buckets = buckets
    }

    /// The staff users API's search, when short.
    public init?(_ filter: UserListFilter) {
        self.init(filter.search, list: .users, buckets: Self.buckets(filter))
    }

    static func buckets(_ filter: UserListFilter) -> [Int64] {
        let roles = filter.role.map { [$0] } ?? Role.allCases
        let deleted: [Bool] = switch filter.status {
        case .active: [false]
        case .deleted: [true]
        case .all: [false, true]
        }
        return buckets(roles: roles, deleted: deleted, active: [false, true])
    }

    /// The employee portal's search, when short.
    public init?(_ filter: CustomerFilter) {
        self.init(filter.search, list: .customers, buckets: Self.buckets(filter))
    }

    static func buckets(_ filter: CustomerFilter) -> [Int64] {
        let deleted = filter.includeDeleted ? [false, true] : [false]
        let active = filter.isActive.map { [$0] } ?? [false, true]
        return buckets(roles: [.customer], deleted: deleted, active: active)
    }

    static func buckets(roles: [Role], deleted: [Bool], active: [Bool]) -> [Int64] {
        roles.flatMap { role in
            deleted.flatMap { isDeleted in active.map { isActive in bucket(role: role, deleted: isDeleted, active: isActive) } }
        }.sorted()
    }

    /// The bucket number the triggers compute in SQL.
    public static func bucket(role: Role, deleted: Bool, active: Bool) -> Int64 {
        let roleNumber: Int64 = switch role {
        case .admin: 0
        case .manager: 1
        case .cashier: 2
        case .employee: 3
        case .customer: 4
        }
        return roleNumber * 4 + (deleted ? 2 : 0) + (active ? 1 : 0)
    }

    /// `bucket IN (...)`: the buckets are numbers made here, never request text.
    public var bucketList: String { buckets.map(String.init).joined(separator: ", ") }

    /// Whether walking the list in its page order, testing each row, reaches the page
    /// soon: about (offset + size) × rows / matches rows are read (`offset` counted from
    /// the block the walk starts at). Otherwise a sparse text is better found through the
    /// trigram index (3 characters), which reads each match (about 2.8 µs each on SQLite,
    /// against 1.6 µs for each row a walk tests): the walk is kept while it reads at most
    /// twice as many rows as there are matches, or a few hundred.
    public static func scanIsCheap(total: Int64, listSize: Int64, offset: Int64, size: Int64) -> Bool {
        guard total > 0 else { return true }
        return scanIsCheap(walked: (offset + size) * max(listSize, 1) / total, total: total)
    }

    /// The same rule for a walk known to read `walked` rows (PostgreSQL counts the rows of
    /// the blocks it would walk: matches that cluster make whole blocks pass without one).
    public static func scanIsCheap(walked: Int64, total: Int64) -> Bool {
        if let budget = scanBudgetOverride { return walked <= budget }
        return walked <= max(scanBudget, 2 * total)
    }

    /// Rows a page may always walk past (well under a millisecond).
    public static let scanBudget: Int64 = 500
    /// Tests set another budget (0: every sparse-able text goes through the index).
    @TaskLocal public static var scanBudgetOverride: Int64?
    /// Offsets below which SQLite reads a portal search of 3 characters from the trigram
    /// index in id order (`IndexOrderedPage`); tests set 0 to take the blocks' way too.
    @TaskLocal public static var indexOrderedOffsetsOverride: Int64?
}

extension ShortSearch {
    /// Every user of `list` in `buckets` (the text ''): an unfiltered or bucket-filtered
    /// list, placed by the same blocks as a search.
    public static func everyone(_ list: List, buckets: [Int64]) -> ShortSearch {
        ShortSearch(list: list, gram: "", buckets: buckets)
    }

    private init(list: List, gram: String, buckets: [Int64]) {
        self.list = list
        self.gram = gram
        self.buckets = buckets
    }

    /// The staff users API's filter without its search text.
    public static func everyone(_ filter: UserListFilter) -> ShortSearch {
        everyone(.users, buckets: buckets(filter))
    }

    /// The employee portal's filter without its search text.
    public static func everyone(_ filter: CustomerFilter) -> ShortSearch {
        everyone(.customers, buckets: buckets(filter))
    }
}

/// Finds the blocks of a list that hold a page's rows, from the per-block counts of
/// `search_blocks` read in the page's order (a block's buckets one after another): the
/// matches before the first of them are skipped without reading a row, and the page is
/// read block by block, `skip` matches into the first, passing no block without a match.
public struct PageBlocks: Sendable {
    public let offset: Int64
    public let size: Int64
    private var before: Int64 = 0
    private var current: (block: Int64, count: Int64)?
    private var done = false
    /// The blocks holding the page's rows, in page order (empty past the end).
    public private(set) var blocks: [Int64] = []
    /// The matches of the first block that come before the page.
    public private(set) var skip: Int64 = 0
    /// The matches up to the end of the last block found, in the order read.
    public private(set) var end: Int64 = 0

    public init(offset: Int64, size: Int64) {
        self.offset = offset
        self.size = size
    }

    /// Adds one row; answers false once the page's blocks are known (read no further).
    public mutating func add(block: Int64, count: Int64) -> Bool {
        if let current, current.block == block {
            self.current = (block, current.count + count)
            return true
        }
        if let current { close(current) }
        current = (block, count)
        return !done
    }

    /// After the last row.
    public mutating func finish() {
        if let current { close(current) }
        current = nil
    }

    private mutating func close(_ block: (block: Int64, count: Int64)) {
        guard !done else { return }
        let first = before, end = before + block.count
        before = end
        guard end > offset else { return }  // wholly before the page
        if blocks.isEmpty { skip = offset - first }
        blocks.append(block.block)
        self.end = end
        if end >= offset + size { done = true }
    }

    /// A page read from the list's other end: the blocks holding rows [offset, offset +
    /// size) of `total`, found by reading the blocks backwards (fewer of them for a page
    /// past the middle), given in page order. `read` gives the rows to a finder.
    public static func fromTheEnd(offset: Int64, size: Int64, total: Int64, read: (inout PageBlocks) throws -> Void) rethrows -> PageBlocks {
        let last = min(offset + size, total)
        var backwards = PageBlocks(offset: total - last, size: last - offset)
        try read(&backwards)
        var found = PageBlocks(offset: offset, size: size)
        found.blocks = backwards.blocks.reversed()
        // Matches before the first block in page order: all but those from it to the end.
        found.skip = offset - (total - backwards.end)
        found.end = last
        found.done = true
        return found
    }
}
