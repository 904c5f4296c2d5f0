import Synchronization
import Testing

@testable import DukaCore
@testable import DukaSQLite
import DukaAssets

@Suite struct FixedPointTests {
    @Test func parsesMoneyAndQuantities() {
        #expect(FixedPoint.parse("100", places: 2) == 10_000)
        #expect(FixedPoint.parse("100.5", places: 2) == 10_050)
        #expect(FixedPoint.parse("0.01", places: 2) == 1)
        #expect(FixedPoint.parse("2.5", places: 3) == 2_500)
        #expect(FixedPoint.parse("0.001", places: 3) == 1)
        for bad in ["", ".5", "5.", "-1", "+1", "1e3", "1.234", "1,5", " 1", "abc", "99999999999999999999"] {
            #expect(FixedPoint.parse(bad, places: 2) == nil, "\(bad)")
        }
    }

    @Test func formatsWithFixedPlaces() {
        #expect(FixedPoint.money(10_000) == "100.00")
        #expect(FixedPoint.money(5) == "0.05")
        #expect(FixedPoint.quantity(2_000) == "2.000")
        #expect(FixedPoint.quantity(333) == "0.333")
    }

    @Test func lineTotalsRoundHalfUpInIntegers() {
        #expect(FixedPoint.lineTotal(unitPriceCents: 3333, quantityMilli: 2500) == 8333)  // 83.325 -> 83.33
        #expect(FixedPoint.lineTotal(unitPriceCents: 3333, quantityMilli: 333) == 1110)  // 11.09889 -> 11.10
        #expect(FixedPoint.lineTotal(unitPriceCents: 10_000, quantityMilli: 2000) == 20_000)
        #expect(FixedPoint.lineTotal(unitPriceCents: 1, quantityMilli: 500) == 1)  // 0.005 -> 0.01
        #expect(FixedPoint.lineTotal(unitPriceCents: 1, quantityMilli: 499) == 0)
        #expect(FixedPoint.lineTotal(unitPriceCents: .max, quantityMilli: 2) == nil)
    }
}

@Suite struct TimestampTests {
    @Test func formatsAndParsesISO8601() {
        #expect(Timestamp.iso8601(0) == "1970-01-01T00:00:00Z")
        #expect(Timestamp.iso8601(1_736_937_000) == "2025-01-15T10:30:00Z")
        #expect(Timestamp.iso8601(951_782_400) == "2000-02-29T00:00:00Z")
        #expect(Timestamp.parseISO8601("2025-01-15T10:30:00Z") == 1_736_937_000)
        #expect(Timestamp.parseISO8601("2025-01-15 10:30:00") == nil)
        #expect(Timestamp.parseISO8601("2025-13-15T10:30:00Z") == nil)
        for seconds: Int64 in [0, 59, 86_399, 86_400, 1_000_000_000, 4_102_444_800] {
            #expect(Timestamp.parseISO8601(Timestamp.iso8601(seconds)) == seconds)
        }
    }

    /// The byte writer pads each field and keeps wider years whole.
    @Test func writesEdgeTimes() {
        #expect(Timestamp.iso8601(-1) == "1969-12-31T23:59:59Z")
        #expect(Timestamp.iso8601(253_402_300_799) == "9999-12-31T23:59:59Z")
        #expect(Timestamp.iso8601(253_402_300_800) == "10000-01-01T00:00:00Z")
        #expect(Timestamp.iso8601(-62_135_596_800) == "0001-01-01T00:00:00Z")
        var bytes: [UInt8] = Array("x".utf8)
        Timestamp.appendISO8601(1_736_937_000, to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "x2025-01-15T10:30:00Z")
        // Every second of a day and every day of four years round-trip.
        for seconds in stride(from: Int64(1_700_000_000), to: 1_700_086_400, by: 7) {
            #expect(Timestamp.parseISO8601(Timestamp.iso8601(seconds)) == seconds)
        }
        for day in Int64(19_000)..<Int64(20_461) {
            #expect(Timestamp.parseISO8601(Timestamp.iso8601(day * 86_400 + 43_210)) == day * 86_400 + 43_210)
        }
    }
}

