import Foundation
public import HookrelayCore
import HookrelayHTTP
import NIOCore
import NIOPosix
import Synchronization

/// A destination for delivery tests: a real HTTP server on a loopback port that records every
/// request and answers as told — a fixed status, a sequence of statuses, or never (hang).
public final class SinkServer: Sendable {
    /// How the sink answers.
    public enum Behavior: Sendable {
        /// Always this status (200, 406, 500, …), with optional extra headers.
        case status(Int, headers: [HeaderField] = [])
        /// These statuses in turn, the last one repeating (e.g. `[500, 200]`).
        case sequence([Int])
        /// Reads the request and never answers.
        case hang
    }

    /// A request the sink received.
    public struct Received: Sendable {
        public var method: String
        public var path: String
        public var headers: [HeaderField]
        public var body: [UInt8]
        public var receivedAt: ContinuousClock.Instant

        public func header(_ name: String) -> String? {
            headers.first { $0.name.caseInsensitiveEquals(name) }?.value
        }

        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    private let server: HTTPServer
    private let recorder: Recorder
    public let port: Int

    private init(server: HTTPServer, recorder: Recorder, port: Int) {
        self.server = server
        self.recorder = recorder
        self.port = port
    }

    /// Starts a sink on 127.0.0.1, on `port` or a free one.
    public static func start(_ behavior: Behavior = .status(200), port: Int = 0) async throws -> SinkServer {
        let recorder = Recorder(behavior)
        let server = HTTPServer(name: "sink", group: MultiThreadedEventLoopGroup.singleton, responder: recorder, maxBody: 16 << 20, idleTimeout: .seconds(60))
        let address = try await server.start(host: "127.0.0.1", port: port)
        return SinkServer(server: server, recorder: recorder, port: address.port ?? 0)
    }

    /// `http://127.0.0.1:PORT/PATH`.
    public func url(_ path: String = "/hook") -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Every request received so far, in arrival order.
    public var requests: [Received] { recorder.requests }

    /// Changes how later requests are answered.
    public func setBehavior(_ behavior: Behavior) { recorder.setBehavior(behavior) }

    public func stop() async {
        await server.stop(grace: .milliseconds(100))
    }
}

/// The sink's responder: records, then answers per behaviour.
private final class Recorder: HTTPResponder {
    private struct State {
        var behavior: SinkServer.Behavior
        var requests: [SinkServer.Received] = []
        var sequenceIndex = 0
    }

    private let state: Mutex<State>

    init(_ behavior: SinkServer.Behavior) {
        state = Mutex(State(behavior: behavior))
    }

    var requests: [SinkServer.Received] { state.withLock { $0.requests } }

    func setBehavior(_ behavior: SinkServer.Behavior) {
        state.withLock {
            $0.behavior = behavior
            $0.sequenceIndex = 0
        }
    }

    func respond(to request: HTTPRequest, completion: @escaping @Sendable (HTTPResponse) -> Void) {
        let received = SinkServer.Received(method: request.method, path: request.path, headers: request.headers, body: request.body, receivedAt: .now)
        let answer: (Int, [HeaderField])? = state.withLock { state in
            state.requests.append(received)
            switch state.behavior {
            case .status(let status, let headers):
                return (status, headers)
            case .sequence(let statuses):
                let status = statuses[min(state.sequenceIndex, statuses.count - 1)]
                state.sequenceIndex += 1
                return (status, [])
            case .hang:
                return nil
            }
        }
        guard let (status, headers) = answer else { return }
        completion(HTTPResponse(status: status, headers: headers, body: Array("sink says \(status)".utf8)))
    }
}
