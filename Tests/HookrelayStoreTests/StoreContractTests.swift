import Foundation
import HookrelayCore
import HookrelayPostgres
import HookrelayStore
import HookrelayTestSupport
import Testing

/// The stores a relay may run on. Every test of `StoreContractTests` runs against each: a new
/// store passes them all before the runtime may use it.
enum StoreKind: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    /// A fresh database on the test process's throwaway cluster (`PostgresCluster.shared()`).
    case postgres

    var description: String { rawValue }

    /// The kinds the suite runs against here: PostgreSQL wherever its server is installed, and
    /// always in CI (`CI=true`), where a missing server fails the tests instead of skipping them.
    static let testable: [StoreKind] = {
        if PostgresCluster.testsRun { return allCases }
        FileHandle.standardError.write(Data("note: the store contract runs without PostgreSQL: \(PostgresCluster.missingMessage)\n".utf8))
        return [.sqlite]
    }()

    /// A new, empty store of this kind, and how to throw it away.
    func make() throws -> (store: any RelayStore, dispose: @Sendable () -> Void) {
        switch self {
        case .sqlite:
            let directory = try TemporaryDirectory(prefix: "hookrelay-contract")
            let store = try EventStore(directory: directory.file("data"))
            return (store, { store.close(); directory.remove() })
        case .postgres:
            let url = try PostgresCluster.shared().createDatabase()
            let store = try PostgresStore(url: url)
            return (store, { store.close() })
        }
    }
}

/// What any `RelayStore` must do, through the protocol alone (SPEC §2–§7): durable accept with
/// dedup by (event id, URL) and the token rule, claims that never hand one delivery out twice,
/// outcomes and the failure log, release, replay, purge, and the reads the admin API makes.
@Suite("Store contract")
struct StoreContractTests {
    static let now: Int64 = 1_800_000_000_000

