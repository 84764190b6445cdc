/// How a destination stands for delivery (SPEC §12), as `/admin`, the admin API and
/// `/metrics` show it.
public enum DestinationState: String, Sendable, CaseIterable {
    /// Attempts go out as due, within `max_in_flight` and `rate`.
    case active
    /// Paused by an operator: no attempt at all until resumed (overrides `probing`).
    case paused
    /// The circuit breaker is open after `pause_after` failed attempts in a row: one attempt
    /// (a probe) every `probe_every` until one succeeds.
    case probing
}
