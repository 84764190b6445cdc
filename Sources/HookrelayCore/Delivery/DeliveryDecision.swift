/// What to do with a delivery after an attempt (SPEC §6), decided by `DeliveryPolicy`
/// and carried out by the engine and the store.
public enum DeliveryDecision: Sendable, Equatable {
    /// A success status: done.
    case delivered
    /// 406: the destination refuses this event; never retried.
    case rejected
    /// Failed; try again at this time (Unix milliseconds).
    case retry(at: Int64)
    /// Failed and the schedule is exhausted.
    case dead

    /// The delivery's state after the decision.
    public var state: DeliveryState {
        switch self {
        case .delivered: return .delivered
        case .rejected: return .rejected
        case .retry: return .retrying
        case .dead: return .dead
        }
    }

    /// True when the attempt failed and belongs in the failure log.
    public var isFailure: Bool {
        switch self {
        case .delivered: return false
        case .rejected, .retry, .dead: return true
        }
    }
}
