/// `search_grams` and `search_blocks` counted from scratch, as both engines' triggers keep
/// them one change at a time: the end of a bulk load (`duka generate`, `duka copy`) and
/// SQLite's migrations 3 and 4. SQL's own count sorts every (user, text) pair (93 s for
/// 100,000 users on SQLite, about 1 ms a user in PostgreSQL's trigger); counting here takes
/// a few seconds. `lower` folds ASCII only, texts are 0 to 3 Unicode scalars, each text
/// once per user and list, '' once per user with a non-empty searched field.
///
/// Two passes over the users: by id (the totals, and the portal's blocks, which are by id),
/// then by `created_at, id` (the users API's blocks). A block's counts are handed back
/// when the pass leaves it, so only one block's are held at a time.
public struct SearchGramTally {
    /// A row of `search_grams` (`block` nil) or of `search_blocks`.
    public struct Row: Sendable, Equatable {
        public let list: ShortSearch.List
        public let gram: String
        public let block: Int64?
        public let bucket: Int64
        public let count: Int64
    }

    /// A user's row as the counts read it.
    public struct User {
        let id, createdAt, bucket: Int64
        /// Each list the user is in, with its searched columns.
        let lists: [(list: ShortSearch.List, fields: [String?])]

        public init(
            id: Int64, createdAt: Int64, role: String, deleted: Bool, active: Bool,
            username: String?, email: String?, fullName: String?, phoneNumber: String?, idNumber: String?
        ) {
            let role = Role(rawValue: role) ?? .customer
            var lists: [(list: ShortSearch.List, fields: [String?])] = [(.users, [username, email])]
            if role == .customer { lists.append((.customers, [fullName, email, phoneNumber, idNumber])) }
            (self.id, self.createdAt, self.lists) = (id, createdAt, lists)
            bucket = ShortSearch.bucket(role: role, deleted: deleted, active: active)
        }
    }

    let grams: Bool
    let blocks: Bool
    let shiftOfUsers: Int64
    let shiftOfCustomers: Int64
    private var totals = [ShortSearch.List.users: Counts(), .customers: Counts()]
    private var customerBlocks = BlockCounts(list: .customers)
    private var userBlocks = BlockCounts(list: .users)
    private var texts = PackedTextSet()

    /// `shiftOfUsers`/`shiftOfCustomers`: the block sizes (`search_block_shift_u`/`_c`).
    public init(grams: Bool = true, blocks: Bool = true, shiftOfUsers: Int64, shiftOfCustomers: Int64) {
        (self.grams, self.blocks, self.shiftOfUsers, self.shiftOfCustomers) = (grams, blocks, shiftOfUsers, shiftOfCustomers)
    }

    /// The first pass: every user in id order. Answers the blocks it has finished.
    public mutating func addByID(_ user: User) -> [Row] {
        var finished: [Row] = []
        for (list, fields) in user.lists {
            Self.grams(of: fields, into: &texts)
            if grams { totals[list]!.add(texts, bucket: user.bucket) }
            if blocks, list == .customers {
                finished += customerBlocks.add(texts, bucket: user.bucket, block: user.id >> shiftOfCustomers)
            }
        }
        return finished
    }

    /// After the first pass: the last portal block and the totals.
    public mutating func endOfPassByID() -> [Row] {
        var rows = customerBlocks.flush()
        guard grams else { return rows }
        for (list, counts) in totals {
            for (bucket, byGram) in counts.byBucket {
                byGram.forEach { gram, count in
                    rows.append(Row(list: list, gram: Self.text(of: gram), block: nil, bucket: bucket, count: count))
                }
            }
        }
        totals = [.users: Counts(), .customers: Counts()]
        return rows
    }

    /// The second pass (only with `blocks`): every user in `created_at, id` order.
    public mutating func addByCreation(_ user: User) -> [Row] {
        Self.grams(of: user.lists[0].fields, into: &texts)
        return userBlocks.add(texts, bucket: user.bucket, block: user.createdAt >> shiftOfUsers)
    }

    /// After the second pass: the last users-API block.
    public mutating func endOfPassByCreation() -> [Row] {
        userBlocks.flush()
    }

    /// Users per text, per bucket (a table per bucket: hashing the text alone).
    private struct Counts {
        var byBucket: [Int64: PackedTextCounts] = [:]

        mutating func add(_ texts: PackedTextSet, bucket: Int64) {
            var counts = byBucket.removeValue(forKey: bucket) ?? PackedTextCounts()
            for text in texts.members { counts.add(text) }
            byBucket[bucket] = counts
        }
    }

    /// One block's counts at a time, handed back when the next begins.
    private struct BlockCounts {
        let list: ShortSearch.List
        var block: Int64?
        var counts = Counts()

        mutating func add(_ texts: PackedTextSet, bucket: Int64, block: Int64) -> [Row] {
            var finished: [Row] = []
            if block != self.block {
                finished = flush()
                self.block = block
            }
            counts.add(texts, bucket: bucket)
            return finished
        }

        mutating func flush() -> [Row] {
            defer { counts = Counts() }
            guard let block else { return [] }
            var rows: [Row] = []
            for (bucket, byGram) in counts.byBucket {
                byGram.forEach { gram, count in
                    rows.append(Row(list: list, gram: SearchGramTally.text(of: gram), block: block, bucket: bucket, count: count))
                }
            }
            return rows
        }
    }

    /// The texts of 0 to 3 scalars of `fields`, ASCII lower-cased, each once: at each
    /// scalar, the texts of 1 to 3 that end there (no array of scalars made per field).
    static func grams(of fields: [String?], into grams: inout PackedTextSet) {
        grams.removeAll()
        for case let field? in fields {
            // The two scalars before this one, packed (0: none).
            var before1: UInt64 = 0, before2: UInt64 = 0
            for scalar in field.unicodeScalars {
                let raw = UInt64(scalar.value)
                let value = ((0x41...0x5A).contains(raw) ? raw + 0x20 : raw) + 1
                if before1 == 0 { grams.insert(0) }
                grams.insert(value)
                if before1 != 0 { grams.insert(before1 | value << 21) }
                if before2 != 0 { grams.insert(before2 | before1 << 21 | value << 42) }
                (before2, before1) = (before1, value)
            }
        }
    }

    /// A text packed by `grams` (21 bits a scalar, each plus one), as a string.
    static func text(of gram: UInt64) -> String {
        var scalars = String.UnicodeScalarView()
        var rest = gram
        while rest != 0 {
            scalars.append(Unicode.Scalar(UInt32(rest & 0x1F_FFFF) - 1)!)
            rest >>= 21
        }
        return String(scalars)
    }
}
