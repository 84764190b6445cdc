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

/// The state an operator sees (SPEC §12): the stored one, except that a delivery waiting for a
/// destination a reload removed (`pending` or `retrying`) shows as `orphaned`: parked, never
/// attempted, never dropped; it resumes on its schedule when the destination comes back under
/// the same name. Computed when shown, so nothing in the store changes at a reload.
public enum ShownDeliveryState {
    public static let orphaned = "orphaned"

    /// `state` (as stored) of a delivery to `destination`; `configured`: the destinations now.
    public static func of(state: String, destination: String, configured: Set<String>) -> String {
        guard state == DeliveryState.pending.rawValue || state == DeliveryState.retrying.rawValue,
              !configured.contains(destination) else { return state }
        return orphaned
    }
}
