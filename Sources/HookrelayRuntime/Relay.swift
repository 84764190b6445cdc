public import HookrelayCore
import Foundation
import HookrelayCurl
import HookrelayHTTP
public import HookrelayStore
public import Logging
public import NIOCore
import NIOPosix
import Synchronization

/// A running relay: the store in `data_dir`, the ingest listener and the admin listener.
/// Used by `hookrelay serve` (through `RelayService`) and directly by the tests.
public final class Relay: Sendable {
    public let config: RelayConfig
    public let store: EventStore
    public let metrics = RelayMetrics()
    private let logger: Logger
    private let group: MultiThreadedEventLoopGroup
    private let ingest: HTTPServer
    private let admin: HTTPServer
    private let engine: CurlEngine
    private let scheduler: DeliveryScheduler
    private let addresses = Mutex<(ingest: SocketAddress, admin: SocketAddress)?>(nil)

    /// Opens the store; nothing listens until `start()`.
    public init(config: RelayConfig, logger: Logger) throws {
        self.config = config
        self.logger = logger
        let store = try EventStore(directory: config.server.dataDirectory, queueLimit: config.server.queueLimit)
        for tightened in store.tightenedModes {
            logger.warning("data_dir was open to other users; made private", metadata: [
                "path": "\(tightened.path)", "mode": "\(String(tightened.oldMode, radix: 8))", "now": "\(String(tightened.newMode, radix: 8))",
            ])
        }
        do {
            engine = try CurlEngine()
        } catch {
            store.close()  // its writer and checkpointer threads would otherwise outlive the failed start
            throw error
        }
        self.store = store
        group = MultiThreadedEventLoopGroup(numberOfThreads: UsableCores.count)
        let scheduler = DeliveryScheduler(config: config, store: store, engine: engine, metrics: metrics, logger: logger)
        self.scheduler = scheduler
        ingest = HTTPServer(
            name: "ingest", group: group,
            responder: IngestResponder(config: config, store: store, metrics: metrics, logger: logger, scheduler: scheduler),
            maxBody: config.server.maxBody, idleTimeout: config.server.idleTimeout
        )
        admin = HTTPServer(
            name: "admin", group: group,
            responder: AdminResponder(config: config, store: store, metrics: metrics, logger: logger, onReplay: { scheduler.wake() }),
            // The request bin stands in for a destination: it takes any body the relay may forward
            // (it keeps the first 64 KiB). The admin API's own requests are small.
            maxBody: max(1 << 20, config.server.maxBody), idleTimeout: config.server.idleTimeout
        )
    }

    /// Binds both listeners; returns their addresses (useful with port 0).
    @discardableResult
    public func start() async throws -> (ingest: SocketAddress, admin: SocketAddress) {
        let server = config.server
        engine.start()
        scheduler.start()
        if store.recoveryDeferred {
            logger.warning("the disk is full: deliveries in flight at the last stop become due once the store can write again")
        }
        if store.recoveredInFlight > 0 {
            logger.notice("deliveries in flight at the last stop are due again", metadata: ["count": "\(store.recoveredInFlight)"])
        }
        let adminAddress: SocketAddress, ingestAddress: SocketAddress
        do {
            adminAddress = try await admin.start(host: server.adminListen.host, port: server.adminListen.port)
            ingestAddress = try await ingest.start(host: server.listen.host, port: server.listen.port)
        } catch {
            // A listener could not bind: nothing may keep running (claimed deliveries go back due).
            await stop(grace: .zero)
            throw error
        }
        addresses.withLock { $0 = (ingestAddress, adminAddress) }
        logger.info("listening", metadata: [
            "ingest": "\(ingestAddress.hookrelayDescription)", "admin": "\(adminAddress.hookrelayDescription)",
            "data_dir": "\(server.dataDirectory)",
        ])
        for source in config.sources where source.scheme == .none {
            logger.warning("source accepts unsigned requests", metadata: ["source": "\(source.name)", "path": "\(source.path)"])
        }
        return (ingestAddress, adminAddress)
    }

    /// Stops taking events, lets requests in hand and attempts in flight finish (each bounded
    /// by `grace`), leaves unfinished deliveries due in the store, and closes it.
    public func stop(grace: Duration = .seconds(10)) async {
        await ingest.stop(grace: grace)
        // Blocking: waits for attempts in progress, then for their outcomes to be stored.
        let scheduler = self.scheduler
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                scheduler.stop(grace: grace)
                continuation.resume()
            }
        }
        await admin.stop(grace: .seconds(1))
        store.close()
        try? await group.shutdownGracefully()
        logger.info("stopped")
    }
}

extension SocketAddress {
    /// `127.0.0.1:8080`, `[::1]:8080`.
    public var hookrelayDescription: String {
        let host = ipAddress ?? "?"
        let port = self.port ?? 0
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
