import Foundation
import HookrelayTestSupport
import Testing

/// SPEC §12 route filters end to end: a real sink gets from a filtered route only the events whose
/// payload matches, legacy form events matched in their converted JSON shape.
@Suite struct RouteFilterDeliveryTests {
    // Guards SPEC §12 route filters (where) through ingest, routing and delivery.
    @Test("a filtered route delivers only matching events; legacy form events match in their JSON shape")
    func filteredRouteGetsOnlyMatchingEvents() async throws {
        let sink = try await SinkServer.start(.status(200))
        defer { Task { await sink.stop() } }
        let config = DeliveryTests.destination("all", sink.url("/all"))
            + DeliveryTests.destination("alerts", sink.url("/alerts"))
            + DeliveryTests.destination("vip", sink.url("/vip"))
            + DeliveryTests.route(["all"])
            + DeliveryTests.route(["alerts"]) + #"where = { "event-data.severity" = "permanent" }"# + "\n"
            + DeliveryTests.route(["vip"]) + #"where = { "event-data.recipient" = "vip@example.com", "event-data.delivery-status.code" = 250 }"# + "\n"
        try await withRelay(config: config) { relay in
            // JSON events: a failed one without severity, a delivered one to the VIP.
            #expect(try await relay.send(relay.mailgun.json(id: "evt-plain", event: "failed")).status == 200)
            #expect(try await relay.send(relay.mailgun.json(id: "evt-vip", recipient: "vip@example.com")).status == 200)
            // Legacy form events: `dropped` converts to failed with severity permanent; `delivered` does not.
            #expect(try await relay.send(relay.mailgun.legacyForm(event: "dropped", token: "legacy-dropped-token-0000000000000000000000")).status == 200)
            #expect(try await relay.send(relay.mailgun.legacyForm(event: "delivered", token: "legacy-delivered-token-00000000000000000000")).status == 200)
            let arrived = await Polling.until(timeout: .seconds(10)) { sink.requests.count >= 6 }
            #expect(arrived)
            // Settle: nothing more is coming (every event's deliveries are final).
            for id in ["evt-plain", "evt-vip", "legacy-dropped-token-0000000000000000000000", "legacy-delivered-token-00000000000000000000"] {
                _ = try await DeliveryTests.settled(relay, id)
            }
            let byPath = Dictionary(grouping: sink.requests, by: \.path).mapValues { $0.map { $0.header("X-Hookrelay-Event-Id") ?? "" }.sorted() }
            #expect(byPath["/all"]?.count == 4)
            #expect(byPath["/alerts"] == ["legacy-dropped-token-0000000000000000000000"])
            #expect(byPath["/vip"] == ["evt-vip"])
        }
    }
}
