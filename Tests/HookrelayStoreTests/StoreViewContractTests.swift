import Foundation
import HookrelayCore
import HookrelayStore
import HookrelayTestSupport
import Testing

/// What any `RelayStore` must do for the operator's views (SPEC §12, `OperatorViewStore`): the
/// per-minute attempt series written by `record`, queue depth samples and their trim, the event
/// explorer's search and event page. Parameterised by `StoreKind` like `StoreContractTests`.
@Suite("Store contract: operator views")
struct StoreViewContractTests {
    static let now = StoreContractTests.now
    /// The start of the minute holding `now`.
    static let minute = SeriesMinute.start(of: now)

    static func record(_ delivery: ClaimedDelivery, state: DeliveryState, status: Int?, at time: Int64, latency: Int64?, attempt: Int = 1) -> AttemptRecord {
        var record = StoreContractTests.record(delivery, attempt: attempt, state: state, next: state == .retrying ? time + 600_000 : nil, status: status, at: time)
        record.latencyMillis = latency
        return record
    }

    @Test("record counts each outcome in its destination's minute, with p50/p99 from the latency buckets", arguments: StoreKind.testable)
    func attemptSeries(kind: StoreKind) async throws {
        try await StoreContractTests.withStore(kind) { store async throws in
            for index in 0..<6 { _ = await store.accept(StoreContractTests.request(id: "e\(index)", urls: ["http://crm.test/a"])) }
            _ = await store.accept(StoreContractTests.request(id: "other", urls: ["http://crm.test/a", "http://app.test/b"]))
            let claimed = try store.claimDue(destination: "d0", now: Self.now, limit: 10).get()
            #expect(claimed.count == 7)
            // Minute m: 3 delivered (12, 40, 900 ms), 1 retrying (30 ms), 1 rejected (no latency: never sent).
            // Minute m+2: 1 dead (7 ms). Recorded together, as a batch would be, and one apart.
            async let a = store.record(Self.record(claimed[0], state: .delivered, status: 200, at: Self.minute + 1_000, latency: 12))
            async let b = store.record(Self.record(claimed[1], state: .delivered, status: 200, at: Self.minute + 2_000, latency: 40))
            async let c = store.record(Self.record(claimed[2], state: .retrying, status: 500, at: Self.minute + 3_000, latency: 30))
            _ = try await (a.get(), b.get(), c.get())
            try await store.record(Self.record(claimed[3], state: .delivered, status: 200, at: Self.minute + 59_999, latency: 900)).get()
            try await store.record(Self.record(claimed[4], state: .rejected, status: 406, at: Self.minute + 4_000, latency: nil)).get()
            try await store.record(Self.record(claimed[5], state: .dead, status: 500, at: Self.minute + 120_000, latency: 7)).get()

            let series = try store.attemptSeries(destination: "d0", since: Self.minute - 3_600_000, limit: 100)
            #expect(series.map(\.minute) == [Self.minute, Self.minute + 120_000], "one item per minute that had attempts, oldest first")
            let first = try #require(series.first)
            #expect((first.delivered, first.failed, first.rejected) == (3, 1, 1))
            #expect(first.latency.total == 4, "the rejected attempt never went out: no latency")
            // Ranks of [12, 30, 40, 900]: p50 = 2nd (30 ms, in the 25–32 bucket: 32), p99 = 4th (900 ms, bucket 800–1000, capped at the max 900).
            #expect(first.p50Millis == 32)
            #expect(first.p99Millis == 900)
            let last = try #require(series.last)
            #expect((last.delivered, last.failed, last.rejected) == (0, 1, 0))
            #expect(last.p50Millis == 7 && last.p99Millis == 7, "one attempt: its own latency (the max caps the bucket's bound)")

            #expect(try store.attemptSeries(destination: "d0", since: Self.minute + 60_000, limit: 100).map(\.minute) == [Self.minute + 120_000], "from since's minute on")
            #expect(try store.attemptSeries(destination: "d0", since: 0, limit: 1).map(\.minute) == [Self.minute], "at most the limit, oldest first")
            #expect(try store.attemptSeries(destination: "d1", since: 0, limit: 100).isEmpty, "other destinations apart")
        }
    }

