/// How many users of a list hold each trigram of a text (`search_grams`' exact counts),
/// to narrow its search to the four characters whose two trigrams are found in the fewest
/// users together. Nil for texts that are not ASCII (their folding is the index's
/// business) or shorter than five characters (four would be the whole text). Only the
/// first `rarestFourWindows` trigrams are weighed, so a long text costs no more. A stale
/// count (a bulk load's pause) only makes a search slower. Each engine reads the counts.
public struct TrigramWeights: Sendable {
    public let text: String
    /// Where each weighed trigram starts in `text`, and how many users hold it.
    let starts: [String.UTF8View.Index]
    public let counts: [Int64]
    /// How many users the list holds, when the counts came with it (the empty gram).
    public let listSize: Int64?

    /// The distinct trigrams (ASCII lower case) whose counts weigh `text`, or nil when
    /// it is not weighed.
    public static func trigrams(of text: String) -> [String]? {
        let bytes = text.utf8
        guard bytes.count >= 5, bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
        return Array(Set(windows(of: text).map(\.trigram)))
    }

    private static func windows(of text: String) -> [(start: String.UTF8View.Index, trigram: String)] {
        let bytes = text.utf8
        return bytes.indices.dropLast(2).prefix(rarestFourWindows).map { start in
            (start, String(decoding: bytes[start..<bytes.index(start, offsetBy: 3)].map(asciiLowercased), as: UTF8.self))
        }
    }

    /// `counts`: users per trigram of `trigrams(of: text)` (a missing one counts 0).
    public init?(_ text: String, counts: [String: Int64]) {
        guard Self.trigrams(of: text) != nil else { return nil }
        let windows = Self.windows(of: text)
        self.text = text
        starts = windows.map(\.start)
        self.counts = windows.map { counts[$0.trigram, default: 0] }
        listSize = counts[""]
    }

    /// The ratio a statement that reads every match narrows at (both engines; see `rarestFour`).
    public static let narrowingRatio: Int64 = 8

    /// How many users the rarer trigram of the first four must be in before a second four
    /// is looked up too (`rarestFours`).
    public static let secondFourFrom: Int64 = 1_000

    /// The four characters whose two trigrams are rarest together, when the whole text
    /// holds a trigram at least `ratio` times as common as those two (0: always).
    ///
    /// Why a ratio of 8 for a statement that reads every match: the index seeks through a
    /// phrase's trigrams from the rarest, so a common one costs little unless it is very
    /// common; each row the four characters find costs a read and a confirmation (`instr`
    /// over the lowered columns), about 3 µs, which the whole text's rows do not need.
    /// Measured on 100,000 customers, counting the matches with the list's filter:
    /// `40@examp` (trigrams 1,000, 10,000, then 100,000 each) 9.2 ms whole, 3.4 ms as
    /// `40@e`; `20000` (100,000, 10,171, 10,171) 2.5 ms whole, 4.8 ms as `0000`; `eno C`
    /// 2.5 ms whole, 5.7 ms as `no C`.
    public func rarestFour(ratio: Int64) -> Substring? {
        rarestFours(ratio: ratio, most: 1).first
    }

    /// The rarest four characters as `rarestFour` picks them, then, when `most` allows,
    /// the next rarest four, when those first four may be in many users (the rarer of
    /// their two trigrams in more than `secondFourFrom`) and the next four's two trigrams
    /// are also at least `ratio` times rarer than the commonest (0: always, both). An
    /// index that looks up both finds only the rows holding both, and each row found
    /// costs a confirmation; but looking up a second four costs more than confirming a
    /// few rows. Measured, counting the matches with the list's filter: at 1,000,000
    /// customers `47101208` (99 matches) 1.75 ms as `0120` (1,299 rows found), 0.50 ms as
    /// `0120` and `1208` (120), and the 108 long texts of the benchmark's rotation not
    /// kept 47 ms in all with one four, 33 ms with two; at 100,000, `gen4242` in the users
    /// API 0.07 ms as `4242` (20 rows found), 0.12 ms as `4242` and `n424`.
    public func rarestFours(ratio: Int64, most: Int, where allowed: (Substring) -> Bool = { _ in true }) -> [Substring] {
        let pairs = pairCounts
        let commonest = counts.max() ?? 0
        let ranked = pairs.indices.sorted { (pairs[$0], $0) < (pairs[$1], $1) }
        let best = ranked[0]
        guard pairs[best] * ratio <= commonest else { return [] }
        let manyFound = ratio == 0 || min(counts[best], counts[best + 1]) > Self.secondFourFrom
        let four = { (index: Int) in text[starts[index]..<text.utf8.index(starts[index], offsetBy: 4)] }
        let first = four(best)
        // A four equal to the first (`abcdABCD`: the index folds case) would find nothing more.
        var others: [Substring] = []
        for index in ranked.dropFirst() where others.count < (manyFound ? max(most - 1, 0) : 0) {
            let next = four(index)
            if pairs[index] * ratio <= commonest, allowed(next), !next.lowercased().elementsEqual(first.lowercased()) { others.append(next) }
        }
        return [first] + others
    }
}

extension TrigramWeights {
    /// How many users hold the rarer trigram of the rarest four (`rarestFour`): at most
    /// that many hold the four.
    public var rarestFourBound: Int64 {
        let pairs = pairCounts
        let best = pairs.indices.min { (pairs[$0], $0) < (pairs[$1], $1) } ?? 0
        return min(counts[best], counts[best + 1])
    }

    /// Whether every weighed trigram is held by at least a quarter of a list of `listSize`
    /// users: the text is likely in many of them, and reading its matches one by one
    /// through an index costs more than testing every row. On PostgreSQL at 100,000
    /// customers `e.co.` (all 96,980 users) took about 260 ms read through the indexes;
    /// counted by a scan and its page walked, 40–70 ms. A text of common trigrams may
    /// still be rare, or its matches may cluster far down the list; it then costs a scan
    /// of the list. At a tenth instead of a quarter, texts in about 9,700 users took that
    /// way too: `7@exa` 147 → 65 ms, but `25471006`, whose matches cluster in one range
    /// of ids, 27–39 → 146 ms.
    public func allCommon(listSize: Int64) -> Bool {
        listSize > 0 && (counts.min() ?? 0) * 4 >= listSize
    }

    /// Each four's two trigrams' counts together, by the four's start (the ranking of
    /// `rarestFours`: fewest first, then the earliest).
    private var pairCounts: [Int64] {
        (0..<counts.count - 1).map { counts[$0] + counts[$0 + 1] }
    }
}

let rarestFourWindows = 32
