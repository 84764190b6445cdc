import Foundation
public import HookrelayCore
import HookrelayHTTP
public import HookrelayStore
import Synchronization

/// Counters behind `GET /metrics` (Prometheus text exposition 0.0.4). Cheap to bump from any
/// thread: one lock around a few dictionaries. The store-wide gauges (queue depth, oldest
/// pending age, deliveries by state) come from the store when the page is rendered.
public final class RelayMetrics: Sendable {
    /// Upper bounds (seconds) of the attempt latency histogram; `+Inf` follows.
    public static let latencyBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    /// The delivery states of SPEC §7, in the order the gauges are written.
    public static let deliveryStates = DeliveryState.allCases.map { $0.rawValue }

    private struct Histogram {
        /// Observations per bucket (not cumulative); the last slot is `+Inf`.
        var buckets = [Int](repeating: 0, count: RelayMetrics.latencyBuckets.count + 1)
        var sum = 0.0
        var count = 0

        mutating func observe(_ seconds: Double) {
            var slot = RelayMetrics.latencyBuckets.count
            for (index, bound) in RelayMetrics.latencyBuckets.enumerated() where seconds <= bound {
                slot = index
                break
            }
            buckets[slot] += 1
            sum += seconds
            count += 1
        }
    }

    private struct Counters {
        var received: [String: [String: Int]] = [:]
        var deliveries: [String: [String: Int]] = [:]
        var latency: [String: Histogram] = [:]
        /// Reloads by result (`applied`, `refused`).
        var reloads: [String: Int] = [:]
    }

    private let counters = Mutex(Counters())
    /// The listeners and the body budget whose gauges the page shows (SPEC §11's limits).
    private let limits = Mutex<(listeners: [HTTPServer], bodies: BodyBudget?)>(([], nil))

    public init() {}

    /// One inbound request of `source` ended with `outcome` (accepted, duplicate, no_route, …).
    public func received(source: String, outcome: String) {
        counters.withLock { $0.received[source, default: [:]][outcome, default: 0] += 1 }
    }

    /// One delivery attempt to `destination` ended with `outcome` (delivered, rejected,
    /// retrying, dead, cancelled). `latency` (send to outcome) goes into the histogram; nil for an
    /// attempt that never went out (cancelled, or a body that could not be rewritten).
    public func attempt(destination: String, outcome: String, latency: Duration?) {
        let elapsed = latency.map { latency in
            let (seconds, attoseconds) = latency.components
            return max(0, Double(seconds) + Double(attoseconds) / 1e18)
        }
        counters.withLock {
            $0.deliveries[destination, default: [:]][outcome, default: 0] += 1
            if let elapsed { $0.latency[destination, default: Histogram()].observe(elapsed) }
        }
    }

    /// A reload ended: `applied` or `refused` (SPEC §12).
    func reloaded(_ result: String) {
        counters.withLock { $0.reloads[result, default: 0] += 1 }
    }

    /// How many requests of `source` ended with `outcome`.
    public func receivedCount(source: String, outcome: String) -> Int {
        counters.withLock { $0.received[source]?[outcome] ?? 0 }
    }

    /// How many attempts to `destination` ended with `outcome`.
    public func attemptCount(destination: String, outcome: String) -> Int {
        counters.withLock { $0.deliveries[destination]?[outcome] ?? 0 }
    }

