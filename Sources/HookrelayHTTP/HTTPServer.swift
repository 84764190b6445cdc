import HookrelayCore
public import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// An HTTP/1.1 listener built from NIO's own pieces: the server pipeline with pipelining
/// assistance, protocol error handling and a bounded head, an idle timeout, and a request
/// handler that collects bodies within `ListenerLimits` and asks a responder for the answer.
/// Past `maxConnections` open connections a new one is closed at once (SPEC §11).
public final class HTTPServer: Sendable {
    /// What the server is, in logs ("ingest", "admin").
    public let name: String
    private let group: any EventLoopGroup
    private let responder: any HTTPResponder
    private let limits: ListenerLimits
    private let state = Mutex<State>(State())

    private struct State {
        var listener: (any Channel)?
        var connections: [ObjectIdentifier: any Channel] = [:]
        var stopped = false
        /// Connections closed at accept because `maxConnections` were open.
        var refusedConnections = 0
    }

    public init(name: String, group: any EventLoopGroup, responder: any HTTPResponder, limits: ListenerLimits) {
        self.name = name
        self.group = group
        self.responder = responder
        self.limits = limits
    }

    /// A listener with no limit but `maxBody` and `idleTimeout` to speak of (test sinks).
    public convenience init(name: String, group: any EventLoopGroup, responder: any HTTPResponder, maxBody: Int, idleTimeout: Duration) {
        self.init(name: name, group: group, responder: responder, limits: ListenerLimits(
            maxBody: maxBody, bodies: BodyBudget(capacity: .max / 2), maxConnections: .max,
            headerTimeout: idleTimeout, idleTimeout: idleTimeout, maxHeadBytes: 80 << 10
        ))
    }

    /// Connections open now.
    public var openConnections: Int { state.withLock { $0.connections.count } }

    /// Connections closed at accept so far because `maxConnections` were open.
    public var refusedConnections: Int { state.withLock { $0.refusedConnections } }

    /// Binds and starts accepting; returns the bound address (port 0 picks a free port).
    public func start(host: String, port: Int) async throws -> SocketAddress {
        let responder = self.responder
        let limits = self.limits
        let idleTimeout = TimeAmount.milliseconds(max(1, limits.idleTimeout.milliseconds))
        var decoderLimits = NIOHTTPDecoderLimitConfiguration()
        decoderLimits.maxHeaderListSize = limits.maxHeadBytes
        decoderLimits.maxHeaderFieldSize = limits.maxHeadBytes
        decoderLimits.maxHeaderFieldCount = 1000
        let serverHeader = "hookrelay/\(HookrelayVersion.current)"
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { [self, decoderLimits] channel in
                guard track(channel) else { return channel.eventLoop.makeSucceededVoidFuture() }
                return channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(IdleStateHandler(readTimeout: idleTimeout))
                    try sync.configureHTTPServerPipeline(
                        withPipeliningAssistance: true, withErrorHandling: true,
                        withEncoderConfiguration: .init(), withDecoderLimitConfiguration: decoderLimits
                    )
                    try sync.addHandler(HTTPRequestHandler(responder: responder, limits: limits, serverHeader: serverHeader))
                }
            }
            .bind(host: host, port: port)
            .get()
        state.withLock { $0.listener = channel }
        guard let address = channel.localAddress else { throw HTTPServerError.noLocalAddress }
        return address
    }

    /// Counts a new connection in; false (and the connection closed) once stopped or when
    /// `maxConnections` are open already, so the open ones are unaffected.
    private func track(_ channel: any Channel) -> Bool {
        let id = ObjectIdentifier(channel)
        let maxConnections = limits.maxConnections
        let open = state.withLock { state -> Bool in
            guard !state.stopped else { return false }
            guard state.connections.count < maxConnections else {
                state.refusedConnections += 1
                return false
            }
            state.connections[id] = channel
            return true
        }
        if !open {
            channel.close(promise: nil)
            return false
        }
        channel.closeFuture.whenComplete { [self] _ in
            _ = state.withLock { $0.connections.removeValue(forKey: id) }
        }
        return true
    }

    /// Stops accepting, lets open connections finish the request in hand (NIO quiescing),
    /// and closes whatever is still open after `grace`.
    public func stop(grace: Duration) async {
        let (listener, connections) = state.withLock { state in
            state.stopped = true
            return (state.listener, Array(state.connections.values))
        }
        try? await listener?.close()
        for connection in connections {
            connection.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline {
            if state.withLock({ $0.connections.isEmpty }) { return }
            try? await Task.sleep(for: .milliseconds(20))
        }
        for connection in state.withLock({ Array($0.connections.values) }) {
            try? await connection.close()
        }
    }
}

/// Failures of the HTTP listener itself.
public enum HTTPServerError: Error {
    case noLocalAddress
}
