import Logging
public import ServiceLifecycle

/// The relay as a swift-service-lifecycle `Service`: runs until graceful shutdown (SIGTERM,
/// SIGINT), then stops listening, finishes what is in hand and closes the store.
public struct RelayService: Service {
    private let relay: Relay
    private let grace: Duration

    public init(relay: Relay, grace: Duration = .seconds(10)) {
        self.relay = relay
        self.grace = grace
    }

    public func run() async throws {
        try await relay.start()
        try? await gracefulShutdown()
        await relay.stop(grace: grace)
    }
}
