import HookrelayCore

/// One request handed to the engine with the closure that gets its result.
struct Submission: Sendable {
    var request: OutboundRequest
    var completion: @Sendable (AttemptResult) -> Void
}

extension AttemptResult {
    /// The result for a request the engine dropped because it is stopping or stopped.
    static func cancelled(_ message: String, latency: Duration = .zero) -> AttemptResult {
        AttemptResult(status: nil, transportError: TransportError(.cancelled, message), latency: latency)
    }
}
