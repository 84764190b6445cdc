public import HookrelayCore
import NIOCore
import NIOHTTP1
import NIOPosix

/// A request for `HTTPTestClient`.
public struct TestRequest: Sendable {
    public var method: String
    public var path: String
    public var headers: [HeaderField]
    public var body: [UInt8]

    public init(method: String = "POST", path: String, headers: [HeaderField] = [], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
    }

    /// A POST with a JSON body.
    public static func json(_ path: String, _ body: [UInt8], headers: [HeaderField] = []) -> TestRequest {
        TestRequest(path: path, headers: [HeaderField(name: "Content-Type", value: "application/json")] + headers, body: body)
    }
}

/// A response read by `HTTPTestClient`.
public struct TestResponse: Sendable {
    public var status: Int
    public var headers: [HeaderField]
    public var body: [UInt8]

    public var text: String { String(decoding: body, as: UTF8.self) }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveEquals(name) }?.value
    }
}

/// A small HTTP/1.1 client over a real loopback socket, built on NIO's client handlers.
/// Each call opens one connection; several requests in one call are pipelined on it.
public enum HTTPTestClient {
    public static func send(_ request: TestRequest, port: Int, host: String = "127.0.0.1") async throws -> TestResponse {
        try await pipeline([request], port: port, host: host)[0]
    }

    /// Writes every request before reading any answer (HTTP pipelining); answers come back in order.
    public static func pipeline(_ requests: [TestRequest], port: Int, host: String = "127.0.0.1") async throws -> [TestResponse] {
        let channel = try await connect(host: host, port: port)
        return try await channel.executeThenClose { inbound, outbound in
            for request in requests {
                try await write(request, to: outbound, host: host, end: true)
            }
            return try await readResponses(requests.count, from: inbound)
        }
    }

    /// Sends a head (and optionally a first slice of body) without finishing the request, then
    /// reads one answer: shows a server answering before it has read the whole body.
    public static func sendPartial(_ request: TestRequest, declaredLength: Int, port: Int, host: String = "127.0.0.1") async throws -> TestResponse {
        let channel = try await connect(host: host, port: port)
        return try await channel.executeThenClose { inbound, outbound in
            var partial = request
            partial.headers.append(HeaderField(name: "Content-Length", value: String(declaredLength)))
            do {
                try await write(partial, to: outbound, host: host, end: false)
            } catch is ChannelError {
                // The server may answer (a 413) and close before the part of the body sent here is
                // written ("I/O on closed channel"): what it answered is still read below, and no
                // answer fails the read. Any other error is the test's own.
            } catch is IOError {
                // The same, seen as a reset or broken pipe by the write.
            }
            return try await readResponses(1, from: inbound)[0]
        }
    }

    private static func connect(host: String, port: Int) async throws -> NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart> {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
    }

    private static func write(
        _ request: TestRequest, to outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>, host: String, end: Bool
    ) async throws {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: host)
        for field in request.headers { headers.add(name: field.name, value: field.value) }
        // A request that names its own framing (Content-Length, or chunked) keeps it.
        if end, !headers.contains(name: "content-length"), !headers.contains(name: "transfer-encoding") {
            headers.add(name: "Content-Length", value: String(request.body.count))
        }
        let head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: request.method), uri: request.path, headers: headers)
        try await outbound.write(.head(head))
        if !request.body.isEmpty {
            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: request.body))))
        }
        if end { try await outbound.write(.end(nil)) }
    }

    private static func readResponses(_ count: Int, from inbound: NIOAsyncChannelInboundStream<HTTPClientResponsePart>) async throws -> [TestResponse] {
        var responses: [TestResponse] = []
        var current: TestResponse?
        for try await part in inbound {
            switch part {
            case .head(let head):
                if head.status.code < 200 { continue }  // 100 Continue
                current = TestResponse(status: Int(head.status.code), headers: head.headers.map { HeaderField(name: $0.name, value: $0.value) }, body: [])
            case .body(let buffer):
                current?.body += buffer.readableBytesView
            case .end:
                if let response = current {
                    responses.append(response)
                    current = nil
                }
                if responses.count == count { return responses }
            }
        }
        throw TestClientError.connectionClosed(received: responses.count, expected: count)
    }
}

/// Failures of the test client.
public enum TestClientError: Error {
    case connectionClosed(received: Int, expected: Int)
}
