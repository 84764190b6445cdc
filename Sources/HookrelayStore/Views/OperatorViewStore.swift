public import HookrelayCore

/// What the operator's views on `/admin` need of a store beyond SPEC §7's reads (SPEC §12): the
/// per-minute series behind the charts and `GET /admin/api/series`, the queue depth samples, and
/// the event explorer's search and event page. Every `RelayStore` is one; `StoreContractTests`
/// holds each implementation to it. Reads block (call them off event loops) and are bounded by
/// their `limit`s.
///
/// The attempt series is written by `RelayStore.record`: each stored outcome counts in its
/// destination's minute (of `AttemptRecord.time`), with its latency in that minute's
/// `LatencyHistogram`.
public protocol OperatorViewStore: AnyObject, Sendable {
    /// The minutes of `destination` that had attempts, from the minute holding `since` (Unix ms)
    /// on, oldest first, at most `limit` of them.
    func attemptSeries(destination: String, since: Int64, limit: Int) throws -> [SeriesMinute]
    /// Queue depth samples of `destination` from the minute holding `since` on, oldest first, at most `limit`.
    func queueDepthSeries(destination: String, since: Int64, limit: Int) throws -> [QueueDepthSample]
    /// Deliveries pending or retrying now, per destination (destinations with none are absent).
    func queueDepths() throws -> [String: Int]
    /// Stores `depths` as the samples of the minute holding `now` (a later sample of the same
    /// minute replaces it), and deletes series minutes and samples before the minute holding `keepSince`.
    func recordQueueDepths(_ depths: [String: Int], now: Int64, keepSince: Int64, completion: @escaping @Sendable (Result<Void, StoreUnavailable>) -> Void)
    /// Events for the explorer, newest first (see `EventQuery`).
    func findEvents(_ query: EventQuery) throws -> EventSearch
    /// One event with its body and each delivery's failed attempts (oldest first, at most
    /// `attemptLimit` in all); nil when there is no event with that id.
    func eventDetail(id: String, attemptLimit: Int) throws -> EventDetail?
}

extension OperatorViewStore {
    /// Async form of `recordQueueDepths(_:now:keepSince:completion:)`.
    public func recordQueueDepths(_ depths: [String: Int], now: Int64, keepSince: Int64) async -> Result<Void, StoreUnavailable> {
        await withCheckedContinuation { continuation in
            recordQueueDepths(depths, now: now, keepSince: keepSince) { continuation.resume(returning: $0) }
        }
    }
}

/// One destination's attempts in one minute.
public struct SeriesMinute: Sendable, Equatable {
    /// Unix ms of the minute's start.
    public var minute: Int64
    public var delivered: Int
    /// Attempts that failed and will be retried, or left the delivery dead.
    public var failed: Int
    /// Attempts answered 406 (no retry).
    public var rejected: Int
    /// The latencies of the attempts that went out (a body that could not be rewritten never did).
    public var latency: LatencyHistogram

    /// The Unix ms start of the minute holding `millis`.
    public static func start(of millis: Int64) -> Int64 {
        let remainder = millis % 60_000
        return millis - (remainder < 0 ? remainder + 60_000 : remainder)
    }

    public init(minute: Int64, delivered: Int = 0, failed: Int = 0, rejected: Int = 0, latency: LatencyHistogram = LatencyHistogram()) {
        self.minute = minute
        self.delivered = delivered
        self.failed = failed
        self.rejected = rejected
        self.latency = latency
    }

    /// Counts one stored outcome (its state) and its latency.
    public mutating func count(_ state: DeliveryState, latencyMillis: Int64?) {
        switch state {
        case .delivered: delivered += 1
        case .rejected: rejected += 1
        default: failed += 1
        }
        if let latencyMillis { latency.add(millis: latencyMillis) }
    }

    /// Adds another count of the same minute.
    public mutating func merge(_ other: SeriesMinute) {
        delivered += other.delivered
        failed += other.failed
        rejected += other.rejected
        latency.merge(other.latency)
    }

    public var attempts: Int { delivered + failed + rejected }
    /// Median attempt latency in ms (`LatencyHistogram.quantile`); nil when no attempt went out.
    public var p50Millis: Int64? { latency.quantile(0.5) }
    /// 99th percentile attempt latency in ms; nil when no attempt went out.
    public var p99Millis: Int64? { latency.quantile(0.99) }
}

/// A destination's queue depth (pending + retrying deliveries) as sampled in one minute.
public struct QueueDepthSample: Sendable, Equatable {
    /// Unix ms of the minute's start.
    public var minute: Int64
    public var depth: Int

    public init(minute: Int64, depth: Int) {
        self.minute = minute
        self.depth = depth
    }
}

/// What the event explorer looks for. `id` alone finds that event; otherwise events received in
/// [`since`, `until`) — newest first, at most `limit` — that have a delivery matching
/// `destination` and `state` (each optional). Only the newest `scanLimit` events of the time
/// range are looked at, so a search costs the same however much the store holds.
public struct EventQuery: Sendable, Equatable {
    public var id: String?
    public var destination: String?
    public var state: String?
    /// Unix ms, inclusive.
    public var since: Int64?
    /// Unix ms, exclusive.
    public var until: Int64?
    public var limit: Int
    public var scanLimit: Int

    public init(id: String? = nil, destination: String? = nil, state: String? = nil, since: Int64? = nil, until: Int64? = nil, limit: Int = 50, scanLimit: Int = 20_000) {
        self.id = id
        self.destination = destination
        self.state = state
        self.since = since
        self.until = until
        self.limit = limit
        self.scanLimit = scanLimit
    }
}

/// The explorer's answer: the events found (each with only its deliveries that matched).
public struct EventSearch: Sendable, Equatable {
    public var events: [EventRecord]
    /// True when the search stopped at `scanLimit` events of the range: older ones were not looked at.
    public var scanLimitReached: Bool

    public init(events: [EventRecord], scanLimitReached: Bool) {
        self.events = events
        self.scanLimitReached = scanLimitReached
    }
}

/// One event as the event page shows it.
public struct EventDetail: Sendable, Equatable {
    public var record: EventRecord
    public var contentType: String
    public var body: [UInt8]
    /// Per delivery (in `record.deliveries`' order): when it was created and last changed (Unix ms).
    public var deliveryTimes: [DeliveryTimes]
    /// The event's failed attempts, oldest first (the failure log's records).
    public var attempts: [FailureRecord]
    /// True when there were more than the `attemptLimit` asked for.
    public var attemptsCut: Bool

    public init(record: EventRecord, contentType: String, body: [UInt8], deliveryTimes: [DeliveryTimes], attempts: [FailureRecord], attemptsCut: Bool) {
        self.record = record
        self.contentType = contentType
        self.body = body
        self.deliveryTimes = deliveryTimes
        self.attempts = attempts
        self.attemptsCut = attemptsCut
    }
}

/// When a delivery was created and last changed (Unix ms).
public struct DeliveryTimes: Sendable, Equatable {
    public var created: Int64
    public var updated: Int64

    public init(created: Int64, updated: Int64) {
        self.created = created
        self.updated = updated
    }
}
