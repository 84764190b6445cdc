import HookrelayCore
import HookrelayHTTP
import NIOPosix

/// A loopback server answering every request with 200 and a body of `bodySize` bytes cycling
/// through the alphabet (`body(size:)`), for the response snippet cap (the sink's own body is
/// short). The bytes depend on their position, so a snippet read in pieces shows their order.
struct BigBodyServer {
    let server: HTTPServer
    let url: String

    static func start(bodySize: Int) async throws -> BigBodyServer {
        let server = HTTPServer(name: "big", group: MultiThreadedEventLoopGroup.singleton, responder: Responder(bodySize: bodySize), maxBody: 1 << 20, idleTimeout: .seconds(10))
        let address = try await server.start(host: "127.0.0.1", port: 0)
        return BigBodyServer(server: server, url: "http://127.0.0.1:\(address.port ?? 0)/big")
    }

    func stop() async {
        await server.stop(grace: .milliseconds(100))
    }

    private struct Responder: HTTPResponder {
        let bodySize: Int
        func respond(to request: HTTPRequest, completion: @escaping @Sendable (HTTPResponse) -> Void) {
            completion(HTTPResponse(status: 200, headers: [HeaderField(name: "Content-Type", value: "text/plain")], body: BigBodyServer.body(size: bodySize)))
        }
    }

    /// `abc…xyzabc…`, `size` bytes.
    static func body(size: Int) -> [UInt8] {
        (0..<size).map { UInt8(ascii: "a") + UInt8($0 % 26) }
    }
}
