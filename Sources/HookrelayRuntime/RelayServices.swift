import Logging
public import ServiceLifecycle

extension Relay {
    /// The relay as swift-service-lifecycle services, for one `ServiceGroup`: the store, the admin
    /// listener, delivery and the ingest listener. The group starts them together and, on
    /// graceful shutdown (SIGTERM, SIGINT), stops them in reverse: ingest first (no new events),
    /// then delivery (attempts in flight finish within `grace`, the rest stay due), then the admin
    /// listener (it serves the request bin, which may be a destination of that drain, and
    /// `/metrics` while it runs), the store last. If one fails (a listener cannot bind), the
    /// group is cancelled and each still stops its part.
    public func services(grace: Duration = .seconds(10)) -> [ServiceGroupConfiguration.ServiceConfiguration] {
        [
            .init(service: RelayPart(name: "store", start: {}, stop: { await self.closeStore() })),
            .init(service: RelayPart(name: "admin", start: { _ = try await self.startListener(.admin) }, stop: {
                await self.stopListener(.admin, grace: .seconds(1))
            })),
            .init(service: RelayPart(name: "delivery", start: { self.startDelivery() }, stop: { await self.stopDelivery(grace: grace) })),
            .init(service: RelayPart(name: "ingest", start: { _ = try await self.startListener(.ingest) }, stop: {
                await self.stopListener(.ingest, grace: grace)
            })),
        ]
    }
}

/// One part of a running relay as a `Service`: started, kept until graceful shutdown (or the
/// group's cancellation), then stopped. The stop runs to its end even when the group was
/// cancelled: it is what keeps an accepted event from being lost.
struct RelayPart: Service, CustomStringConvertible {
    let name: String
    let start: @Sendable () async throws -> Void
    let stop: @Sendable () async -> Void

    var description: String { name }

    func run() async throws {
        do {
            try await start()
        } catch {
            await finish()
            throw error
        }
        try? await gracefulShutdown()
        await finish()
    }

    /// `stop` in a task of its own, so a cancelled group does not cut its waits short.
    private func finish() async {
        let stop = self.stop
        await Task { await stop() }.value
    }
}
