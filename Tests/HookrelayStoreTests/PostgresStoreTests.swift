import Foundation
import HookrelayCore
import HookrelayPostgres
import HookrelayStore
import HookrelayTestSupport
import Synchronization
import Testing

/// What only a shared store does (SPEC §10), with two `PostgresStore`s standing for two nodes
/// on one database of the test process's throwaway cluster.
@Suite("PostgreSQL store across nodes", .enabled(if: PostgresCluster.testsRun, Comment(rawValue: PostgresCluster.missingMessage)))
struct PostgresStoreTests {
    static let now = StoreContractTests.now

    static func twoNodes(lease: Duration = .seconds(30)) throws -> (PostgresStore, PostgresStore, String) {
        let url = try PostgresCluster.shared().createDatabase()
        return (try PostgresStore(url: url, claimLease: lease), try PostgresStore(url: url, claimLease: lease), url)
    }

    @Test("a claim held by a node that died comes back to another node once its lease ran out, not before")
    func leaseExpiry() async throws {
        let (first, second, _) = try Self.twoNodes(lease: .seconds(30))
        defer { second.close() }
        _ = await first.accept(StoreContractTests.request(id: "e1", urls: ["http://crm.test/a"]))
        let claimed = try first.claimDue(destination: "d0", now: Self.now, limit: 10).get()
        #expect(claimed.count == 1)
        // The node dies holding it (no close, no hand-back).
        #expect(try second.claimDue(destination: "d0", now: Self.now + 29_999, limit: 10).get().isEmpty, "not before the lease ends")
        #expect(try second.nextDueTime(destination: "d0") == Self.now + 30_000, "the other node knows when to look")
        let taken = try second.claimDue(destination: "d0", now: Self.now + 30_000, limit: 10).get()
        #expect(taken.map(\.id) == claimed.map(\.id))
        // The dead node's late outcome does not undo the new claim.
        try await first.record(StoreContractTests.record(claimed[0], attempt: 1, state: .delivered, status: 200, at: Self.now + 30_001)).get()
        #expect(try second.eventRecord(id: "e1")?.deliveries.first?.state == "pending")
        first.close()
    }

    @Test("two nodes claiming at once never get the same delivery")
    func concurrentClaims() async throws {
        let (first, second, _) = try Self.twoNodes()
        defer { first.close(); second.close() }
        for index in 0..<200 { _ = await first.accept(StoreContractTests.request(id: "e\(index)", urls: ["http://crm.test/a"])) }
        let stores = [first, second]
        let batches = await withTaskGroup(of: [Int64].self) { group in
            for index in 0..<8 {
                let store = stores[index % 2]
                group.addTask {
                    var ids: [Int64] = []
                    while case .success(let claimed) = store.claimDue(destination: "d0", now: Self.now, limit: 7), !claimed.isEmpty {
                        ids += claimed.map(\.id)
                    }
                    return ids
                }
            }
            var all: [[Int64]] = []
            for await batch in group { all.append(batch) }
            return all
        }
        let ids = batches.flatMap { $0 }
        #expect(ids.count == 200)
        #expect(Set(ids).count == 200, "a delivery was handed out twice")
    }

    @Test("a destination's rate holds for the cluster: two nodes claiming at once share one bucket of a second's worth")
    func clusterWideRate() async throws {
        let url = try PostgresCluster.shared().createDatabase()
        let rates = ["d0": Rate(count: 2, per: .seconds(1))]
        let first = try PostgresStore(url: url, rates: rates)
        let second = try PostgresStore(url: url, rates: rates)
        defer { first.close(); second.close() }
        for index in 0..<20 { _ = await first.accept(StoreContractTests.request(id: "e\(index)", urls: ["http://crm.test/a"])) }
        let firstBatch = try first.claimDue(destination: "d0", now: Self.now, limit: 10).get()
        let secondBatch = try second.claimDue(destination: "d0", now: Self.now, limit: 10).get()
        #expect(firstBatch.count + secondBatch.count == 2, "a second's worth for both nodes together")
        #expect(try second.claimDue(destination: "d0", now: Self.now + 500, limit: 10).get().count == 1, "refilled at the rate")
        #expect(try first.claimDue(destination: "d0", now: Self.now + 500, limit: 10).get().isEmpty)
        // A burst is at most one second's worth however long the bucket rested.
        #expect(try first.claimDue(destination: "d0", now: Self.now + 60_000, limit: 10).get().count == 2)
        // A first attempt started at accept takes a token too; without one it is stored due.
        guard case .accepted(1, let claimed) = try await first.accept(
            StoreContractTests.request(id: "late", urls: ["http://crm.test/a"], claimNow: true, at: Self.now + 60_000)
        ).get() else {
            Issue.record("not accepted")
            return
        }
        #expect(claimed.isEmpty, "the bucket is empty: no first attempt at accept")
    }

