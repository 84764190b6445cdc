public import HookrelayCore
/// A delivery taken by the scheduler for one attempt, with what the attempt needs.
public struct ClaimedDelivery: Sendable {
    public var id: Int64
    public var eventID: String
    public var eventType: String
    public var source: String
    public var destination: String
    public var url: String
    /// Attempts already made before this one.
    public var attempts: Int
    /// How many times an operator replayed it.
    public var replays: Int
    public var body: [UInt8]
    public var contentType: String

    public init(
        id: Int64, eventID: String, eventType: String, source: String, destination: String, url: String,
        attempts: Int, replays: Int, body: [UInt8], contentType: String
    ) {
        self.id = id
        self.eventID = eventID
        self.eventType = eventType
        self.source = source
        self.destination = destination
        self.url = url
        self.attempts = attempts
        self.replays = replays
        self.body = body
        self.contentType = contentType
    }
}

/// The stored result of one attempt.
public struct AttemptRecord: Sendable {
    public var deliveryID: Int64
    public var eventID: String
    public var eventType: String
    public var destination: String
    public var url: String
    /// The attempt's number (the first is 1).
    public var attempt: Int
    /// `delivered`, `rejected`, `retrying` or `dead`.
    public var state: DeliveryState
    /// Unix ms of the next attempt when retrying.
    public var nextAttemptAt: Int64?
    public var status: Int?
    /// `http`, `timeout`, `connect`, … ; nil when delivered.
    public var error: String?
    /// The transport's message for a transport error.
    public var message: String?
    /// ≤ 1 KiB of the response body.
    public var response: String
    public var replays: Int
    /// Unix ms when the attempt ended.
    public var time: Int64
    /// True when the attempt failed and goes in the failure log.
    public var isFailure: Bool
    /// How long the attempt took, in ms (rounded up); nil when it never went out. Counted in the
    /// destination's per-minute latency histogram (`SeriesMinute`).
    public var latencyMillis: Int64?

    public init(
        deliveryID: Int64, eventID: String, eventType: String, destination: String, url: String, attempt: Int,
        state: DeliveryState, nextAttemptAt: Int64?, status: Int?, error: String?, message: String?, response: String,
        replays: Int, time: Int64, isFailure: Bool, latencyMillis: Int64? = nil
    ) {
        self.deliveryID = deliveryID
        self.eventID = eventID
        self.eventType = eventType
        self.destination = destination
        self.url = url
        self.attempt = attempt
        self.state = state
        self.nextAttemptAt = nextAttemptAt
        self.status = status
        self.error = error
        self.message = message
        self.response = response
        self.replays = replays
        self.time = time
        self.isFailure = isFailure
        self.latencyMillis = latencyMillis
    }
}
