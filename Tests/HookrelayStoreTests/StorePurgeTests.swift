import Foundation
import HookrelayCore
import HookrelayStore
import HookrelayTestSupport
import Testing

/// Retention on a real SQLite file: what `dedup_window` and `failure_log_retention` remove.
@Suite("Store purge")
struct StorePurgeTests {
    static func accept(_ store: EventStore, id: String, at time: Int64, token: String) async throws {
        let event = ReceivedEvent(id: id, type: "delivered", token: token, contentType: "application/json")
        let request = AcceptRequest(
            source: "mailgun", event: event, body: Array("{}".utf8),
            destinations: [DeliveryTarget(destination: "crm", url: "http://127.0.0.1:9/crm")], receivedAt: time, tokenExpiresAt: time + 1000
        )
        let outcome = try await store.accept(request).get()
        #expect(outcome == .accepted(newDeliveries: 1, claimed: []))
    }

    @Test("finished deliveries past the window go, with their events and old failures; pending ones stay")
    func purge() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try EventStore(directory: directory.path)
        defer { store.close() }
        let old: Int64 = 1_000_000, now: Int64 = 1_000_000 + 3_600_000
        try await Self.accept(store, id: "evt-old-done", at: old, token: "t1")
        try await Self.accept(store, id: "evt-old-pending", at: old, token: "t2")

        // Deliver the first one (and log a failure before), at the old time.
        let claimed: [ClaimedDelivery] = try await withCheckedThrowingContinuation { continuation in
            store.claimDue(destination: "crm", now: old, limit: 10) { continuation.resume(with: $0.mapError { $0 as any Error }) }
        }
        let done = try #require(claimed.first { $0.eventID == "evt-old-done" })
        for (attempt, state) in [(1, DeliveryState.retrying), (2, .delivered)] {
            let record = AttemptRecord(
                deliveryID: done.id, eventID: done.eventID, eventType: "delivered", destination: "crm", url: done.url,
                attempt: attempt, state: state, nextAttemptAt: state == .retrying ? old + 1 : nil, status: state == .retrying ? 500 : 200,
                error: state == .retrying ? "http" : nil, message: nil, response: "", replays: 0, time: old, isFailure: state == .retrying
            )
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                store.record(record) { continuation.resume(with: $0.mapError { $0 as any Error }) }
            }
        }
        #expect(try store.failures(FailureQuery()).count == 1)

        let removed: Int = try await withCheckedThrowingContinuation { continuation in
            store.purge(now: now, dedupWindow: .seconds(60), failureRetention: .seconds(60)) { continuation.resume(with: $0.mapError { $0 as any Error }) }
        }
        #expect(removed == 5, "2 tokens, 1 delivery, 1 event, 1 failure")
        #expect(try store.eventRecord(id: "evt-old-done") == nil)
        #expect(try store.failures(FailureQuery()).isEmpty)
        let pending = try #require(try store.eventRecord(id: "evt-old-pending"))
        #expect(pending.deliveries.count == 1, "an unfinished delivery is never purged")
    }
}
