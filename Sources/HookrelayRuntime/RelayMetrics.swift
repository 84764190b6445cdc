import Synchronization

/// Counters behind `GET /metrics` (Prometheus text). Cheap to bump from any thread.
public final class RelayMetrics: Sendable {
    private struct Counters {
        var received: [String: [String: Int]] = [:]
    }

    private let counters = Mutex(Counters())

    public init() {}

    /// One inbound request of `source` ended with `outcome` (accepted, duplicate, no_route, …).
    public func received(source: String, outcome: String) {
        counters.withLock { $0.received[source, default: [:]][outcome, default: 0] += 1 }
    }

    /// How many requests of `source` ended with `outcome`.
    public func receivedCount(source: String, outcome: String) -> Int {
        counters.withLock { $0.received[source]?[outcome] ?? 0 }
    }

    /// The Prometheus text exposition of every counter.
    public func render(queueDepth: Int) -> String {
        let snapshot = counters.withLock { $0 }
        var out = "# HELP hookrelay_events_received_total Inbound webhook requests by source and outcome.\n"
        out += "# TYPE hookrelay_events_received_total counter\n"
        for (source, outcomes) in snapshot.received.sorted(by: { $0.key < $1.key }) {
            for (outcome, count) in outcomes.sorted(by: { $0.key < $1.key }) {
                out += "hookrelay_events_received_total{source=\"\(source)\",outcome=\"\(outcome)\"} \(count)\n"
            }
        }
        out += "# HELP hookrelay_store_write_queue_depth Writes waiting for a commit.\n"
        out += "# TYPE hookrelay_store_write_queue_depth gauge\n"
        out += "hookrelay_store_write_queue_depth \(queueDepth)\n"
        return out
    }
}
