public import HookrelayCore

/// Everything the store needs to take one verified, routed event durably.
public struct AcceptRequest: Sendable {
    public var source: String
    public var event: ReceivedEvent
    public var body: [UInt8]
    /// The routed destinations, already deduplicated by URL; empty when no route wants the
    /// event (then only the token and dedup rules run: see `AcceptOutcome.noRoute`).
    public var destinations: [DeliveryTarget]
    /// Unix milliseconds when the request arrived.
    public var receivedAt: Int64
    /// Unix milliseconds until which the Mailgun token is kept to catch replays.
    public var tokenExpiresAt: Int64

    public init(source: String, event: ReceivedEvent, body: [UInt8], destinations: [DeliveryTarget], receivedAt: Int64, tokenExpiresAt: Int64) {
        self.source = source
        self.event = event
        self.body = body
        self.destinations = destinations
        self.receivedAt = receivedAt
        self.tokenExpiresAt = tokenExpiresAt
    }
}

/// One destination an event must reach: its configured name and URL.
public struct DeliveryTarget: Sendable, Equatable {
    public var destination: String
    public var url: String
    /// Store the delivery already claimed, for a first attempt the caller starts right after
    /// the commit (it holds a free slot of the destination). A crash before the attempt ends
    /// leaves it claimed, and claimed deliveries are due again when the store reopens.
    public var claimNow: Bool

    public init(destination: String, url: String, claimNow: Bool = false) {
        self.destination = destination
        self.url = url
        self.claimNow = claimNow
    }
}

/// A delivery stored claimed by an accept: its row id, for the first attempt.
public struct ClaimedTarget: Sendable, Equatable {
    public var destination: String
    public var url: String
    public var deliveryID: Int64

    public init(destination: String, url: String, deliveryID: Int64) {
        self.destination = destination
        self.url = url
        self.deliveryID = deliveryID
    }
}

/// What the store did with an accepted request.
public enum AcceptOutcome: Sendable, Equatable {
    /// Stored: `newDeliveries` URLs will get the event (the others already had it); `claimed`
    /// are those stored claimed (`claimNow`), whose first attempt the caller starts.
    case accepted(newDeliveries: Int, claimed: [ClaimedTarget])
    /// Every URL already has this event (or it is in flight), or the same token came with the same event.
    case duplicate
    /// The Mailgun token was already used for another event: a replay attack.
    case tokenReplayed(originalEventID: String)
    /// No route wants the event (the request had no destinations) and it was never accepted:
    /// nothing stored but its token, so a replay of that token with another event is caught.
    case noRoute
}

/// Why the store could not take a request; every case means "answer 503".
public struct StoreUnavailable: Error, Sendable, CustomStringConvertible {
    public enum Reason: String, Sendable {
        /// More accepts are waiting for a commit than `queue_limit`.
        case overloaded
        /// The disk or database is full.
        case full
        /// Any other database failure, or the store is closed.
        case unavailable
    }

    public let reason: Reason
    public let detail: String

    public init(_ reason: Reason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    public var description: String { "\(reason.rawValue): \(detail)" }
}
