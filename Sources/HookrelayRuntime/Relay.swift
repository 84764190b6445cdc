public import HookrelayCore
import Foundation
import HookrelayCurl
import HookrelayHTTP
import HookrelayPostgres
public import HookrelayStore
public import Logging
public import NIOCore
import NIOPosix
import Synchronization

/// A running relay: the store in `data_dir`, the ingest listener and the admin listener.
/// Used by `hookrelay serve` (through `RelayService`) and directly by the tests.
public final class Relay: Sendable {
    /// The config in force: the one it started with, or the last reload's.
    public var config: RelayConfig { live.withLock { $0 } }
    private let live: Mutex<RelayConfig>
    /// What the last reload did (shown on `/admin`).
    public let reloadStatus: ReloadStatus
    let ingestResponder: IngestResponder
    let adminResponder: AdminResponder

    func setConfig(_ config: RelayConfig) {
        live.withLock { $0 = config }
    }
    public let store: any RelayStore
    public let metrics = RelayMetrics()
    let logger: Logger
    private let group: MultiThreadedEventLoopGroup
    private let ingest: HTTPServer
    private let admin: HTTPServer
    private let engine: CurlEnginePool
    let scheduler: DeliveryScheduler
    let sampler: QueueDepthSampler
    private let addresses = Mutex<(ingest: SocketAddress?, admin: SocketAddress?)>((nil, nil))
    /// `data_dir` held while the store is PostgreSQL (the SQLite store holds it itself).
    private let nodeDirectory: NodeDirectory?

    /// Opens the store: PostgreSQL when `[server] store` is set (SPEC §10), else SQLite in
    /// `data_dir`; nothing listens until `start()`.
    public convenience init(config: RelayConfig, logger: Logger) throws {
        if let url = config.server.store {
            let directory = try NodeDirectory(config.server.dataDirectory)
            Self.warn(tightened: directory.tightenedModes, logger: logger)
            let store: PostgresStore
            do {
                store = try PostgresStore(
                    url: url, claimLease: config.server.claimLease, queueLimit: config.server.queueLimit,
                    rates: PostgresStore.rates(of: config.destinations)
                )
            } catch {
                directory.release()
                throw error
            }
            try self.init(config: config, store: store, logger: logger, nodeDirectory: directory)
            return
        }
        let store = try EventStore(directory: config.server.dataDirectory, queueLimit: config.server.queueLimit)
        Self.warn(tightened: store.tightenedModes, logger: logger)
        if store.recoveryDeferred {
            logger.warning("the disk is full: deliveries in flight at the last stop become due once the store can write again")
        }
        try self.init(config: config, store: store, logger: logger)
    }

    private static func warn(tightened: [TightenedMode], logger: Logger) {
        for tightened in tightened {
            logger.warning("data_dir was open to other users; made private", metadata: [
                "path": "\(tightened.path)", "mode": "\(String(tightened.oldMode, radix: 8))", "now": "\(String(tightened.newMode, radix: 8))",
            ])
        }
    }

    /// A relay on `store`, which it owns from now on (closed by `stop`, or at once if this fails);
    /// `nodeDirectory`, when given, is released with it.
    public init(config: RelayConfig, store: any RelayStore, logger: Logger, nodeDirectory: NodeDirectory? = nil) throws {
        live = Mutex(config)
        reloadStatus = ReloadStatus(loadedAt: WallClock.system.now())
        self.logger = logger
        self.nodeDirectory = nodeDirectory
        do {
            // One curl thread per usable core: delivery is not capped by one thread (issue 17).
            engine = try CurlEnginePool(count: UsableCores.count)
        } catch {
            store.close()  // its writer and checkpointer threads would otherwise outlive the failed start
            nodeDirectory?.release()
            throw error
        }
        self.store = store
        group = MultiThreadedEventLoopGroup(numberOfThreads: UsableCores.count)
        let scheduler = DeliveryScheduler(config: config, store: store, engine: engine, metrics: metrics, logger: logger)
        self.scheduler = scheduler
        sampler = QueueDepthSampler(store: store, destinations: config.destinations.map(\.name), logger: logger)
        // Bodies held by both listeners share one cap (SPEC §11, max_buffered).
        let server = config.server
        let bodies = BodyBudget(capacity: server.maxBuffered)
        let limits = ListenerLimits(
            maxBody: server.maxBody, bodies: bodies, maxConnections: server.maxConnections,
            headerTimeout: server.headerTimeout, idleTimeout: server.idleTimeout
        )
        ingestResponder = IngestResponder(config: config, store: store, metrics: metrics, logger: logger, scheduler: scheduler)
        ingest = HTTPServer(name: "ingest", group: group, responder: ingestResponder, limits: limits)
        var adminLimits = limits
        // The request bin stands in for a destination: it takes any body the relay may forward
        // (it keeps the first 64 KiB). The admin API's own requests are small.
        adminLimits.maxBody = max(1 << 20, server.maxBody)
        adminResponder = AdminResponder(
            config: config, store: store, metrics: metrics, logger: logger, reloadStatus: reloadStatus, onReplay: { scheduler.wake() },
            delivery: AdminDeliveryControl(states: { scheduler.destinationStates }, setPaused: { scheduler.setPaused($0, $1) })
        )
        admin = HTTPServer(name: "admin", group: group, responder: adminResponder, limits: adminLimits)
        metrics.watch(listeners: [ingest, admin], bodies: bodies)
    }

