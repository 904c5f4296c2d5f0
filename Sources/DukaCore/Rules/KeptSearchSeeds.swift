/// The texts a big list should keep before anyone searches them: the commonest
/// substrings of a sample of its users.
///
/// A text that is not kept costs each of its matches at request time (about 1.3 µs a
/// match at 1,000,000 customers: `.co.ke` 0.4 s in the portal, 1.1 s in the users API),
/// and a search adopts it only after it was counted the slow way once. A shop's
/// commonest texts (its e-mail domains, its phone prefix, its commonest names) are the
/// costliest, and a sample finds them: at a start (`Storage.seedKeptSearches`, where
/// the engine adopts a batch at once: `seedsKeptSearchesAtStart`) and at the end of a
/// bulk load, a list of at least `seedFrom` users that keeps no text takes up to
/// `seeded` of them, the rest of `KeptSearch.capacity` left to the texts searches find.
public enum KeptSearchSeeds {
    /// Lists smaller than this are counted at request time quickly enough.
    public static let seedFrom: Int64 = 20_000
    /// Users sampled: a text in 0.2% of them (8 sampled users) is found.
    public static let sampleSize = 4_000
    /// Sampled users a text must be found in.
    static let minimumHits = 8
    /// Texts seeded per list, at most (half the capacity).
    public static let seeded = Int(KeptSearch.capacity / 2)

    /// A list's sample: each sampled user's searched columns (nil for NULL), and the list's size.
    public struct Sample: Sendable {
        public let rows: [[String?]]
        public let listSize: Int64
        public init(rows: [[String?]], listSize: Int64) {
            self.rows = rows
            self.listSize = listSize
        }
    }

    /// The texts worth keeping, commonest first, each with its estimated total. A text
    /// is counted once per sampled user (in any column); only texts `KeptSearch.keeps`
    /// are considered (4 to 64 printable ASCII characters, ASCII lower case). Grown a
    /// character at a time: a text of n + 1 characters can only be common if both its
    /// texts of n are, so each length looks only at those.
    public static func choose(_ sample: Sample, limit: Int = seeded, threshold: Int64 = KeptSearch.keptFrom) -> [(text: String, total: Int64)] {
        let sampled = sample.rows.count
        guard sampled > 0, sample.listSize > 0 else { return [] }
        // Hits needed for the estimate to reach the threshold (and never fewer than `minimumHits`).
        let needed = max(minimumHits, Int((Double(threshold) * Double(sampled) / Double(sample.listSize)).rounded(.up)))
        let columns: [[UInt8]] = sample.rows.flatMap { row in
            row.compactMap { $0.map { Array($0.utf8.map(asciiLowercased)) } }
        }
        // Which column belongs to which user (a text counts once per user).
        var owner: [Int] = []
        for (index, row) in sample.rows.enumerated() { owner += Array(repeating: index, count: row.compactMap { $0 }.count) }

        var chosen: [(text: ArraySlice<UInt8>, hits: Int)] = []
        var common: Set<ArraySlice<UInt8>> = []
        for length in 4...64 {
            var hits: [ArraySlice<UInt8>: (count: Int, lastUser: Int)] = [:]
            for (index, column) in columns.enumerated() where column.count >= length {
                let user = owner[index]
                for start in 0...(column.count - length) {
                    let text = column[start..<(start + length)]
                    guard text.allSatisfy({ (0x20...0x7E).contains($0) }) else { continue }
                    if length > 4 {
                        guard common.contains(text.dropLast()), common.contains(text.dropFirst()) else { continue }
                    }
                    let seen = hits[text]
                    if seen?.lastUser == user { continue }
                    hits[text] = ((seen?.count ?? 0) + 1, user)
                }
            }
            let kept = hits.filter { $0.value.count >= needed }
            guard !kept.isEmpty else { break }
            // (Slices compare and hash by their bytes, wherever they were cut.)
            common = Set(kept.keys)
            chosen += kept.map { ($0.key, $0.value.count) }
        }
        let named: [(text: String, hits: Int)] = chosen.map { (String(decoding: $0.text, as: UTF8.self), $0.hits) }
        let ranked = named.sorted { $0.hits != $1.hits ? $0.hits > $1.hits : $0.text < $1.text }.prefix(limit)
        let listSize = sample.listSize
        return ranked.map { (text: String, hits: Int) -> (text: String, total: Int64) in (text, Int64(hits) * listSize / Int64(sampled)) }
    }
}

extension Storage {
    /// Offers each big list's commonest texts to the adopter, when the list keeps none
    /// (a server's start; in the background, off the request path).
    public func seedKeptSearches(from: Int64 = KeptSearchSeeds.seedFrom) async throws {
        for list in [ShortSearch.List.users, .customers] {
            guard let sample = try await keptSearchSample(list, size: KeptSearchSeeds.sampleSize, from: from) else { continue }
            keptSearches.offer(KeptSearchSeeds.choose(sample, threshold: KeptSearch.threshold).map { (KeptSearch.Key(list: list, text: $0.text), $0.total) })
        }
    }
}
