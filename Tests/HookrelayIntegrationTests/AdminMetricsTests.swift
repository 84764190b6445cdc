import Foundation
import HookrelayCore
import HookrelayRuntime
import HookrelayStore
import HookrelayTestSupport
import Testing

/// `GET /metrics`: the Prometheus text of SPEC §7.
@Suite("Admin metrics")
struct AdminMetricsTests {
    @Test("after traffic, /metrics has every hookrelay_ metric: received, deliveries, latency histogram, queue")
    func metricNames() async throws {
        try await withAdminRelay { relay in
            let mailgun = MailgunEventFactory(key: RelayHarness.signingKey)
            #expect(try await HTTPTestClient.send(mailgun.json(id: "evt-metrics-1"), port: relay.ingestPort).status == 200)
            #expect(try await HTTPTestClient.send(mailgun.json(id: "evt-metrics-1"), port: relay.ingestPort).status == 200)
            // What the scheduler reports after each attempt, called directly so this test does
            // not wait on real deliveries.
            relay.relay.metrics.attempt(destination: "crm", outcome: "retrying", latency: .milliseconds(3))
            relay.relay.metrics.attempt(destination: "crm", outcome: "delivered", latency: .milliseconds(200))
            relay.relay.metrics.attempt(destination: "crm", outcome: "dead", latency: .seconds(20))

            let response = try await relay.get("/metrics")
            #expect(response.status == 200)
            #expect(response.header("content-type")?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = response.text
            for line in [
                #"hookrelay_events_received_total{source="mailgun",outcome="accepted"} 1"#,
                #"hookrelay_events_received_total{source="mailgun",outcome="duplicate"} 1"#,
                #"hookrelay_deliveries_total{destination="crm",outcome="dead"} "#,
                #"hookrelay_deliveries_total{destination="crm",outcome="delivered"} "#,
                #"hookrelay_attempt_duration_seconds_bucket{destination="crm",le="0.005"} "#,
                #"hookrelay_attempt_duration_seconds_bucket{destination="crm",le="10.0"} "#,
                #"hookrelay_attempt_duration_seconds_bucket{destination="crm",le="+Inf"} "#,
                #"hookrelay_attempt_duration_seconds_sum{destination="crm"} "#,
                #"hookrelay_attempt_duration_seconds_count{destination="crm"} "#,
                "hookrelay_queue_depth ",
                "hookrelay_oldest_pending_age_seconds ",
                #"hookrelay_deliveries{destination="crm",state="pending"} "#,
                #"hookrelay_deliveries{destination="app-v2",state="dead"} "#,
                "hookrelay_store_write_queue_depth ",
                "hookrelay_store_readable 1\n",
                "# TYPE hookrelay_attempt_duration_seconds histogram",
                "# TYPE hookrelay_deliveries_total counter",
                "# TYPE hookrelay_queue_depth gauge",
            ] {
                #expect(text.contains(line), "missing \(line) in:\n\(text)")
            }
            // Every sample line is a hookrelay_ metric with a numeric value.
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                #expect(line.hasPrefix("hookrelay_"), "\(line)")
                #expect(Double(line.split(separator: " ").last ?? "") != nil, "\(line)")
            }
        }
    }

    @Test("a store that cannot be read: the backlog gauges are left out and hookrelay_store_readable says 0")
    func unreadableStore() {
        let text = RelayMetrics().render(queueDepth: 0, queue: nil, destinations: ["crm"])
        #expect(text.contains("hookrelay_store_readable 0\n"))
        #expect(!text.contains("hookrelay_queue_depth ") && !text.contains("hookrelay_oldest_pending_age_seconds "))
    }

    @Test("histogram buckets are cumulative; queue gauges follow the store")
    func histogramAndQueue() async throws {
        let now = AdminTime.nowMillis()
        try await withAdminRelay(seed: { store in
            // Not in the config: the scheduler leaves these pending.
            try await store.seedEvent(id: "evt-q1", destinations: [("ghost", "http://127.0.0.1:9/a"), ("ghost", "http://127.0.0.1:9/b")], receivedAt: now - 120_000)
        }) { relay in
            let metrics = relay.relay.metrics
            metrics.attempt(destination: "hist", outcome: "delivered", latency: .milliseconds(3))
            metrics.attempt(destination: "hist", outcome: "delivered", latency: .milliseconds(200))
            metrics.attempt(destination: "hist", outcome: "retrying", latency: .seconds(20))
            // Never sent (cancelled, or not rewritable): counted, not timed.
            metrics.attempt(destination: "hist", outcome: "cancelled", latency: nil)
            #expect(metrics.attemptCount(destination: "hist", outcome: "delivered") == 2)
            #expect(metrics.attemptCount(destination: "hist", outcome: "cancelled") == 1)
            let text = try await relay.get("/metrics").text
            #expect(text.contains(#"hookrelay_attempt_duration_seconds_bucket{destination="hist",le="0.005"} 1"#))
            #expect(text.contains(#"hookrelay_attempt_duration_seconds_bucket{destination="hist",le="0.1"} 1"#))
            #expect(text.contains(#"hookrelay_attempt_duration_seconds_bucket{destination="hist",le="0.25"} 2"#))
            #expect(text.contains(#"hookrelay_attempt_duration_seconds_bucket{destination="hist",le="10.0"} 2"#))
            #expect(text.contains(#"hookrelay_attempt_duration_seconds_bucket{destination="hist",le="+Inf"} 3"#))
            #expect(text.contains(#"hookrelay_attempt_duration_seconds_count{destination="hist"} 3"#))
            #expect(text.contains(#"hookrelay_deliveries{destination="ghost",state="pending"} 2"#))
            #expect(text.contains("hookrelay_queue_depth 2\n"))
            let age = text.split(separator: "\n").first { $0.hasPrefix("hookrelay_oldest_pending_age_seconds ") }
                .flatMap { Double($0.split(separator: " ")[1]) }
            // The deliveries were created when the event was received, two minutes ago.
            #expect(age.map { $0 >= 119 && $0 < 300 } == true, "\(String(describing: age))")
        }
    }
}