    /// Starts delivery and binds both listeners; returns their addresses (useful with port 0).
    /// For tests and embedding; `hookrelay serve` runs `services(grace:)` in a `ServiceGroup`.
    @discardableResult
    public func start() async throws -> (ingest: SocketAddress, admin: SocketAddress) {
        startDelivery()
        do {
            let adminAddress = try await startListener(.admin)
            let ingestAddress = try await startListener(.ingest)
            return (ingestAddress, adminAddress)
        } catch {
            // A listener could not bind: nothing may keep running (claimed deliveries go back due).
            await stop(grace: .zero)
            throw error
        }
    }

    /// Stops taking events, lets requests in hand and attempts in flight finish (each bounded
    /// by `grace`), leaves unfinished deliveries due in the store, and closes it: the order of
    /// `services(grace:)`'s shutdown.
    public func stop(grace: Duration = .seconds(10)) async {
        await stopListener(.ingest, grace: grace)
        await stopDelivery(grace: grace)
        await stopListener(.admin, grace: .seconds(1))
        await closeStore()
    }

    // MARK: - Steps, shared by `start`/`stop` and the services

    /// The two listeners.
    enum Listener: String, Sendable {
        case ingest, admin
    }

    /// The curl engines and the scheduler's loop.
    func startDelivery() {
        engine.start()
        scheduler.start()
        sampler.start()
        if store.recoveredInFlight > 0 {
            logger.notice("deliveries in flight at the last stop are due again", metadata: ["count": "\(store.recoveredInFlight)"])
        }
    }

    /// Binds `listener`; once both are bound, logs `listening` with both addresses (what the
    /// operator, and the process tests, read).
    func startListener(_ listener: Listener) async throws -> SocketAddress {
        let server = config.server
        let address: SocketAddress
        switch listener {
        case .admin: address = try await admin.start(host: server.adminListen.host, port: server.adminListen.port)
        case .ingest: address = try await ingest.start(host: server.listen.host, port: server.listen.port)
        }
        let both = addresses.withLock { bound -> (ingest: SocketAddress, admin: SocketAddress)? in
            switch listener {
            case .admin: bound.admin = address
            case .ingest: bound.ingest = address
            }
            guard let ingest = bound.ingest, let admin = bound.admin else { return nil }
            return (ingest, admin)
        }
        if let both {
            logger.info("listening", metadata: [
                "ingest": "\(both.ingest.hookrelayDescription)", "admin": "\(both.admin.hookrelayDescription)",
                "data_dir": "\(server.dataDirectory)", "store": "\(store.location)",
                "event_loops": "\(UsableCores.count)", "curl_threads": "\(engine.count)",
            ])
            for source in config.sources where source.scheme == .none {
                logger.warning("source accepts unsigned requests", metadata: ["source": "\(source.name)", "path": "\(source.path)"])
            }
        }
        return address
    }

    func stopListener(_ listener: Listener, grace: Duration) async {
        switch listener {
        case .ingest: await ingest.stop(grace: grace)
        case .admin: await admin.stop(grace: grace)
        }
    }

    /// Waits for attempts in progress (up to `grace`), then for their outcomes to be stored.
    func stopDelivery(grace: Duration) async {
        sampler.stop()
        await scheduler.stop(grace: grace)
    }

    /// Closes the store and the listeners' event loops; the last step.
    func closeStore() async {
        store.close()
        nodeDirectory?.release()
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