    @Test("a write PostgreSQL refuses fails alone: the others of its batch commit")
    func failingWriteFailsAlone() async throws {
        let url = try PostgresCluster.shared().createDatabase()
        let store = try PostgresStore(url: url)
        defer { store.close() }
        for index in 0..<40 { _ = await store.accept(StoreContractTests.request(id: "e\(index)", urls: ["http://crm.test/a"])) }
        let claimed = try store.claimDue(destination: "d0", now: Self.now, limit: 40).get()
        #expect(claimed.count == 40)
        // Submitted together, so the writer batches (pipelines) them; one status overflows its column.
        let results = await withTaskGroup(of: (Int64, Bool).self) { group in
            for (index, delivery) in claimed.enumerated() {
                let record = StoreContractTests.record(delivery, attempt: 1, state: .retrying, next: Self.now + 60_000,
                                                       status: index == 7 ? 3_000_000_000 : 500, at: Self.now)
                group.addTask { (delivery.id, (try? await store.record(record).get()) != nil) }
            }
            var all: [Int64: Bool] = [:]
            for await (id, stored) in group { all[id] = stored }
            return all
        }
        #expect(results[claimed[7].id] == false, "the bad write is refused")
        #expect(results.values.filter { $0 }.count == 39, "every other write committed")
        #expect(try store.failureCount(FailureQuery(limit: 100)) == 39)
        let minute = try #require(try store.attemptSeries(destination: "d0", since: 0, limit: 10).first)
        #expect(minute.failed == 39, "the series counts the outcomes that committed, in their transaction, not the refused one")
    }

    @Test("two nodes counting the same minute add up: counts and latency buckets, the slowest of both")
    func seriesAcrossNodes() async throws {
        let (first, second, _) = try Self.twoNodes()
        defer { first.close(); second.close() }
        for index in 0..<20 { _ = await first.accept(StoreContractTests.request(id: "e\(index)", urls: ["http://crm.test/a"])) }
        let claimedFirst = try first.claimDue(destination: "d0", now: Self.now, limit: 10).get()
        let claimedSecond = try second.claimDue(destination: "d0", now: Self.now, limit: 10).get()
        #expect(claimedFirst.count == 10 && claimedSecond.count == 10)
        let minute = SeriesMinute.start(of: Self.now)
        // Both nodes' outcomes at once, so their batches meet on the same row.
        await withTaskGroup(of: Void.self) { group in
            for (node, claimed, latency) in [(first, claimedFirst, Int64(12)), (second, claimedSecond, Int64(900))] {
                for delivery in claimed {
                    var record = StoreContractTests.record(delivery, attempt: 1, state: .delivered, status: 200, at: minute + 1_000)
                    record.latencyMillis = latency
                    group.addTask { _ = await node.record(record) }
                }
            }
        }
        let series = try first.attemptSeries(destination: "d0", since: 0, limit: 10)
        #expect(series.count == 1)
        let counted = try #require(series.first)
        #expect(counted.delivered == 20)
        #expect(counted.latency.total == 20, "both nodes' latencies, bucket by bucket")
        #expect(counted.latency.counts[LatencyHistogram.bucket(millis: 12)] == 10)
        #expect(counted.latency.counts[LatencyHistogram.bucket(millis: 900)] == 10)
        #expect(counted.latency.maxMillis == 900)
    }

    @Test("a reload's rates hold for the cluster: destinationsChanged sets, changes and lifts a destination's rate")
    func reloadedRate() async throws {
        let url = try PostgresCluster.shared().createDatabase()
        let store = try PostgresStore(url: url)
        defer { store.close() }
        for index in 0..<10 { _ = await store.accept(StoreContractTests.request(id: "e\(index)", urls: ["http://crm.test/a"])) }
        store.destinationsChanged([DestinationConfig(name: "d0", url: "http://crm.test/a", rate: Rate(count: 2, per: .seconds(1)))])
        #expect(try store.claimDue(destination: "d0", now: Self.now, limit: 10).get().count == 2, "the reloaded rate: a second's worth")
        store.destinationsChanged([DestinationConfig(name: "d0", url: "http://crm.test/a")])
        #expect(try store.claimDue(destination: "d0", now: Self.now, limit: 10).get().count == 8, "rate removed: no limit")
    }

