/// Where the store keeps the tokens it has accepted recently, by a fingerprint of the token:
/// an in-memory index over a table the tokens are appended to in arrival order. A tree keyed by
/// the token's random text dirtied one page per accepted event (docs/PERFORMANCE.md, change 15);
/// an append dirties one page per ~40 events.
///
/// It never decides alone. `firstMatch` offers the rows whose fingerprint matches, newest
/// generation first, and the caller reads each row and compares the token itself; a row that is
/// not the token (a fingerprint collision, a row rolled back or purged since) is skipped. What the
/// index must do is not miss a row it was given before that row's expiry.
///
/// A token is the sender's, not a source's (SPEC §2): a lookup finds it whichever source took
/// it. Entries still live in generations, a chain of them per source that inserted them
/// (sources may keep tokens for different times), and a lookup probes every chain: one probe
/// per generation, a handful per source. A generation is sealed once it spans a quarter of its
/// first entry's lifetime (or is full), and dropped once every entry in it has expired, so
/// memory follows the tokens kept: about 1.25 × (accept rate × token lifetime) × 11–21 bytes,
/// per source.
/// Fingerprints come from `Hasher`, seeded per process; the store rebuilds the index from the
/// table at the first event it takes after opening.
public struct TokenIndex: Sendable {
    /// Slots of a generation at most (8 MiB); a full generation of this size is sealed.
    public static let maxSlots = 1 << 20
    static let initialSlots = 1 << 10
    /// A slot is `fingerprint << offsetBits | (rowID - base)`; 0 is empty.
    static let offsetBits: UInt64 = 24
    static let offsetLimit: Int64 = 1 << 24

    struct Generation: Sendable {
        var slots: [UInt64]
        let base: Int64
        let startedAt: Int64
        let sealAt: Int64
        var count = 0
        var latestExpiry: Int64

        init(slotCount: Int, base: Int64, now: Int64, expiresAt: Int64) {
            slots = Array(repeating: 0, count: slotCount)
            self.base = base
            startedAt = now
            let (lifetime, overflow) = expiresAt.subtractingReportingOverflow(now)
            let (seal, sealOverflow) = now.addingReportingOverflow(overflow ? .max / 4 : max(0, lifetime) / 4)
            sealAt = sealOverflow ? .max : seal
            latestExpiry = expiresAt
        }

        var mask: Int { slots.count - 1 }

        /// The first slot to probe for `fingerprint` (a function of the fingerprint alone, so a
        /// generation can grow without the tokens).
        func home(of fingerprint: UInt64) -> Int {
            Int(truncatingIfNeeded: (fingerprint &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask
        }

        mutating func place(_ slot: UInt64) {
            var position = home(of: slot >> TokenIndex.offsetBits)
            while slots[position] != 0 { position = (position + 1) & mask }
            slots[position] = slot
            count += 1
        }

        mutating func grow() {
            let old = slots
            slots = Array(repeating: 0, count: old.count * 2)
            count = 0
            for slot in old where slot != 0 { place(slot) }
        }
    }

    /// Per source, newest last.
    private var chains: [String: [Generation]] = [:]

    public init() {}

    /// Entries held, expired ones included until their generation is dropped.
    var count: Int { chains.values.joined().reduce(0) { $0 + $1.count } }

    /// Bytes of slot storage.
    var slotBytes: Int { chains.values.joined().reduce(0) { $0 + $1.slots.count * MemoryLayout<UInt64>.stride } }

    /// The generations holding `source`'s tokens, oldest first.
    func generations(of source: String) -> [Generation] { chains[source] ?? [] }

    /// The first row offered for which `matches` returns non-nil, and that value; nil when no
    /// row holds the token. Rows of every source's chain are offered (each chain newest
    /// generation first).
    public func firstMatch<T>(token: String, _ matches: (Int64) throws -> T?) rethrows -> T? {
        if chains.isEmpty { return nil }
        let fingerprint = Self.fingerprint(token: token)
        for generations in chains.values {
            if let found = try Self.firstMatch(fingerprint: fingerprint, in: generations, matches) { return found }
        }
        return nil
    }

    private static func firstMatch<T>(fingerprint: UInt64, in generations: [Generation], _ matches: (Int64) throws -> T?) rethrows -> T? {
        for generation in generations.reversed() {
            var position = generation.home(of: fingerprint)
            while true {
                let slot = generation.slots[position]
                if slot == 0 { break }
                if slot >> Self.offsetBits == fingerprint {
                    let rowID = generation.base + Int64(slot & UInt64(Self.offsetLimit - 1))
                    if let found = try matches(rowID) { return found }
                }
                position = (position + 1) & generation.mask
            }
        }
        return nil
    }

    /// Records that row `rowID` holds `token` until `expiresAt`, in `source`'s chain; `now` and
    /// `expiresAt` in the same unit (the store uses Unix ms).
    public mutating func insert(source: String, token: String, rowID: Int64, now: Int64, expiresAt: Int64) {
        let fingerprint = Self.fingerprint(token: token)
        chains[source, default: []].insertEntry(fingerprint: fingerprint, rowID: rowID, now: now, expiresAt: expiresAt)
    }

    /// Forgets generations whose every entry expired before `now`.
    public mutating func dropExpired(now: Int64) {
        // Called for every accept: look before writing (a write while iterating would copy).
        guard chains.values.contains(where: { $0.contains { $0.latestExpiry < now } }) else { return }
        for source in Array(chains.keys) {
            chains[source]!.removeAll { $0.latestExpiry < now }
            if chains[source]!.isEmpty { chains[source] = nil }
        }
    }

    /// Forgets everything (the store reloads the index from the table).
    public mutating func removeAll() {
        chains.removeAll()
    }

    /// 40 bits of a per-process keyed hash of the token; never 0.
    static func fingerprint(token: String) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(token)
        let value = UInt64(bitPattern: Int64(hasher.finalize())) >> Self.offsetBits
        return value == 0 ? 1 : value
    }
}

extension [TokenIndex.Generation] {
    /// Adds an entry to the newest generation, starting a new one when needed.
    mutating func insertEntry(fingerprint: UInt64, rowID: Int64, now: Int64, expiresAt: Int64) {
        if needsNewGeneration(rowID: rowID, now: now) {
            append(TokenIndex.Generation(slotCount: TokenIndex.initialSlots, base: rowID, now: now, expiresAt: expiresAt))
        }
        let last = count - 1
        if (self[last].count + 1) * 4 > self[last].slots.count * 3 { self[last].grow() }
        self[last].place(fingerprint << TokenIndex.offsetBits | UInt64(rowID - self[last].base))
        self[last].latestExpiry = Swift.max(self[last].latestExpiry, expiresAt)
    }

    private func needsNewGeneration(rowID: Int64, now: Int64) -> Bool {
        guard let current = last else { return true }
        let full = current.slots.count >= TokenIndex.maxSlots && (current.count + 1) * 4 > current.slots.count * 3
        // A row below the base (rows rolled back and numbered again) or too far above it cannot
        // be stored as an offset.
        let outOfRange = rowID < current.base || rowID - current.base >= TokenIndex.offsetLimit
        return full || outOfRange || now >= current.sealAt && now > current.startedAt
    }
}