    /// The Prometheus text of every metric. `queueDepth` is the store's write queue;
    /// `queue` (from `EventStore.queueStatus()`, nil when it could not be read) gives the
    /// delivery backlog; `destinations` (the configured names) get a zero gauge per state
    /// even before they have deliveries; `states` (the scheduler's) gives each of them a
    /// `hookrelay_destination_state` gauge per state, 1 for the one it is in.
    public func render(
        queueDepth: Int, queue: QueueStatus? = nil, destinations: [String] = [], states: [String: DestinationState] = [:], now: Int64? = nil
    ) -> String {
        let snapshot = counters.withLock { $0 }
        var out = ""
        header(&out, "hookrelay_events_received_total", "counter", "Inbound webhook requests by source and outcome.")
        for (source, outcomes) in snapshot.received.sorted(by: { $0.key < $1.key }) {
            for (outcome, count) in outcomes.sorted(by: { $0.key < $1.key }) {
                out += "hookrelay_events_received_total{source=\"\(escape(source))\",outcome=\"\(escape(outcome))\"} \(count)\n"
            }
        }

        header(&out, "hookrelay_deliveries_total", "counter", "Delivery attempts by destination and outcome (delivered, rejected, retrying, dead, cancelled).")
        for (destination, outcomes) in snapshot.deliveries.sorted(by: { $0.key < $1.key }) {
            for (outcome, count) in outcomes.sorted(by: { $0.key < $1.key }) {
                out += "hookrelay_deliveries_total{destination=\"\(escape(destination))\",outcome=\"\(escape(outcome))\"} \(count)\n"
            }
        }

        header(&out, "hookrelay_attempt_duration_seconds", "histogram", "Time from sending a delivery attempt to its outcome, by destination.")
        for (destination, histogram) in snapshot.latency.sorted(by: { $0.key < $1.key }) {
            let label = escape(destination)
            var cumulative = 0
            for (index, bound) in Self.latencyBuckets.enumerated() {
                cumulative += histogram.buckets[index]
                out += "hookrelay_attempt_duration_seconds_bucket{destination=\"\(label)\",le=\"\(bound)\"} \(cumulative)\n"
            }
            out += "hookrelay_attempt_duration_seconds_bucket{destination=\"\(label)\",le=\"+Inf\"} \(histogram.count)\n"
            out += "hookrelay_attempt_duration_seconds_sum{destination=\"\(label)\"} \(histogram.sum)\n"
            out += "hookrelay_attempt_duration_seconds_count{destination=\"\(label)\"} \(histogram.count)\n"
        }

        header(&out, "hookrelay_config_reloads_total", "counter", "Config reloads (SIGHUP, hookrelay reload) by result: applied, refused.")
        for result in ["applied", "refused"] {
            out += "hookrelay_config_reloads_total{result=\"\(result)\"} \(snapshot.reloads[result] ?? 0)\n"
        }

        if let queue {
            let now = now ?? AdminTime.nowMillis()
            header(&out, "hookrelay_queue_depth", "gauge", "Deliveries not finished yet (pending or retrying, in flight included).")
            out += "hookrelay_queue_depth \(queue.depth)\n"
            header(&out, "hookrelay_oldest_pending_age_seconds", "gauge", "Age of the oldest unfinished delivery; 0 when there is none.")
            let age = queue.oldestPendingCreatedAt.map { Double(max(0, now - $0)) / 1000 } ?? 0
            out += "hookrelay_oldest_pending_age_seconds \(age)\n"
            header(&out, "hookrelay_deliveries", "gauge", "Deliveries in the store by destination and state.")
            let names = Set(destinations).union(queue.byDestination.keys).sorted()
            for name in names {
                let states = queue.byDestination[name] ?? [:]
                let extra = states.keys.filter { !Self.deliveryStates.contains($0) }.sorted()
                for state in Self.deliveryStates + extra {
                    out += "hookrelay_deliveries{destination=\"\(escape(name))\",state=\"\(escape(state))\"} \(states[state] ?? 0)\n"
                }
            }
        }

        if !states.isEmpty {
            header(&out, "hookrelay_destination_state", "gauge", "1 for the state each destination is in (active, paused, probing), 0 for the others.")
            for name in destinations {
                guard let current = states[name] else { continue }
                for state in DestinationState.allCases {
                    out += "hookrelay_destination_state{destination=\"\(escape(name))\",state=\"\(state.rawValue)\"} \(state == current ? 1 : 0)\n"
                }
            }
        }

        // Without it the backlog gauges above are simply missing, and an alert on them goes quiet
        // exactly when the store cannot be read.
        header(&out, "hookrelay_store_readable", "gauge", "1 when the store answered this scrape's backlog query, 0 when it could not be read.")
        out += "hookrelay_store_readable \(queue == nil ? 0 : 1)\n"
        header(&out, "hookrelay_store_write_queue_depth", "gauge", "Writes waiting for a commit.")
        out += "hookrelay_store_write_queue_depth \(queueDepth)\n"
        renderLimits(&out)
        return out
    }

    /// Shows `listeners`' connections and `bodies`' use on this page.
    func watch(listeners: [HTTPServer], bodies: BodyBudget) {
        limits.withLock { $0 = (listeners, bodies) }
    }

    private func renderLimits(_ out: inout String) {
        let (listeners, bodies) = limits.withLock { $0 }
        guard let bodies else { return }
        header(&out, "hookrelay_connections_open", "gauge", "Inbound connections open, by listener (max_connections each).")
        for listener in listeners { out += "hookrelay_connections_open{listener=\"\(escape(listener.name))\"} \(listener.openConnections)\n" }
        header(&out, "hookrelay_connections_refused_total", "counter", "Inbound connections closed at accept because max_connections were open, by listener.")
        for listener in listeners { out += "hookrelay_connections_refused_total{listener=\"\(escape(listener.name))\"} \(listener.refusedConnections)\n" }
        header(&out, "hookrelay_buffered_body_bytes", "gauge", "Bytes of request bodies admitted and not yet answered, across both listeners.")
        out += "hookrelay_buffered_body_bytes \(bodies.used)\n"
        header(&out, "hookrelay_buffered_body_bytes_limit", "gauge", "max_buffered: the most request bodies may hold.")
        out += "hookrelay_buffered_body_bytes_limit \(bodies.capacity)\n"
    }

    private func header(_ out: inout String, _ name: String, _ type: String, _ help: String) {
        out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    /// A label value: backslash, double quote and newline escaped.
    private func escape(_ value: String) -> String {
        guard value.contains(where: { $0 == "\\" || $0 == "\"" || $0 == "\n" }) else { return value }
        return value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }
}
