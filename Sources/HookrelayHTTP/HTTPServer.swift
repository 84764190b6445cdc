import HookrelayCore
public import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// An HTTP/1.1 listener built from NIO's own pieces: the server pipeline with pipelining
/// assistance and protocol error handling, an idle timeout, and a request handler that
/// collects bodies up to `maxBody` and asks a responder for the answer.
public final class HTTPServer: Sendable {
    /// What the server is, in logs ("ingest", "admin").
    public let name: String
    private let group: any EventLoopGroup
    private let responder: any HTTPResponder
    private let maxBody: Int
    private let idleTimeout: TimeAmount
    private let state = Mutex<State>(State())

    private struct State {
        var listener: (any Channel)?
        var connections: [ObjectIdentifier: any Channel] = [:]
        var stopped = false
    }

    public init(name: String, group: any EventLoopGroup, responder: any HTTPResponder, maxBody: Int, idleTimeout: Duration) {
        self.name = name
        self.group = group
        self.responder = responder
        self.maxBody = maxBody
        self.idleTimeout = .milliseconds(max(1, idleTimeout.milliseconds))
    }

    /// Binds and starts accepting; returns the bound address (port 0 picks a free port).
    public func start(host: String, port: Int) async throws -> SocketAddress {
        let responder = self.responder
        let maxBody = self.maxBody
        let idleTimeout = self.idleTimeout
        let serverHeader = "hookrelay/\(HookrelayVersion.current)"
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { [self] channel in
                track(channel)
                return channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(IdleStateHandler(readTimeout: idleTimeout))
                    try sync.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true)
                    try sync.addHandler(HTTPRequestHandler(responder: responder, maxBody: maxBody, serverHeader: serverHeader))
                }
            }
            .bind(host: host, port: port)
            .get()
        state.withLock { $0.listener = channel }
        guard let address = channel.localAddress else { throw HTTPServerError.noLocalAddress }
        return address
    }

    private func track(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        let open = state.withLock { state -> Bool in
            guard !state.stopped else { return false }
            state.connections[id] = channel
            return true
        }
        if !open {
            channel.close(promise: nil)
            return
        }
        channel.closeFuture.whenComplete { [self] _ in
            _ = state.withLock { $0.connections.removeValue(forKey: id) }
        }
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
