import Foundation
import HookrelayCore
import HookrelayStore
import HookrelayTestSupport
import Testing

/// The SQLite store holds deliveries claimed for an attempt in memory (`InFlightClaims`), not in
/// the file: what that must still keep — a claim ends with the process, a replay made by another
/// process (`hookrelay replay` beside the relay) during the attempt wins over its outcome, and a
/// release makes a held delivery due at the time given.
@Suite("SQLite store: deliveries in flight")
struct StoreInFlightClaimsTests {
    static let now = StoreContractTests.now

    @Test("a claim ends with the store: reopened, the delivery is due again")
    func claimEndsWithTheStore() async throws {
        let directory = try TemporaryDirectory(prefix: "hookrelay-claims")
        defer { directory.remove() }
        var store: EventStore? = try EventStore(directory: directory.file("data"))
        _ = await store!.accept(StoreContractTests.request(id: "e1", urls: ["http://crm.test/a"]))
        let claimed = try store!.claimDue(destination: "d0", now: Self.now, limit: 5).get()
        #expect(claimed.count == 1)
        #expect(try store!.claimDue(destination: "d0", now: Self.now, limit: 5).get().isEmpty)
        store!.close()
        store = nil
        let reopened = try EventStore(directory: directory.file("data"))
        defer { reopened.close() }
        #expect(try reopened.nextDueTime(destination: "d0") == Self.now)
        #expect(try reopened.claimDue(destination: "d0", now: Self.now, limit: 5).get().map(\.id) == claimed.map(\.id))
    }

    @Test("a replay by another process during the attempt wins over the attempt's outcome")
    func replayFromAnotherProcessWins() async throws {
        let directory = try TemporaryDirectory(prefix: "hookrelay-claims")
        defer { directory.remove() }
        let relay = try EventStore(directory: directory.file("data"))
        defer { relay.close() }
        _ = await relay.accept(StoreContractTests.request(id: "e1", urls: ["http://crm.test/a"]))
        let first = try #require(try relay.claimDue(destination: "d0", now: Self.now, limit: 1).get().first)
        try await relay.record(StoreContractTests.record(first, attempt: 1, state: .retrying, next: Self.now + 1000, at: Self.now)).get()
        // The retry is on the wire: `retrying` in the file, held in the relay's memory.
        let attempt = try #require(try relay.claimDue(destination: "d0", now: Self.now + 1000, limit: 1).get().first)
        #expect(attempt.replays == 0)

        // `hookrelay replay` beside the running relay: the same file, the operator's way of opening it.
        let command = try EventStore(directory: directory.file("data"), recoverInFlight: false, allowUpgrade: false)
        #expect(try await command.replay(.event("e1"), now: Self.now + 1001).get() == 1)
        command.close()

        // The attempt started before the replay ends dead: the replay stands.
        try await relay.record(StoreContractTests.record(attempt, attempt: 2, state: .dead, at: Self.now + 1002)).get()
        let delivery = try #require(try relay.eventRecord(id: "e1")?.deliveries.first)
        #expect(delivery.state == "pending", "the replay's reset stands, got \(delivery.state)")
        #expect(delivery.attempts == 0)
        let again = try #require(try relay.claimDue(destination: "d0", now: Self.now + 1002, limit: 1).get().first)
        #expect(again.replays == 1)
        #expect(again.attempts == 0)
        #expect(try relay.failureCount(FailureQuery()) == 2, "both failed attempts are in the failure log")
    }

    @Test("release makes a held delivery due at the time given, and claimable again")
    func releaseHeld() async throws {
        let directory = try TemporaryDirectory(prefix: "hookrelay-claims")
        defer { directory.remove() }
        let store = try EventStore(directory: directory.file("data"))
        defer { store.close() }
        _ = await store.accept(StoreContractTests.request(id: "e1", urls: ["http://crm.test/a"]))
        let held = try #require(try store.claimDue(destination: "d0", now: Self.now, limit: 1).get().first)
        #expect(try store.nextDueTime(destination: "d0") == nil)
        #expect(try store.eventRecord(id: "e1")?.deliveries.first?.nextAttemptAt == nil, "shown in flight, not due")
        #expect(try store.eventDetail(id: "e1", attemptLimit: 10)?.record.deliveries.first?.nextAttemptAt == nil, "the explorer too")
        try await store.release(deliveryIDs: [held.id], dueAt: Self.now + 500).get()
        #expect(try store.nextDueTime(destination: "d0") == Self.now + 500)
        #expect(try store.claimDue(destination: "d0", now: Self.now + 499, limit: 1).get().isEmpty)
        #expect(try store.claimDue(destination: "d0", now: Self.now + 500, limit: 1).get().map(\.id) == [held.id])
    }
}
