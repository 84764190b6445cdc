import Testing
@testable import HookrelayCore

/// The per-minute latency buckets behind p50/p99 on the charts and `GET /admin/api/series` (SPEC §12).
@Suite("LatencyHistogram")
struct LatencyHistogramTests {
    @Test("a latency goes in the first bucket whose bound is at or above it")
    func buckets() {
        #expect(LatencyHistogram.bucket(millis: 0) == 0)
        #expect(LatencyHistogram.bucket(millis: 1) == 0)
        #expect(LatencyHistogram.bucket(millis: 2) == 1)
        #expect(LatencyHistogram.bounds[LatencyHistogram.bucket(millis: 26)] == 32)
        #expect(LatencyHistogram.bounds[LatencyHistogram.bucket(millis: 1000)] == 1000)
        #expect(LatencyHistogram.bucket(millis: 630_001) == LatencyHistogram.bounds.count, "past the last bound: the overflow bucket")
        #expect(zip(LatencyHistogram.bounds, LatencyHistogram.bounds.dropFirst()).allSatisfy { $0 < $1 }, "bounds rise")
        // Resolution: from 10 ms on, a bucket spans at most a third more than its lower bound.
        #expect(zip(LatencyHistogram.bounds, LatencyHistogram.bounds.dropFirst()).allSatisfy { $0 < 10 || Double($1) / Double($0) <= 1.34 })
    }

    @Test("p50 and p99 by nearest rank: the bucket's upper bound, capped at the slowest attempt")
    func quantiles() {
        var histogram = LatencyHistogram()
        #expect(histogram.quantile(0.5) == nil, "nothing counted")
        for millis: Int64 in [10, 10, 10, 11, 45, 45, 47, 120, 120, 3000] { histogram.add(millis: millis) }
        #expect(histogram.total == 10)
        #expect(histogram.quantile(0.5) == 50, "5th of 10 is 45 ms: bucket 40–50")
        #expect(histogram.quantile(0.99) == 3000, "10th is 3000 ms: bucket 2500–3200, capped at the max")
        #expect(histogram.quantile(0.3) == 10)
        var slow = LatencyHistogram()
        slow.add(millis: 900_000)
        #expect(slow.quantile(0.5) == 900_000, "the overflow bucket reports the slowest attempt")
    }

    @Test("bytes round-trip; merge adds counts and keeps the larger max; short bytes read as zeros")
    func storage() {
        var a = LatencyHistogram()
        a.add(millis: 5)
        a.add(millis: 70_000)
        let back = LatencyHistogram(bytes: a.bytes, maxMillis: a.maxMillis)
        #expect(back == a)
        #expect(a.bytes.count == LatencyHistogram.bucketCount * 4)
        var b = LatencyHistogram()
        b.add(millis: 5)
        b.merge(a)
        #expect(b.total == 3)
        #expect(b.maxMillis == 70_000)
        #expect(b.counts[LatencyHistogram.bucket(millis: 5)] == 2)
        #expect(LatencyHistogram(bytes: [1, 0, 0, 0], maxMillis: 1).total == 1)
    }

    @Test("pretty JSON reads back as the same value")
    func prettyJSON() throws {
        let text = #"{"a":[1,{"b":"x\"y\n"}],"c":{},"d":[],"e":null}"#
        let value = try JSONParser.parse(Array(text.utf8))
        let pretty = JSONPrettyWriter.text(value)
        #expect(pretty.contains("\n  \"a\": [\n    1,"))
        #expect(try JSONParser.parse(Array(pretty.utf8)) == value)
    }
}