    @Test("queue depths count pending and retrying per destination; samples replace within a minute and are trimmed", arguments: StoreKind.testable)
    func queueDepth(kind: StoreKind) async throws {
        try await StoreContractTests.withStore(kind) { store async throws in
            for index in 0..<3 { _ = await store.accept(StoreContractTests.request(id: "e\(index)")) }
            let claimed = try store.claimDue(destination: "d0", now: Self.now, limit: 1).get()
            try await store.record(Self.record(claimed[0], state: .delivered, status: 200, at: Self.now, latency: 5)).get()
            #expect(try store.queueDepths() == ["d0": 2, "d1": 3])

            try await store.recordQueueDepths(["d0": 5, "d1": 1], now: Self.minute + 5_000, keepSince: 0).get()
            try await store.recordQueueDepths(["d0": 4], now: Self.minute + 50_000, keepSince: 0).get()
            try await store.recordQueueDepths(["d0": 2], now: Self.minute + 60_000, keepSince: 0).get()
            #expect(try store.queueDepthSeries(destination: "d0", since: 0, limit: 10) == [
                QueueDepthSample(minute: Self.minute, depth: 4), QueueDepthSample(minute: Self.minute + 60_000, depth: 2),
            ])
            #expect(try store.queueDepthSeries(destination: "d1", since: 0, limit: 10) == [QueueDepthSample(minute: Self.minute, depth: 1)])