    static func request(
        id: String, token: String? = nil, source: String = "mailgun", urls: [String] = ["http://crm.test/a", "http://app.test/b"],
        claimNow: Bool = false, at time: Int64 = now
    ) -> AcceptRequest {
        let event = ReceivedEvent(id: id, type: "failed", domain: "mg.example.com", token: token ?? "token-\(id)", contentType: "application/json")
        let targets = urls.enumerated().map { DeliveryTarget(destination: "d\($0.offset)", url: $0.element, claimNow: claimNow) }
        return AcceptRequest(
            source: source, event: event, body: Array(#"{"event-data":{"id":"\#(id)"}}"#.utf8), destinations: targets,
            receivedAt: time, tokenExpiresAt: time + 600_000
        )
    }

    static func record(_ delivery: ClaimedDelivery, attempt: Int, state: DeliveryState, next: Int64? = nil, status: Int? = 500, at time: Int64) -> AttemptRecord {
        AttemptRecord(
            deliveryID: delivery.id, eventID: delivery.eventID, eventType: delivery.eventType, destination: delivery.destination,
            url: delivery.url, attempt: attempt, state: state, nextAttemptAt: next, status: status,
            error: state == .delivered ? nil : "http", message: nil, response: "oops", replays: delivery.replays, time: time,
            isFailure: state != .delivered
        )
    }

    static func withStore(_ kind: StoreKind, _ body: (any RelayStore) async throws -> Void) async throws {
        let (store, dispose) = try kind.make()
        defer { dispose() }
        try await body(store)
    }

    @Test("accept stores the event and one pending delivery per URL; the same event again is a duplicate", arguments: StoreKind.testable)
    func acceptAndDedup(kind: StoreKind) async throws {
        try await Self.withStore(kind) { store async throws in
            #expect(try await store.accept(Self.request(id: "e1")).get() == .accepted(newDeliveries: 2, claimed: []))
            let record = try #require(try store.eventRecord(id: "e1"))
            #expect(record.deliveries.map(\.state) == ["pending", "pending"])
            #expect(Set(record.deliveries.map(\.url)) == ["http://crm.test/a", "http://app.test/b"])
            #expect(try await store.accept(Self.request(id: "e1")).get() == .duplicate)
            // The same event id sent again with one more URL: only the new URL gets it (SPEC §4).
            let again = Self.request(id: "e1", token: "token-e1-again", urls: ["http://crm.test/a", "http://new.test/c"])
            #expect(try await store.accept(again).get() == .accepted(newDeliveries: 1, claimed: []))
            #expect(try store.counts().deliveries == 3)
        }
    }

    @Test("a token used for one event and sent with another is a replay; with the same event, a duplicate", arguments: StoreKind.testable)
    func tokenRule(kind: StoreKind) async throws {
        try await Self.withStore(kind) { store async throws in
            #expect(try await store.accept(Self.request(id: "e1", token: "tok")).get() == .accepted(newDeliveries: 2, claimed: []))
            #expect(try await store.accept(Self.request(id: "e2", token: "tok")).get() == .tokenReplayed(originalEventID: "e1"))
            #expect(try await store.accept(Self.request(id: "e1", token: "tok")).get() == .duplicate)
            #expect(try store.eventRecord(id: "e2") == nil, "a replay stores nothing")
            // An event no route wants keeps its token all the same.
            #expect(try await store.accept(Self.request(id: "e3", token: "tok3", urls: [])).get() == .noRoute)
            #expect(try await store.accept(Self.request(id: "e4", token: "tok3")).get() == .tokenReplayed(originalEventID: "e3"))
        }
    }

    @Test("claims hand each due delivery out once, up to the limit; a claimed-now accept is not claimed again", arguments: StoreKind.testable)
    func claims(kind: StoreKind) async throws {
        try await Self.withStore(kind) { store async throws in
            for index in 0..<3 { _ = await store.accept(Self.request(id: "e\(index)", urls: ["http://crm.test/a"])) }
            #expect(try store.nextDueTime(destination: "d0") == Self.now)
            let first = try store.claimDue(destination: "d0", now: Self.now, limit: 2).get()
            #expect(first.count == 2)
            #expect(first.allSatisfy { $0.attempts == 0 && $0.destination == "d0" && $0.url == "http://crm.test/a" })
            let second = try store.claimDue(destination: "d0", now: Self.now, limit: 10).get()
            #expect(second.count == 1)
            #expect(Set((first + second).map(\.id)).count == 3, "no delivery handed out twice")
            #expect(try store.claimDue(destination: "d0", now: Self.now, limit: 10).get().isEmpty)
            let next = try store.nextDueTime(destination: "d0")
            #expect(next.map { $0 > Self.now } ?? true, "deliveries in flight are not due: next \(String(describing: next))")

            let claimedNow = await store.accept(Self.request(id: "e9", urls: ["http://crm.test/a"], claimNow: true))
            guard case .success(.accepted(1, let claimed)) = claimedNow else {
                Issue.record("expected one delivery stored claimed, got \(claimedNow)")
                return
            }
            #expect(claimed.map(\.url) == ["http://crm.test/a"])
            #expect(try store.claimDue(destination: "d0", now: Self.now, limit: 10).get().isEmpty)
        }
    }

    @Test("a failed attempt is retried at its time and logged; delivered is final; release makes a claim due again", arguments: StoreKind.testable)
    func outcomes(kind: StoreKind) async throws {
        try await Self.withStore(kind) { store async throws in
            _ = await store.accept(Self.request(id: "e1", urls: ["http://crm.test/a"]))
            let delivery = try #require(try store.claimDue(destination: "d0", now: Self.now, limit: 1).get().first)
            let retryAt = Self.now + 600_000
            try await store.record(Self.record(delivery, attempt: 1, state: .retrying, next: retryAt, at: Self.now + 5)).get()
            #expect(try store.claimDue(destination: "d0", now: retryAt - 1, limit: 1).get().isEmpty, "not due before its time")
            #expect(try store.nextDueTime(destination: "d0") == retryAt)
            let failures = try store.failures(FailureQuery(limit: 10))
            #expect(failures.count == 1)
            #expect(failures.first?.eventID == "e1")
            #expect(failures.first?.status == 500)
            #expect(failures.first?.nextAttempt == retryAt)
            #expect(try store.failureCount(FailureQuery(destination: "d0")) == 1)

            let again = try #require(try store.claimDue(destination: "d0", now: retryAt, limit: 1).get().first)
            #expect(again.attempts == 1)
            try await store.release(deliveryIDs: [again.id], dueAt: retryAt + 1).get()
            let third = try #require(try store.claimDue(destination: "d0", now: retryAt + 1, limit: 1).get().first)
            try await store.record(Self.record(third, attempt: 2, state: .delivered, status: 200, at: retryAt + 2)).get()
            let record = try #require(try store.eventRecord(id: "e1"))
            #expect(record.deliveries.first?.state == "delivered")
            #expect(record.deliveries.first?.attempts == 2)
            #expect(try store.queueStatus().depth == 0)
            #expect(try store.failureCount(FailureQuery()) == 1, "a delivery is not a failure")
        }
    }

    // Guards SPEC §12 delivered_1h of GET /admin/api/destinations.
    @Test("deliveredCount counts a destination's deliveries delivered since a time, up to a limit", arguments: StoreKind.testable)
    func deliveredCount(kind: StoreKind) async throws {
        try await Self.withStore(kind) { store async throws in
            for id in ["e1", "e2", "e3", "e4"] { _ = await store.accept(Self.request(id: id)) }
            let claimed = try store.claimDue(destination: "d0", now: Self.now, limit: 10).get()
            #expect(claimed.count == 4)
            // Delivered at now-2h, now-10m, now-1m; the fourth dead at now-1m (not delivered).
            try await store.record(Self.record(claimed[0], attempt: 1, state: .delivered, status: 200, at: Self.now - 7_200_000)).get()
            try await store.record(Self.record(claimed[1], attempt: 1, state: .delivered, status: 200, at: Self.now - 600_000)).get()
            try await store.record(Self.record(claimed[2], attempt: 1, state: .delivered, status: 200, at: Self.now - 60_000)).get()
            try await store.record(Self.record(claimed[3], attempt: 1, state: .dead, at: Self.now - 60_000)).get()
            let hourAgo = Self.now - 3_600_000
            #expect(try store.deliveredCount(destination: "d0", since: hourAgo, limit: 100) == 2)
            #expect(try store.deliveredCount(destination: "d0", since: Self.now - 600_000, limit: 100) == 2, "at its time is counted")
            #expect(try store.deliveredCount(destination: "d0", since: 0, limit: 100) == 3)
            #expect(try store.deliveredCount(destination: "d0", since: 0, limit: 1) == 1, "at most the limit")
            #expect(try store.deliveredCount(destination: "d1", since: 0, limit: 100) == 0, "other destinations apart")
        }
    }

    @Test("replay re-queues a dead delivery with its attempts back at 0", arguments: StoreKind.testable)
    func replay(kind: StoreKind) async throws {
        try await Self.withStore(kind) { store async throws in
            _ = await store.accept(Self.request(id: "e1", urls: ["http://crm.test/a"]))
            let delivery = try #require(try store.claimDue(destination: "d0", now: Self.now, limit: 1).get().first)
            _ = await store.record(Self.record(delivery, attempt: 1, state: .dead, at: Self.now))
            #expect(try store.eventRecord(id: "e1")?.deliveries.first?.state == "dead")
            #expect(try await store.replay(.destination("d0", state: "dead", since: nil), now: Self.now + 10).get() == 1)
            let replayed = try #require(try store.claimDue(destination: "d0", now: Self.now + 10, limit: 1).get().first)
            #expect(replayed.attempts == 0)
            #expect(replayed.replays == 1)
            #expect(try await store.replay(.event("no-such-event"), now: Self.now).get() == 0)
        }
    }

    @Test("replay leaves a delivery in flight alone; its outcome is stored as it came", arguments: StoreKind.testable)
    func replayInFlight(kind: StoreKind) async throws {
        try await Self.withStore(kind) { store async throws in
            _ = await store.accept(Self.request(id: "e1", urls: ["http://crm.test/a"]))
            let first = try #require(try store.claimDue(destination: "d0", now: Self.now, limit: 1).get().first)
            try await store.record(Self.record(first, attempt: 1, state: .retrying, next: Self.now + 1000, at: Self.now)).get()
            let retry = try #require(try store.claimDue(destination: "d0", now: Self.now + 1000, limit: 1).get().first)
            #expect(try await store.replay(.event("e1"), now: Self.now + 1001).get() == 0, "in flight: not replayed")
            #expect(try await store.replay(.destination("d0", state: "retrying", since: nil), now: Self.now + 1001).get() == 0)
            try await store.record(Self.record(retry, attempt: 2, state: .delivered, status: 200, at: Self.now + 1002)).get()
            let delivery = try #require(try store.eventRecord(id: "e1")?.deliveries.first)
            #expect(delivery.state == "delivered")
            #expect(delivery.attempts == 2)
        }
    }

    @Test("purge drops finished deliveries past the dedup window, keeps open ones", arguments: StoreKind.testable)
    func purge(kind: StoreKind) async throws {
        try await Self.withStore(kind) { store async throws in
            _ = await store.accept(Self.request(id: "old", urls: ["http://crm.test/a"]))
            _ = await store.accept(Self.request(id: "open", urls: ["http://app.test/b"]))
            let delivery = try #require(try store.claimDue(destination: "d0", now: Self.now, limit: 1).get().first)
            _ = await store.record(Self.record(delivery, attempt: 1, state: .delivered, status: 200, at: Self.now))
            let later = Self.now + 73 * 3_600_000
            let removed = try await store.purge(now: later, dedupWindow: .seconds(72 * 3600), failureRetention: .seconds(30 * 86_400)).get()
            #expect(removed >= 1)
            #expect(try store.eventRecord(id: "old") == nil)
            #expect(try store.eventRecord(id: "open")?.deliveries.first?.state == "pending")
        }
    }

    @Test("pause and resume: the paused set, and whether each call changed it", arguments: StoreKind.testable)
    func pauseAndResume(kind: StoreKind) async throws {
        try await Self.withStore(kind) { store async throws in
            #expect(try store.pausedDestinations().isEmpty)
            #expect(try await store.setPaused("crm", paused: true, now: Self.now).get() == true)
            #expect(try await store.setPaused("crm", paused: true, now: Self.now + 1).get() == false, "already paused")
            #expect(try await store.setPaused("app", paused: true, now: Self.now).get() == true)
            #expect(try store.pausedDestinations() == ["crm", "app"])
            #expect(try await store.setPaused("crm", paused: false, now: Self.now).get() == true)
            #expect(try await store.setPaused("crm", paused: false, now: Self.now).get() == false, "not paused any more")
            #expect(try await store.setPaused("never", paused: false, now: Self.now).get() == false)
            #expect(try store.pausedDestinations() == ["app"])
        }
    }

    @Test("closed, a store refuses writes instead of answering as if they committed", arguments: StoreKind.testable)
    func closedRefuses(kind: StoreKind) async throws {
        try await Self.withStore(kind) { store async throws in
            #expect(store.isReady())
            store.close()
            guard case .failure = await store.accept(Self.request(id: "late")) else {
                Issue.record("a closed store accepted an event")
                return
            }
        }
    }
}
