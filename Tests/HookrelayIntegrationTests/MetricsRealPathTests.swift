import Foundation
import HookrelayTestSupport
import Testing

/// `/metrics` after real deliveries to real sinks (SPEC §7): the counts come from the scheduler's
/// own path (curl, the state machine, the store), not from calls on `RelayMetrics`. Guards the
/// scheduler's `metrics.attempt(…)` (script/mutate removes it).
@Suite("Metrics through the real path")
struct MetricsRealPathTests {
    /// The value of the sample `series` (name and labels, as written) in a Prometheus text; nil if absent.
    static func sample(_ series: String, in text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    @Test("delivered, retried then delivered, rejected (406), retried then dead: each attempt counted once, by destination and outcome")
    func attemptsCounted() async throws {
        let ok = try await SinkServer.start(.status(200))
        let flaky = try await SinkServer.start(.sequence([500, 200]))
        let refusing = try await SinkServer.start(.status(406))
        let down = try await SinkServer.start(.status(500))
        defer { Task { for sink in [ok, flaky, refusing, down] { await sink.stop() } } }
        let config = DeliveryTests.destination("ok", ok.url()) + DeliveryTests.route(["ok"], events: #"["delivered"]"#)
            + DeliveryTests.destination("flaky", flaky.url(), retry: #"["50ms"]"#) + DeliveryTests.route(["flaky"], events: #"["failed"]"#)
            + DeliveryTests.destination("refusing", refusing.url()) + DeliveryTests.route(["refusing"], events: #"["clicked"]"#)
            + DeliveryTests.destination("down", down.url(), retry: #"["50ms"]"#) + DeliveryTests.route(["down"], events: #"["opened"]"#)
        try await withRelay(config: config) { relay in
            let events = [
                ("evt-m-ok-1", "delivered"), ("evt-m-ok-2", "delivered"), ("evt-m-ok-3", "delivered"),
                ("evt-m-flaky", "failed"), ("evt-m-refused", "clicked"), ("evt-m-down", "opened"),
            ]
            for (id, type) in events {
                #expect(try await relay.send(relay.mailgun.json(id: id, event: type)).status == 200)
            }
            for (id, _) in events { _ = try await DeliveryTests.settled(relay, id) }

            let response = try await relay.admin("/metrics")
            #expect(response.status == 200)
            let text = response.text
            let expected: [(String, Double)] = [
                (#"hookrelay_events_received_total{source="mailgun",outcome="accepted"}"#, 6),
                (#"hookrelay_deliveries_total{destination="ok",outcome="delivered"}"#, 3),
                (#"hookrelay_deliveries_total{destination="flaky",outcome="retrying"}"#, 1),
                (#"hookrelay_deliveries_total{destination="flaky",outcome="delivered"}"#, 1),
                (#"hookrelay_deliveries_total{destination="refusing",outcome="rejected"}"#, 1),
                (#"hookrelay_deliveries_total{destination="down",outcome="retrying"}"#, 1),
                (#"hookrelay_deliveries_total{destination="down",outcome="dead"}"#, 1),
                (#"hookrelay_attempt_duration_seconds_count{destination="ok"}"#, 3),
                (#"hookrelay_attempt_duration_seconds_count{destination="flaky"}"#, 2),
                (#"hookrelay_attempt_duration_seconds_count{destination="refusing"}"#, 1),
                (#"hookrelay_attempt_duration_seconds_count{destination="down"}"#, 2),
                (#"hookrelay_attempt_duration_seconds_bucket{destination="ok",le="+Inf"}"#, 3),
                (#"hookrelay_deliveries{destination="ok",state="delivered"}"#, 3),
                (#"hookrelay_deliveries{destination="down",state="dead"}"#, 1),
                ("hookrelay_queue_depth", 0),
            ]
            for (series, value) in expected {
                #expect(Self.sample(series, in: text) == value, "\(series) in:\n\(text)")
            }
            // Outcomes that did not happen are not counted.
            #expect(Self.sample(#"hookrelay_deliveries_total{destination="ok",outcome="retrying"}"#, in: text) ?? 0 == 0)
            #expect(Self.sample(#"hookrelay_deliveries_total{destination="refusing",outcome="retrying"}"#, in: text) ?? 0 == 0)
            #expect(ok.requests.count == 3 && flaky.requests.count == 2 && refusing.requests.count == 1 && down.requests.count == 2)
        }
    }
}