@Suite struct JSONTests {
    @Test func parsesStrictJSON() throws {
        let value = try JSON.parse(#" {"a": [1, -2.5e3, true, false, null], "b": "x\"\\\/\n\u00e9\ud83d\ude00"} "#)
        #expect(value["a"] == .array([.number("1"), .number("-2.5e3"), .bool(true), .bool(false), .null]))
        #expect(value["b"] == .string("x\"\\/\né😀"))
    }

    @Test func refusesMalformedJSON() {
        for bad in ["", "{", "{\"a\":}", "[1,]", "{\"a\":1,}", "01", "1.", "-", "'a'", "{a:1}", "\"\\x\"", "\"\\ud800\"",
                    "nul", "[1] 2", "\"a\nb\"", String(repeating: "[", count: 100) + String(repeating: "]", count: 100)] {
            #expect(throws: JSONParseError.self, "\(bad)") { try JSON.parse(bad) }
        }
        #expect(throws: JSONParseError.self) { try JSON.parse([0x22, 0xFF, 0x22]) }
    }

    @Test func writesSortedCompactJSON() throws {
        let value: JSON = .object(["b": .int(1), "a": .array([.string("q\"\n\u{1}"), .null]), "c": .bool(true)])
        #expect(String(decoding: value.encoded(), as: UTF8.self) == #"{"a":["q\"\n\u0001",null],"b":1,"c":true}"#)
        #expect(try JSON.parse(value.encoded()) == value)
    }
}

@Suite struct RuleTests {
    @Test func usernames() {
        #expect(UserRules.username("abc") == nil)
        #expect(UserRules.username("a.b_c-D9") == nil)
        #expect(UserRules.username("ab") != nil)
        #expect(UserRules.username(String(repeating: "a", count: 50)) == nil)
        #expect(UserRules.username(String(repeating: "a", count: 51)) != nil)
        #expect(UserRules.username("wanjikü") != nil)
        #expect(UserRules.username("a b c") != nil)
    }

    @Test func emails() {
        #expect(UserRules.email("a@b.co") == nil)
        #expect(UserRules.email("first.last+tag@shop.co.ke") == nil)
        for bad in ["plain", "a@b", "@b.co", "a@@b.co", "a b@c.co", "a@-b.co", "a@b..co"] {
            #expect(UserRules.email(bad) != nil, "\(bad)")
        }
        let hundred = String(repeating: "a", count: 60) + "@" + String(repeating: "b", count: 35) + ".com"
        #expect(hundred.count == 100)
        #expect(UserRules.email(hundred) == nil)
        #expect(UserRules.email("a" + hundred) == "must be at most 100 characters")
        #expect(UserRules.email(String(repeating: "a", count: 65) + "@b.co") != nil)
    }

