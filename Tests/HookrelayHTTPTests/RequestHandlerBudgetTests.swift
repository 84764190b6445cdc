import HookrelayCore
@testable import HookrelayHTTP
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Synchronization
import Testing

/// A responder that answers only when the test says so.
final class HeldResponder: HTTPResponder, Sendable {
    private let pending = Mutex<[@Sendable (HTTPResponse) -> Void]>([])

    func respond(to request: HTTPRequest, completion: @escaping @Sendable (HTTPResponse) -> Void) {
        pending.withLock { $0.append(completion) }
    }

    var waiting: Int { pending.withLock { $0.count } }

    func answerAll() {
        for completion in pending.withLock({ list in defer { list.removeAll() }; return list }) {
            completion(HTTPResponse(status: 200))
        }
    }
}

/// SPEC §11: a body counts against max_buffered for as long as the relay holds it.
@Suite("Request handler and the body budget")
struct RequestHandlerBudgetTests {
    @Test("a client that leaves while its request waits for an answer keeps its body's share until the answer")
    func shareKeptUntilAnswered() throws {
        let budget = BodyBudget(capacity: 1 << 20)
        let responder = HeldResponder()
        let limits = ListenerLimits(maxBody: 1 << 20, bodies: budget)
        let channel = EmbeddedChannel(handler: HTTPRequestHandler(responder: responder, limits: limits, serverHeader: "test"))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/webhooks/mailgun")
        head.headers.add(name: "Content-Length", value: "1000")
        try channel.writeInbound(HTTPServerRequestPart.head(head))
        try channel.writeInbound(HTTPServerRequestPart.body(ByteBuffer(repeating: 0x20, count: 1000)))
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        #expect(responder.waiting == 1)
        #expect(budget.used == 1000)
        // The client goes away; the responder still holds the body.
        channel.pipeline.fireChannelInactive()
        #expect(budget.used == 1000, "the share went back while the body is still held")
        responder.answerAll()
        channel.embeddedEventLoop.run()
        #expect(budget.used == 0)
        _ = try? channel.finish()
    }

    @Test("a request cut off mid-body gives its share back when the client leaves")
    func shareReturnedWhenCutOff() throws {
        let budget = BodyBudget(capacity: 1 << 20)
        let channel = EmbeddedChannel(handler: HTTPRequestHandler(responder: HeldResponder(), limits: ListenerLimits(maxBody: 1 << 20, bodies: budget), serverHeader: "test"))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/webhooks/mailgun")
        head.headers.add(name: "Content-Length", value: "5000")
        try channel.writeInbound(HTTPServerRequestPart.head(head))
        #expect(budget.used == 5000)
        channel.pipeline.fireChannelInactive()
        #expect(budget.used == 0)
        _ = try? channel.finish()
    }
}
