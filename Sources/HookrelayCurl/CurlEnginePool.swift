public import HookrelayCore
import Synchronization

/// Several `CurlEngine`s, each with its own thread, multi handle and connections, taking
/// requests in turn: one curl thread caps delivery at what one core does (~20 µs of CPU per
/// attempt, docs/PERFORMANCE.md), so a relay that may use several cores delivers on as many.
/// Requests go round-robin, not by destination, so one busy destination spreads too. Each
/// engine keeps its own connections: a destination's attempts on the wire stay bounded by its
/// `max_in_flight` (the scheduler's slots), but up to one connection per engine may be open to
/// it at a time for each of them, idle ones included (with `max_in_flight = 1` and 16 engines,
/// 16 consecutive attempts may open 16 connections).
public final class CurlEnginePool: Sendable {
    private let engines: [CurlEngine]
    private let turn = Atomic<Int>(0)

    /// `count` engines (at least one), their threads named `hr-curl-1`, `hr-curl-2`, …
    public init(count: Int, maxConnectionsPerHost: Int = 0, maxTotalConnections: Int = 256) throws {
        engines = try (1...max(1, count)).map { index in
            try CurlEngine(maxConnectionsPerHost: maxConnectionsPerHost, maxTotalConnections: maxTotalConnections, threadName: "hr-curl-\(index)")
        }
    }

    /// How many engines (threads) deliver.
    public var count: Int { engines.count }

    /// Starts every engine's thread.
    public func start() {
        for engine in engines { engine.start() }
    }

    /// Queues `request` on the next engine in turn; `completion` is called once, on that
    /// engine's thread (see `CurlEngine.send`).
    public func send(_ request: OutboundRequest, completion: @escaping @Sendable (AttemptResult) -> Void) {
        let index = engines.count == 1 ? 0 : Int(UInt(bitPattern: turn.wrappingAdd(1, ordering: .relaxed).oldValue) % UInt(engines.count))
        engines[index].send(request, completion: completion)
    }

    /// Requests sent and not yet completed, over every engine.
    public var inFlightCount: Int { engines.reduce(0) { $0 + $1.inFlightCount } }

    /// Connections opened so far, over every engine.
    public var newConnectionCount: Int { engines.reduce(0) { $0 + $1.newConnectionCount } }

    /// Stops every engine at once (`CurlEngine.shutDown(grace:)`): the same grace for all.
    public func shutDown(grace: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            for engine in engines {
                group.addTask { await engine.shutDown(grace: grace) }
            }
        }
    }
}
