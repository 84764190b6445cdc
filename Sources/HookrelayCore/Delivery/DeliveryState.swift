/// Where a delivery stands (SPEC §7): the states the store keeps, `/admin/api/events/{id}`
/// shows, `/metrics` counts and replay selects, spelled once.
public enum DeliveryState: String, Sendable, CaseIterable {
    /// Waiting for its first attempt (or for a replayed one), in flight included.
    case pending
    /// Failed at least once; another attempt is scheduled.
    case retrying
    /// A success status came back.
    case delivered
    /// The destination answered 406: never retried.
    case rejected
    /// Failed, and the retry schedule is exhausted.
    case dead

    /// States a delivery leaves only by replay.
    public static let finished: [DeliveryState] = [.delivered, .rejected, .dead]
    /// States an operator may replay (`POST /admin/api/replay`, `hookrelay replay --state`).
    public static let replayable: [DeliveryState] = [.dead, .rejected, .retrying, .delivered]
}
