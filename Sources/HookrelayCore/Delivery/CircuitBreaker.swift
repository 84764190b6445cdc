/// One destination's circuit breaker (SPEC §12): after `pause_after` failed attempts in a row
/// (any failure but 406) it opens, and the destination is `probing`: one attempt — a probe,
/// carrying a due delivery — every `probe_every`, until one succeeds; then it closes and the
/// backlog drains at the destination's rate. Deliveries not attempted meanwhile simply stay
/// due: the breaker never touches their attempt count. Pure: time is passed in.
///
/// What counts: an answer the destination's policy calls delivered, and a 406 (the partner is
/// up and refuses that one event), close the breaker and reset the run; any other answer, a
/// timeout or a transport error is a failure; an attempt cut short by shutdown or one whose body
/// could not be shaped never reached the partner and counts for nothing.
public struct CircuitBreaker: Sendable, Equatable {
    /// How an ended attempt counts for the breaker.
    public enum Outcome: Sendable, Equatable {
        /// The partner answered as a live partner does (delivered, or 406).
        case answered
        /// A failed attempt: another status, a timeout, a connection or TLS error.
        case failed
        /// The attempt never reached the partner (cancelled, unsendable).
        case notSent
    }

    /// Failed attempts in a row that open the breaker; 0 = never.
    public let pauseAfter: Int
    /// Milliseconds from one probe's start to the next one's.
    public let probeEvery: Int64
    /// Failed attempts since the last answered one.
    public private(set) var consecutiveFailures = 0
    /// When open: when the next probe may start.
    public private(set) var nextProbeAt: Int64?
    /// When open: the delivery whose probe is on the wire.
    public private(set) var probe: Int64?

    public init(pauseAfter: Int, probeEvery: Duration) {
        self.pauseAfter = pauseAfter
        self.probeEvery = max(1, probeEvery.milliseconds)
    }

    /// True while the destination is `probing`.
    public var isOpen: Bool { nextProbeAt != nil }

    /// How many attempts the breaker lets start at `now`: nil while closed (no limit of its own);
    /// while open 1 when a probe is due and none is on the wire, else 0, with when to look again
    /// (`.max`: when the probe on the wire ends, which wakes the owner anyway).
    public func allowance(now: Int64) -> (limit: Int?, wakeAt: Int64) {
        guard let nextProbeAt else { return (nil, .max) }
        if probe != nil { return (0, .max) }
        return now >= nextProbeAt ? (1, .max) : (0, nextProbeAt)
    }

    /// A probe carrying `deliveryID` started at `now`: the next one may start `probe_every` later.
    public mutating func probeStarted(_ deliveryID: Int64, now: Int64) {
        guard isOpen else { return }
        probe = deliveryID
        nextProbeAt = now + probeEvery
    }

    /// An attempt of `deliveryID` ended at `now` with `outcome`. Returns true when this changed
    /// the state (opened or closed the breaker).
    @discardableResult
    public mutating func attemptEnded(_ deliveryID: Int64, _ outcome: Outcome, now: Int64) -> Bool {
        let wasProbe = probe == deliveryID
        if wasProbe { probe = nil }
        switch outcome {
        case .answered:
            consecutiveFailures = 0
            guard isOpen else { return false }
            nextProbeAt = nil
            return true
        case .failed:
            consecutiveFailures += 1
            guard !isOpen, pauseAfter > 0, consecutiveFailures >= pauseAfter else { return false }
            nextProbeAt = now + probeEvery
            return true
        case .notSent:
            // A probe that never went out did not use its turn: the next one may go at once.
            if wasProbe, isOpen { nextProbeAt = now }
            return false
        }
    }
}
