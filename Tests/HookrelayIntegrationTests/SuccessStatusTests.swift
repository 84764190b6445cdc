import Foundation
import HookrelayStore
import HookrelayTestSupport
import Testing

/// `success = [200]` end to end (SPEC §6): any other 2xx is a failed attempt, retried on the
/// schedule and logged; without `success`, any 2xx is delivered.
@Suite("Success statuses")
struct SuccessStatusTests {
    @Test("success = [200]: a 201 and a 204 are retried, logged with their status, and the 200 after them delivers")
    func onlyListedStatusesDeliver() async throws {
        let sink = try await SinkServer.start(.sequence([201, 204, 200]))
        defer { Task { await sink.stop() } }
        let config = DeliveryTests.destination("strict", sink.url(), retry: #"["50ms", "50ms", "50ms"]"#, extra: "success = [200]")
            + DeliveryTests.route(["strict"])
        try await withRelay(config: config) { relay in
            #expect(try await relay.send(relay.mailgun.json(id: "evt-success-200")).status == 200)
            let record = try await DeliveryTests.settled(relay, "evt-success-200")
            #expect(record.deliveries.map(\.state) == ["delivered"])
            #expect(record.deliveries.first?.attempts == 3)
            #expect(sink.requests.count == 3)
            let failures = try relay.relay.store.failures(FailureQuery()).sorted { $0.attempt < $1.attempt }
            #expect(failures.map(\.status) == [201, 204])
            #expect(failures.map(\.error) == ["http", "http"])
            #expect(failures.allSatisfy { $0.nextAttempt != nil })
        }
    }

    @Test("without success, a 204 is delivered at the first attempt")
    func any2xxDelivers() async throws {
        let sink = try await SinkServer.start(.status(204))
        defer { Task { await sink.stop() } }
        try await withRelay(config: DeliveryTests.destination("lenient", sink.url()) + DeliveryTests.route(["lenient"])) { relay in
            #expect(try await relay.send(relay.mailgun.json(id: "evt-success-any")).status == 200)
            let record = try await DeliveryTests.settled(relay, "evt-success-any")
            #expect(record.deliveries.map(\.state) == ["delivered"])
            #expect(record.deliveries.first?.attempts == 1)
            #expect(try relay.relay.store.failures(FailureQuery()).isEmpty)
        }
    }
}