    @Test func phones() {
        #expect(UserRules.phoneNumber("+254712345678") == nil)
        for bad in ["0712345678", "+0712345678", "+2547 1234", "254712345678", "+1234567", "+1234567890123456"] {
            #expect(UserRules.phoneNumber(bad) != nil, "\(bad)")
        }
    }
}

/// The multi-text matcher behind batched adoption, and the sample's choice of texts.
@Suite struct KeptSearchSeedTests {
    @Test func matcherFindsWhatASearchFinds() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("abAB.@ 1")
        for _ in 0..<200 {
            let texts = Array(Set((0..<Int.random(in: 1...12, using: &rng)).map { _ in
                String((0..<Int.random(in: 1...5, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }).lowercased()
            }))
            let matcher = TextMatcher(texts)
            for _ in 0..<20 {
                let haystack = String((0..<Int.random(in: 0...30, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }) + "é" + "ab"
                var found = Set<Int>()
                matcher.forEachMatch(in: haystack.utf8) { found.insert($0) }
                let expected = Set(texts.indices.filter { haystack.lowercased().contains(texts[$0]) })
                #expect(found == expected, "\(texts) in \(haystack)")
            }
        }
    }

    @Test func aByteOutsidePrintableASCIIEndsAMatch() {
        let matcher = TextMatcher(["ab"])
        var found = 0
        matcher.forEachMatch(in: Array("a".utf8) + [0x09] + Array("b".utf8)) { _ in found += 1 }
        #expect(found == 0)
        matcher.forEachMatch(in: "xAB".utf8) { _ in found += 1 }
        #expect(found == 1)
    }

    @Test func theCommonestTextsAreChosenWithTheirEstimates() {
        // 100 sampled users of a list of 10,000: every one at example.co.ke, one in four a Kamau.
        let rows: [[String?]] = (0..<100).map { index in
            [index % 4 == 0 ? "Kamau Otieno" : "Njeri Wanjiru", "user\(index)@Example.co.ke", nil]
        }
        let chosen = KeptSearchSeeds.choose(.init(rows: rows, listSize: 10_000), limit: 1_000, threshold: 250)
        let totals = Dictionary(uniqueKeysWithValues: chosen.map { ($0.text, $0.total) })
        #expect(totals["@example.co.ke"] == 10_000)
        #expect(totals["example"] == 10_000)
        #expect(totals["kamau"] == 2_500)
        #expect(totals["kamau otieno"] == 2_500)
        #expect(totals["user1"] == 1_100)  // user1, user10...user19
        #expect(totals["user42"] == nil)  // one sampled user: below the hits needed
        #expect(chosen.allSatisfy { KeptSearch.keeps($0.text) && $0.text == $0.text.lowercased() })
        // Commonest first, ties by text.
        #expect(chosen.first?.total == 10_000)
        #expect(zip(chosen, chosen.dropFirst()).allSatisfy { $0.total > $1.total || ($0.total == $1.total && $0.text < $1.text) })
        #expect(KeptSearchSeeds.choose(.init(rows: rows, listSize: 10_000), limit: 3, threshold: 250).count == 3)
    }

    /// Both lists' seeds are adopted whole, also when the second list's come while the
    /// first list's still wait (CI once lost half the customers' seeds to the queue's limit).
    @Test func seedsOfBothListsAreAllAdopted() async {
        let gate = Mutex(false)
        let adopted = Mutex([KeptSearch.Key]())
        let adopter = KeptSearchAdopter { texts in
            // Held until both offers are queued: the worker may not take the first batch alone.
            while !gate.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(1)) }
            adopted.withLock { $0 += texts.map(\.key) }
        }
        let seeds = { (list: ShortSearch.List) in
            (0..<KeptSearchSeeds.seeded).map { (key: KeptSearch.Key(list: list, text: "text\($0)"), total: Int64(1_000 - $0)) }
        }
        let found = { (index: Int) in
            adopter.found(KeptSearch("found\(index)", list: .users, buckets: [0])!, total: KeptSearch.threshold)
        }
        // A search's text keeps the worker busy (held) while both lists' seeds queue up.
        found(0)
        adopter.offer(seeds(.users))
        adopter.offer(seeds(.customers))
        // Searches' texts still wait in a bounded queue (full already: none of these).
        for index in 1...(2 * KeptSearchAdopter.queueLimit) { found(index) }
        gate.withLock { $0 = true }
        await adopter.settle()
        let keys = adopted.withLock { $0 }
        #expect(keys.filter { $0.text.hasPrefix("text") }.count == 2 * KeptSearchSeeds.seeded)
        #expect(keys.filter { $0.list == .customers }.count == KeptSearchSeeds.seeded)
        #expect(keys.filter { $0.text.hasPrefix("found") }.map(\.text) == ["found0"])
        #expect(Set(keys).count == keys.count)
    }
}

/// The tally's hash tables against `Set` and `Dictionary`, through growth and many passes.
@Suite struct PackedTextTableTests {
    @Test func theSetHoldsEachTextOnceAndEmptiesBetweenPasses() {
        var rng = SystemRandomNumberGenerator()
        var set = PackedTextSet(capacity: 8)
        for pass in 0..<300 {
            set.removeAll()
            var expected: [UInt64] = []
            var seen = Set<UInt64>()
            // Small keys collide often; some passes outgrow the table.
            for _ in 0..<(pass % 7 == 0 ? 2_000 : Int.random(in: 0...60, using: &rng)) {
                let key = pass % 2 == 0 ? UInt64.random(in: 0...200, using: &rng) : UInt64.random(in: 0...UInt64.max, using: &rng)
                set.insert(key)
                if seen.insert(key).inserted { expected.append(key) }
            }
            #expect(set.members == expected)
        }
    }

