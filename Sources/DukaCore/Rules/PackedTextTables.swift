/// Hash tables of packed texts (`SearchGramTally.grams`: up to three scalars in a
/// `UInt64`), for the tally's inner loop. Each user adds 100 to 200 texts to two or three
/// counts; with `Set` and `Dictionary` (SipHash) the hashing was most of a rebuild's time
/// (35 s at 1,000,000 customers). Open addressing with a multiplicative hash instead:
/// the keys are not chosen by an attacker (they come from the users already stored).

/// Texts seen, each once, emptied in O(1) between users.
struct PackedTextSet {
    private var keys: [UInt64]
    /// The pass a slot was filled in (`pass`): an older one is empty.
    private var stamps: [UInt32]
    private var pass: UInt32 = 1
    private var shift: UInt64
    /// The texts held, in the order they came.
    private(set) var members: [UInt64] = []

    init(capacity: Int = 512) {
        let bits = max(4, Int.bitWidth - (max(capacity, 8) - 1).leadingZeroBitCount)
        keys = Array(repeating: 0, count: 1 << bits)
        stamps = Array(repeating: 0, count: 1 << bits)
        shift = UInt64(64 - bits)
    }

    mutating func removeAll() {
        members.removeAll(keepingCapacity: true)
        pass &+= 1
        if pass == 0 {
            for index in stamps.indices { stamps[index] = 0 }
            pass = 1
        }
    }

    mutating func insert(_ key: UInt64) {
        let mask = keys.count - 1
        var index = packedTextSlot(key, shift: shift)
        while stamps[index] == pass {
            if keys[index] == key { return }
            index = (index + 1) & mask
        }
        keys[index] = key
        stamps[index] = pass
        members.append(key)
        if members.count * 2 > keys.count { grow() }
    }

    private mutating func grow() {
        let held = members
        self = PackedTextSet(capacity: keys.count * 2)
        for key in held { insert(key) }
    }
}

/// Users per text.
struct PackedTextCounts {
    private var keys: [UInt64]
    /// 0: an empty slot (a text held was counted at least once).
    private var counts: [Int64]
    private var shift: UInt64
    private(set) var count = 0

    init(capacity: Int = 1_024) {
        let bits = max(4, Int.bitWidth - (max(capacity, 8) - 1).leadingZeroBitCount)
        keys = Array(repeating: 0, count: 1 << bits)
        counts = Array(repeating: 0, count: 1 << bits)
        shift = UInt64(64 - bits)
    }

    mutating func add(_ key: UInt64, _ amount: Int64 = 1) {
        assert(amount > 0, "a count of 0 would read as an empty slot")
        let mask = keys.count - 1
        var index = packedTextSlot(key, shift: shift)
        while counts[index] != 0 {
            if keys[index] == key {
                counts[index] += amount
                return
            }
            index = (index + 1) & mask
        }
        keys[index] = key
        counts[index] = amount
        count += 1
        if count * 2 > keys.count { grow() }
    }

    /// Each text with its count, in no particular order.
    func forEach(_ body: (UInt64, Int64) throws -> Void) rethrows {
        for index in keys.indices where counts[index] != 0 { try body(keys[index], counts[index]) }
    }

    private mutating func grow() {
        var larger = PackedTextCounts(capacity: keys.count * 2)
        forEach { larger.add($0, $1) }
        self = larger
    }
}

/// Fibonacci hashing: the top bits of the key times 2^64 / φ.
@inline(__always)
private func packedTextSlot(_ key: UInt64, shift: UInt64) -> Int {
    Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
}
