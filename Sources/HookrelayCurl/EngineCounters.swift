import Synchronization

/// Lock-free counters the engine thread updates and any thread may read.
final class EngineCounters: Sendable {
    /// Requests accepted by `send` whose completion has not been called yet.
    let inFlight = Atomic<Int>(0)
    /// Connections libcurl opened (sum of `CURLINFO_NUM_CONNECTS` over finished transfers).
    let newConnections = Atomic<Int>(0)
    /// Set once the engine thread has ended.
    let threadEnded = Atomic<Bool>(false)
}