            // A day later: what is older than keepSince goes, samples and attempt minutes alike.
            let later = Self.minute + 86_400_000
            try await store.recordQueueDepths(["d0": 0], now: later, keepSince: Self.minute + 60_000).get()
            #expect(try store.queueDepthSeries(destination: "d0", since: 0, limit: 10).map(\.minute) == [Self.minute + 60_000, later])
            #expect(try store.queueDepthSeries(destination: "d1", since: 0, limit: 10).isEmpty)
            #expect(try store.attemptSeries(destination: "d0", since: 0, limit: 10).isEmpty, "the attempt minute before keepSince is gone")
        }
    }

    @Test("findEvents: by id, by destination and state, by time range, newest first, bounded", arguments: StoreKind.testable)
    func findEvents(kind: StoreKind) async throws {
        try await StoreContractTests.withStore(kind) { store async throws in
            for index in 0..<5 {
                _ = await store.accept(StoreContractTests.request(id: "e\(index)", at: Self.now + Int64(index) * 1000))
            }
            let claimed = try store.claimDue(destination: "d0", now: Self.now + 10_000, limit: 10).get()
            let e1 = try #require(claimed.first { $0.eventID == "e1" }), e3 = try #require(claimed.first { $0.eventID == "e3" })
            try await store.record(Self.record(e1, state: .dead, status: 500, at: Self.now + 20_000, latency: 5)).get()
            try await store.record(Self.record(e3, state: .dead, status: 500, at: Self.now + 20_000, latency: 5)).get()

            let byID = try store.findEvents(EventQuery(id: "e2"))
            #expect(byID.events.map(\.id) == ["e2"])
            #expect(byID.events.first?.deliveries.count == 2, "by id: every delivery")
            #expect(try store.findEvents(EventQuery(id: "nope")).events.isEmpty)

            let dead = try store.findEvents(EventQuery(destination: "d0", state: "dead"))
            #expect(dead.events.map(\.id) == ["e3", "e1"], "newest first")
            #expect(dead.events.allSatisfy { $0.deliveries.map(\.destination) == ["d0"] }, "only the deliveries that matched")
            #expect(!dead.scanLimitReached)

            let range = try store.findEvents(EventQuery(since: Self.now + 1000, until: Self.now + 3000))
            #expect(range.events.map(\.id) == ["e2", "e1"], "since inclusive, until exclusive")
            #expect(try store.findEvents(EventQuery(limit: 2)).events.map(\.id) == ["e4", "e3"], "at most the limit")

            let capped = try store.findEvents(EventQuery(state: "dead", scanLimit: 2))
            #expect(capped.events.map(\.id) == ["e3"], "only the newest scanLimit events are looked at")
            #expect(capped.scanLimitReached)
        }
    }

    @Test("eventDetail: the body, each delivery's times and the event's failed attempts, oldest first", arguments: StoreKind.testable)
    func eventDetail(kind: StoreKind) async throws {
        try await StoreContractTests.withStore(kind) { store async throws in
            _ = await store.accept(StoreContractTests.request(id: "e1"))
            _ = await store.accept(StoreContractTests.request(id: "e2", urls: ["http://crm.test/a"]))
            let claimed = try store.claimDue(destination: "d0", now: Self.now, limit: 10).get()
            let first = try #require(claimed.first { $0.eventID == "e1" }), other = try #require(claimed.first { $0.eventID == "e2" })
            try await store.record(Self.record(first, state: .retrying, status: 502, at: Self.now + 1_000, latency: 3)).get()
            try await store.record(Self.record(other, state: .dead, status: 500, at: Self.now + 2_000, latency: 3)).get()
            let second = try #require(try store.claimDue(destination: "d0", now: Self.now + 700_000, limit: 10).get().first { $0.eventID == "e1" })
            try await store.record(Self.record(second, state: .dead, status: 503, at: Self.now + 700_000, latency: 3, attempt: 2)).get()

            let detail = try #require(try store.eventDetail(id: "e1", attemptLimit: 10))
            #expect(detail.record.id == "e1")
            #expect(detail.contentType == "application/json")
            #expect(String(decoding: detail.body, as: UTF8.self) == #"{"event-data":{"id":"e1"}}"#)
            #expect(detail.record.deliveries.map(\.state) == ["dead", "pending"])
            #expect(detail.deliveryTimes.count == 2)
            #expect(detail.deliveryTimes.first?.created == Self.now)
            #expect(detail.deliveryTimes.first?.updated == Self.now + 700_000)
            #expect(detail.attempts.map(\.status) == [502, 503], "this event's attempts only, oldest first")
            #expect(!detail.attemptsCut)
            let cut = try #require(try store.eventDetail(id: "e1", attemptLimit: 1))
            #expect(cut.attempts.map(\.status) == [502])
            #expect(cut.attemptsCut)
            #expect(try store.eventDetail(id: "nope", attemptLimit: 10) == nil)
        }
    }
}

/// The SQLite store keeps the series in its file: a restart keeps the charts.
@Suite("SQLite series durability")
struct StoreSeriesDurabilityTests {
    @Test("attempt minutes and queue depth samples survive closing and reopening the store")
    func seriesSurviveReopen() async throws {
        let directory = try TemporaryDirectory(prefix: "hookrelay-series")
        defer { directory.remove() }
        let minute = StoreViewContractTests.minute
        do {
            let store = try EventStore(directory: directory.file("data"))
            _ = await store.accept(StoreContractTests.request(id: "e1", urls: ["http://crm.test/a"]))
            let delivery = try #require(try store.claimDue(destination: "d0", now: StoreContractTests.now, limit: 1).get().first)
            try await store.record(StoreViewContractTests.record(delivery, state: .delivered, status: 200, at: minute + 10, latency: 42)).get()
            try await store.recordQueueDepths(["d0": 7], now: minute, keepSince: 0).get()
            store.close()
        }
        let reopened = try EventStore(directory: directory.file("data"))
        defer { reopened.close() }
        let series = try reopened.attemptSeries(destination: "d0", since: 0, limit: 10)
        #expect(series.map(\.delivered) == [1])
        #expect(series.first?.p50Millis == 42)
        #expect(try reopened.queueDepthSeries(destination: "d0", since: 0, limit: 10) == [QueueDepthSample(minute: minute, depth: 7)])
    }
}