    @Test func theCountsMatchADictionary() {
        var rng = SystemRandomNumberGenerator()
        var counts = PackedTextCounts(capacity: 8)
        var expected: [UInt64: Int64] = [:]
        for _ in 0..<50_000 {
            let key = UInt64.random(in: 0...5_000, using: &rng) << (Bool.random(using: &rng) ? 0 : 42)
            let amount = Int64.random(in: 1...3, using: &rng)
            counts.add(key, amount)
            expected[key, default: 0] += amount
        }
        var found: [UInt64: Int64] = [:]
        counts.forEach { found[$0] = $1 }
        #expect(found == expected)
        #expect(counts.count == expected.count)
    }
}

@Suite struct TrigramWeightsTests {
    /// The counts of `47101208`'s trigrams among 1,000,000 generated customers.
    let phone = TrigramWeights("47101208", counts: ["471": 1_000_000, "710": 1_000_000, "101": 102_691, "012": 13_979, "120": 3_999, "208": 103_699])!

    @Test func theRarestFourIsTheRarestPairOfTrigrams() {
        #expect(phone.rarestFour(ratio: 8) == "0120")
        #expect(phone.rarestFours(ratio: 8, most: 1) == ["0120"])
    }

    @Test func aSecondFourIsLookedUpOnlyWhenItIsRareToo() {
        // `1208` (120 + 208: 107,698) is a ninth of the commonest; `0120` (17,978) first.
        #expect(phone.rarestFours(ratio: 8, most: 2) == ["0120", "1208"])
        #expect(phone.rarestFours(ratio: 10, most: 2) == ["0120"])
        // Nothing rare enough: no narrowing at all.
        #expect(phone.rarestFours(ratio: 100, most: 2).isEmpty)
        #expect(phone.rarestFour(ratio: 100) == nil)
        // The first four's rarer trigram in 1,000 users or fewer: its rows are few, one four.
        let few = TrigramWeights("gen4242", counts: ["gen": 100_000, "en4": 11_111, "n42": 1_111, "424": 399, "242": 399])!
        #expect(few.rarestFours(ratio: 8, most: 2) == ["4242"])
        #expect(few.rarestFours(ratio: 0, most: 2) == ["4242", "n424"])
        // A second four equal to the first (case folded) is not looked up twice.
        let twice = TrigramWeights("abcdABCD", counts: ["abc": 5_000, "bcd": 5_000, "cda": 900_000, "dab": 900_000])!
        #expect(twice.rarestFours(ratio: 8, most: 2) == ["abcd"])
        // Ties go to the earlier four, as `rarestFour` does.
        let even = TrigramWeights("abcdef", counts: ["abc": 5, "bcd": 5, "cde": 5, "def": 5])!
        #expect(even.rarestFours(ratio: 0, most: 2) == ["abcd", "bcde"])
    }

    /// A text is common when every weighed trigram is in at least a quarter of the list.
    @Test func aTextIsCommonWhenEachOfItsTrigramsIs() {
        let domain = TrigramWeights("e.co.", counts: ["e.c": 96_980, ".co": 100_000, "co.": 97_001])!
        #expect(domain.allCommon(listSize: 100_000))
        #expect(domain.allCommon(listSize: 387_920))
        #expect(!domain.allCommon(listSize: 387_921))
        #expect(!domain.allCommon(listSize: 0))
        // One trigram in fewer users is enough to look the text up through the indexes.
        #expect(!phone.allCommon(listSize: 1_000_000))
        let rare = TrigramWeights("e.cox", counts: ["e.c": 96_980, ".co": 100_000])!
        #expect(!rare.allCommon(listSize: 100_000))
    }
}
