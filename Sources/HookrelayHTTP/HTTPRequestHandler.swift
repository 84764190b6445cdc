import HookrelayCore
import NIOCore
import NIOHTTP1

/// Collects one request (head and body, within `ListenerLimits`) from NIO's HTTP/1 pipeline,
/// hands it to a responder and writes the answer. Sits behind `configureHTTPServerPipeline`
/// (pipelining assistance, protocol error handling, a bounded head) and an `IdleStateHandler`.
///
/// - A body above `maxBody` is answered 413 as soon as that is known — from Content-Length,
///   before reading the body — and the connection is closed.
/// - A body must fit the shared `BodyBudget` (by its Content-Length before it is read, a
///   chunked one by its bytes as they come); one that does not is answered 503 with
///   `Retry-After` and the connection is closed. The body's share goes back once it is answered.
/// - A head must be complete within `headerTimeout` of the accept or of the previous answer;
///   otherwise the connection is closed.
final class HTTPRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        case receiving(HTTPRequestHead, ByteBuffer)
        case waitingForResponse
        /// A complete request held back until the connection can take an answer again: a client
        /// that does not read its answers stops being read (NIO's pipelining handler reads no
        /// more while an answer is due), so it cannot pile answers up in the relay's memory.
        case waitingForWritability(HTTPRequestHead, ByteBuffer)
        /// An early answer (413, 503) was sent; the rest of the request is dropped and the connection closes.
        case discarding
    }

    private var state = State.idle
    private let responder: any HTTPResponder
    private let maxBody: Int
    private let budget: BodyBudget
    private let headerTimeout: TimeAmount
    /// What the request in hand holds of `budget`.
    private var reservation = BodyReservation()
    /// The request in hand's Content-Length, when it declared one.
    private var declaredLength: Int?
    /// When the next head must have arrived; nil while a request is in hand.
    private var headDueBy: NIODeadline?
    /// The one timer that checks `headDueBy`. Armed at most once per `headerTimeout` and moved
    /// on when it fires early, so a busy kept-alive connection schedules nothing per request.
    private var headerCheck: Scheduled<Void>?
    /// The most a body buffer is given before its bytes arrive.
    static let initialBodyCapacity = 64 << 10
    /// Seconds a client refused for lack of buffer room is asked to wait.
    static let retryAfterSeconds = "5"
    private let serverHeader: String
    /// True while `dispatch` calls the responder: an answer given at once is written on the next
    /// turn of the event loop, not inside the call. Otherwise each pipelined request NIO hands
    /// over while the previous answer is written would nest one call deeper (a client pipelining
    /// thousands of small requests behind a slow one overflowed the stack).
    private var dispatching = false

    init(responder: any HTTPResponder, limits: ListenerLimits, serverHeader: String) {
        self.responder = responder
        self.maxBody = limits.maxBody
        self.budget = limits.bodies
        self.headerTimeout = .milliseconds(max(1, limits.headerTimeout.milliseconds))
        self.serverHeader = serverHeader
    }

    // MARK: - Connection events

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { armHeaderDeadline(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        armHeaderDeadline(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        headerCheck?.cancel()
        headerCheck = nil
        // A request cut off: its body's share goes back now. One still waiting for its answer
        // keeps its share until the answer comes (`write`): the responder holds the body until then.
        if case .waitingForResponse = state {} else { reservation.release(to: budget) }
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, case .waitingForWritability(let head, let buffer) = state {
            state = .waitingForResponse
            dispatch(context: context, head: head, body: buffer)
        }
        context.fireChannelWritabilityChanged()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        headerCheck?.cancel()
        headerCheck = nil
        reservation.release(to: budget)
    }

    /// Starts the wait for the next head (from the accept, or from the end of an answer).
    private func armHeaderDeadline(context: ChannelHandlerContext) {
        let due = NIODeadline.now() + headerTimeout
        headDueBy = due
        if headerCheck == nil { scheduleHeaderCheck(at: due, context: context) }
    }

    private func scheduleHeaderCheck(at due: NIODeadline, context: ChannelHandlerContext) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        headerCheck = context.eventLoop.scheduleTask(deadline: due) {
            let (handler, context) = bound.value
            handler.headerCheck = nil
            // A request in hand has its own timers; a later answer moved the deadline on.
            guard let due = handler.headDueBy, case .idle = handler.state else { return }
            guard NIODeadline.now() >= due else {
                handler.scheduleHeaderCheck(at: due, context: context)
                return
            }
            handler.state = .discarding
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            headDueBy = nil
            let declared = head.headers.first(name: "content-length").flatMap { Int($0) }
            declaredLength = declared
            if let declared, declared > maxBody {
                refuseTooLarge(context: context, head: head, message: "body of \(declared) bytes exceeds max_body (\(maxBody) bytes)")
                return
            }
            // Admit the declared body against the memory all bodies share, before reading it.
            if let declared, !reservation.take(declared, totalAfter: declared, from: budget) {
                refuseOverloaded(context: context, head: head)
                return
            }
            // HTTP/1.0 has no 100 Continue: its expectation is ignored (RFC 9110 §10.1.1).
            if head.version != .http1_0, head.headers.first(name: "expect")?.lowercased() == "100-continue" {
                // Refuse what the head already decides before the client uploads its body.
                if let refusal = responder.refusal(beforeBody: request(head, body: [], on: context.eventLoop)) {
                    state = .discarding
                    write(refusal, version: head.version, keepAlive: false, context: context)
                    return
                }
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
            }
            // Room for the declared body up to 64 KiB (a webhook is ~1 KiB); a longer one gets its
            // declared size once its bytes arrive, so a client that only declares a large body
            // holds little memory, and one that sends it is not given a doubled buffer.
            state = .receiving(head, context.channel.allocator.buffer(capacity: min(declared ?? 0, maxBody, Self.initialBodyCapacity)))
        case .body(var chunk):
            guard case .receiving(let head, var buffer) = state else { return }
            let total = buffer.readableBytes + chunk.readableBytes
            if total > maxBody {
                refuseTooLarge(context: context, head: head, message: "body exceeds max_body (\(maxBody) bytes)")
                return
            }
            // A body without Content-Length (chunked) is admitted by the bytes received.
            if declaredLength == nil, !reservation.take(chunk.readableBytes, totalAfter: total, from: budget) {
                refuseOverloaded(context: context, head: head)
                return
            }
            state = .idle  // drop the reference so the append does not copy
            if buffer.writableBytes < chunk.readableBytes, let declared = declaredLength, declared >= total {
                buffer.reserveCapacity(declared)
            }
            buffer.writeBuffer(&chunk)
            state = .receiving(head, buffer)
        case .end:
            guard case .receiving(let head, let buffer) = state else {
                if case .discarding = state { context.close(promise: nil) }
                return
            }
            guard context.channel.isWritable else {
                state = .waitingForWritability(head, buffer)
                return
            }
            state = .waitingForResponse
            dispatch(context: context, head: head, body: buffer)
        }
    }

    private func request(_ head: HTTPRequestHead, body: [UInt8], on loop: any EventLoop) -> HTTPRequest {
        var headers: [HeaderField] = []
        headers.reserveCapacity(head.headers.count)
        for (name, value) in head.headers { headers.append(HeaderField(name: name, value: value)) }
        return HTTPRequest(
            method: head.method.rawValue, uri: head.uri, headers: headers, body: body,
            onConnectionThread: { work in loop.inEventLoop ? work() : loop.execute(work) }
        )
    }

    private func dispatch(context: ChannelHandlerContext, head: HTTPRequestHead, body: ByteBuffer) {
        let loop = context.eventLoop
        let request = request(head, body: body.getBytes(at: body.readerIndex, length: body.readableBytes) ?? [], on: loop)
        let keepAlive = head.isKeepAlive
        let version = head.version
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        dispatching = true
        responder.respond(to: request) { response in
            let write: @Sendable () -> Void = {
                let (handler, context) = bound.value
                handler.write(response, version: version, keepAlive: keepAlive, context: context)
            }
            // On the loop and not inside `respond` (an answer from the store's writer, hopped back):
            // write now. Inside `respond`: on the next turn, so pipelined requests do not nest.
            if loop.inEventLoop, !bound.value.0.dispatching { write() } else { loop.execute(write) }
        }
        dispatching = false
    }

    private func refuseTooLarge(context: ChannelHandlerContext, head: HTTPRequestHead, message: String) {
        responder.refusedByListener(request(head, body: [], on: context.eventLoop), status: 413, reason: message)
        state = .discarding
        write(.error(413, message), version: head.version, keepAlive: false, context: context)
    }

    /// The body does not fit the memory bodies share (`max_buffered`): 503, and the connection closes.
    private func refuseOverloaded(context: ChannelHandlerContext, head: HTTPRequestHead) {
        let message = "request bodies in hand fill max_buffered; retry later"
        responder.refusedByListener(request(head, body: [], on: context.eventLoop), status: 503, reason: message)
        state = .discarding
        let retryAfter = HeaderField(name: "Retry-After", value: Self.retryAfterSeconds)
        write(.error(503, message, headers: [retryAfter]), version: head.version, keepAlive: false, context: context)
    }

    private func write(_ response: HTTPResponse, version: HTTPVersion, keepAlive: Bool, context: ChannelHandlerContext) {
        if case .waitingForResponse = state { state = .idle }
        // The answered body's share of the budget goes back (the responder is done with it).
        reservation.release(to: budget)
        declaredLength = nil
        var headers = HTTPHeaders()
        headers.reserveCapacity(response.headers.count + 4)
        headers.add(name: "Server", value: serverHeader)
        for field in response.headers { headers.add(name: field.name, value: field.value) }
        headers.add(name: "Content-Length", value: String(response.body.count))
        if !keepAlive {
            headers.add(name: "Connection", value: "close")
        } else if version.major == 1 && version.minor == 0 {
            headers.add(name: "Connection", value: "keep-alive")
        }
        let head = HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if !response.body.isEmpty {
            var buffer = context.channel.allocator.buffer(capacity: response.body.count)
            buffer.writeBytes(response.body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        if keepAlive {
            // The next head is due within headerTimeout of this answer (armed before the write:
            // a pipelined head NIO holds back arrives during it, and disarms it).
            if case .idle = state, context.channel.isActive { armHeaderDeadline(context: context) }
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            // Idle between requests, or a client stalled mid-request: close. A request waiting
            // for its answer (the store's commit) is not idle.
            if case .waitingForResponse = state { return }
            state = .discarding  // what the close makes NIO report about a cut-off body is not the client's error
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A request whose head was read and whose body NIO could not parse: NIO's error handler
        // (before this one) has answered 400; the responder hears of it, as of a 413. Not a reset
        // or any other error, nor a body cut off by the client going away (the channel is closed then).
        if error is HTTPParserError, context.channel.isActive, case .receiving(let head, _) = state {
            state = .discarding
            responder.refusedByListener(request(head, body: [], on: context.eventLoop), status: 400, reason: "malformed request: \(error)")
        }
        context.close(promise: nil)
    }
}