    @Test("a version 1 database is upgraded in place: the views' and pause tables are added, the data kept")
    func upgradeFromVersion1() async throws {
        let cluster = try PostgresCluster.shared()
        let url = try cluster.createDatabase()
        let old = try PostgresStore(url: url)
        _ = await old.accept(StoreContractTests.request(id: "e1"))
        old.close()
        let database = String(url.split(separator: "/").last!)
        try cluster.psql(
            "DROP TABLE attempt_minutes, queue_depth_minutes, paused_destinations; DROP INDEX failures_event; UPDATE hookrelay_schema SET version = 1",
            database: database
        )
        let store = try PostgresStore(url: url)
        defer { store.close() }
        #expect(try cluster.psql("SELECT max(version) FROM hookrelay_schema", database: database).trimmingCharacters(in: .whitespacesAndNewlines) == "2")
        #expect(try store.eventRecord(id: "e1")?.deliveries.count == 2, "the data stays")
        #expect(try await store.setPaused("d0", paused: true, now: Self.now).get())
        #expect(try store.pausedDestinations() == ["d0"])
        try await store.recordQueueDepths(["d0": 2], now: Self.now, keepSince: 0).get()
        #expect(try store.queueDepthSeries(destination: "d0", since: 0, limit: 10).map(\.depth) == [2])
    }

    @Test("closing a node hands back every claim it holds: another node takes them at once")
    func closeHandsBack() async throws {
        let (first, second, _) = try Self.twoNodes(lease: .seconds(300))
        defer { second.close() }
        _ = await first.accept(StoreContractTests.request(id: "e1", urls: ["http://crm.test/a"], claimNow: true))
        _ = await first.accept(StoreContractTests.request(id: "e2", urls: ["http://crm.test/a"]))
        #expect(try first.claimDue(destination: "d0", now: Self.now, limit: 10).get().count == 1)
        #expect(try second.claimDue(destination: "d0", now: Self.now + 1, limit: 10).get().isEmpty)
        first.close()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(try second.claimDue(destination: "d0", now: now, limit: 10).get().count == 2)
    }

    @Test("a replay through one node wakes the other (LISTEN/NOTIFY)")
    func replayWakesOtherNode() async throws {
        let (first, second, _) = try Self.twoNodes()
        defer { first.close(); second.close() }
        let wakes = Atomic<Int>(0)
        second.watchForDueWork { wakes.add(1, ordering: .relaxed) }
        // One wake-up when the listener connects (what was sent before is not known).
        #expect(await Polling.until(timeout: .seconds(5)) { wakes.load(ordering: .relaxed) >= 1 })
        let before = wakes.load(ordering: .relaxed)
        guard case .accepted(_, let targets) = try await first.accept(StoreContractTests.request(id: "e2", urls: ["http://crm.test/a"], claimNow: true)).get(),
              let target = targets.first else {
            Issue.record("expected a claimed delivery")
            return
        }
        let delivery = ClaimedDelivery(
            id: target.deliveryID, eventID: "e2", eventType: "failed", source: "mailgun", destination: "d0", url: target.url,
            attempts: 0, replays: 0, body: [], contentType: "application/json"
        )
        try await first.record(StoreContractTests.record(delivery, attempt: 1, state: .dead, at: Self.now)).get()
        #expect(try await first.replay(.event("e2"), now: Self.now + 1).get() == 1)
        #expect(await Polling.until(timeout: .seconds(5)) { wakes.load(ordering: .relaxed) > before }, "the other node was not woken")
    }

    @Test("a database whose schema is newer than this binary is refused with a clear message")
    func newerSchemaRefused() throws {
        let cluster = try PostgresCluster.shared()
        let url = try cluster.createDatabase()
        let store = try PostgresStore(url: url)
        store.close()
        let database = String(url.split(separator: "/").last!)
        try cluster.psql("UPDATE hookrelay_schema SET version = version + 1", database: database)
        #expect {
            _ = try PostgresStore(url: url)
        } throws: { error in
            "\(error)".contains("newer than this hookrelay")
        }
    }

    @Test("the store's location never shows the password")
    func locationMasksPassword() throws {
        let cluster = try PostgresCluster.shared()
        let database = "hr_pw_\(UInt32.random(in: 0...UInt32.max))"
        _ = try cluster.createDatabase(database)
        // Trust authentication: the password is not checked, only carried.
        let store = try PostgresStore(url: "postgres://\(cluster.user):s3cret@127.0.0.1:\(cluster.port)/\(database)")
        defer { store.close() }
        #expect(!store.location.contains("s3cret"))
        #expect(store.location.contains("127.0.0.1:\(cluster.port)"))
    }
}
