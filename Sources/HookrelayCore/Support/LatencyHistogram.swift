/// A small fixed histogram of attempt latencies, kept per destination and minute for the charts
/// and `GET /admin/api/series` (SPEC §12): p50 and p99 come from the buckets, not from every
/// attempt, so a minute costs the same whatever its traffic.
///
/// Buckets are log-spaced, about 10 per decade (1-2-2.5-3.2-4-5-6.3-8 ms and so on) from 1 ms to
/// 630 s, plus one for anything longer: a quantile is reported as the upper bound of the bucket it
/// falls in, capped at the slowest attempt of the minute, so it is never below the true value and
/// at most about a third above it from 10 ms up (below, at most 2 ms). Stored as little-endian 32-bit counts
/// (`bytes`, `init(bytes:)`).
public struct LatencyHistogram: Sendable, Equatable {
    /// Upper bounds (inclusive) of the buckets, in milliseconds; the last bucket is above the last bound.
    public static let bounds: [Int64] = [
        1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20, 25, 32, 40, 50, 63, 80,
        100, 130, 160, 200, 250, 320, 400, 500, 630, 800,
        1000, 1300, 1600, 2000, 2500, 3200, 4000, 5000, 6300, 8000,
        10_000, 13_000, 16_000, 20_000, 25_000, 32_000, 40_000, 50_000, 63_000, 80_000,
        100_000, 130_000, 160_000, 200_000, 250_000, 320_000, 400_000, 500_000, 630_000,
    ]
    /// `bounds.count` buckets and the one above them.
    public static let bucketCount = bounds.count + 1

    /// Attempts per bucket.
    public private(set) var counts: [UInt32]
    /// The slowest attempt counted, in ms; nil when none was.
    public private(set) var maxMillis: Int64?

    public init() {
        counts = [UInt32](repeating: 0, count: Self.bucketCount)
        maxMillis = nil
    }

    /// A histogram read back from `bytes` (as `bytes` wrote them) and the minute's slowest
    /// attempt. Fewer bytes than buckets leave the rest at zero; extra bytes are ignored.
    public init(bytes: [UInt8], maxMillis: Int64?) {
        self.init()
        let stored = min(Self.bucketCount, bytes.count / 4)
        for index in 0..<stored {
            let offset = index * 4
            counts[index] = UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
        }
        self.maxMillis = maxMillis
    }

    /// The counts as little-endian 32-bit words, one per bucket.
    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(Self.bucketCount * 4)
        for count in counts {
            out.append(UInt8(truncatingIfNeeded: count))
            out.append(UInt8(truncatingIfNeeded: count >> 8))
            out.append(UInt8(truncatingIfNeeded: count >> 16))
            out.append(UInt8(truncatingIfNeeded: count >> 24))
        }
        return out
    }

    /// Attempts counted.
    public var total: Int { counts.reduce(0) { $0 + Int($1) } }

    /// The bucket of a latency of `millis`.
    public static func bucket(millis: Int64) -> Int {
        // Binary search for the first bound >= millis.
        var low = 0, high = bounds.count
        while low < high {
            let middle = (low + high) / 2
            if bounds[middle] >= millis { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// Counts one attempt that took `millis`.
    public mutating func add(millis: Int64) {
        let value = max(0, millis)
        let index = Self.bucket(millis: value)
        counts[index] &+= 1
        maxMillis = Swift.max(maxMillis ?? 0, value)
    }

    /// Adds another histogram's counts (the same minute, counted elsewhere).
    public mutating func merge(_ other: LatencyHistogram) {
        for index in counts.indices { counts[index] &+= other.counts[index] }
        if let otherMax = other.maxMillis { maxMillis = Swift.max(maxMillis ?? 0, otherMax) }
    }

    /// The `q` quantile (0 < q ≤ 1) by nearest rank: the upper bound of the bucket holding the
    /// attempt of rank ⌈q·n⌉, capped at `maxMillis` (the slowest attempt's bucket has no upper
    /// bound of its own past the last one). Nil when nothing was counted.
    public func quantile(_ q: Double) -> Int64? {
        let total = self.total
        guard total > 0 else { return nil }
        let rank = max(1, Int((q * Double(total)).rounded(.up)))
        var cumulative = 0
        for (index, count) in counts.enumerated() {
            cumulative += Int(count)
            if cumulative >= rank {
                let bound = index < Self.bounds.count ? Self.bounds[index] : Int64.max
                return min(bound, maxMillis ?? bound)
            }
        }
        return maxMillis
    }
}
