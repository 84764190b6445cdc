import HookrelayCore
import HookrelayCurl
import HookrelayTestSupport
import Testing

/// HTTP answers pass through the engine: status, body snippet, Retry-After, the request as sent.
@Suite struct CurlEngineResponseTests {
    @Test func postsBodyAndHeadersAndReturnsStatusAndSnippet() async throws {
        let sink = try await SinkServer.start(.status(200))
        let engine = try TestRequests.engine()
        let request = TestRequests.post(sink.url("/hooks/a"))

        let result = await engine.send(request)
        engine.stop(grace: .seconds(1))
        await sink.stop()

        #expect(result.status == 200)
        #expect(result.transportError == nil)
        #expect(result.responseSnippet == "sink says 200")
        #expect(result.retryAfter == nil)
        #expect(result.latency > .zero)
        let received = try #require(sink.requests.first)
        #expect(sink.requests.count == 1)
        #expect(received.method == "POST")
        #expect(received.path == "/hooks/a")
        #expect(received.body == TestRequests.body)
        for field in request.headers {
            #expect(received.header(field.name) == field.value, "header \(field.name)")
        }
        #expect(received.header("Expect") == nil)
        #expect(received.header("Content-Length") == String(TestRequests.body.count))
    }

    @Test(arguments: [406, 500, 404, 201])
    func passesStatusesThrough(status: Int) async throws {
        let sink = try await SinkServer.start(.status(status))
        let engine = try TestRequests.engine()
        let result = await engine.send(TestRequests.post(sink.url()))
        engine.stop(grace: .seconds(1))
        await sink.stop()

        #expect(result.status == status)
        #expect(result.transportError == nil)
        #expect(result.responseSnippet == "sink says \(status)")
        #expect(result.retryAfter == nil)
    }

    @Test(arguments: [503, 429])
    func readsRetryAfter(status: Int) async throws {
        let sink = try await SinkServer.start(.status(status, headers: [HeaderField(name: "Retry-After", value: "7")]))
        let engine = try TestRequests.engine()
        let result = await engine.send(TestRequests.post(sink.url()))
        engine.stop(grace: .seconds(1))
        await sink.stop()

        #expect(result.status == status)
        #expect(result.retryAfter == .seconds(7))
    }

    @Test func ignoresRetryAfterOnOtherStatuses() async throws {
        let sink = try await SinkServer.start(.status(500, headers: [HeaderField(name: "Retry-After", value: "7")]))
        let engine = try TestRequests.engine()
        let result = await engine.send(TestRequests.post(sink.url()))
        engine.stop(grace: .seconds(1))
        await sink.stop()

        #expect(result.status == 500)
        #expect(result.retryAfter == nil)
    }

    @Test func sequenceOfStatusesOnOneEngine() async throws {
        let sink = try await SinkServer.start(.sequence([500, 200]))
        let engine = try TestRequests.engine()
        let first = await engine.send(TestRequests.post(sink.url()))
        let second = await engine.send(TestRequests.post(sink.url()))
        engine.stop(grace: .seconds(1))
        await sink.stop()

        #expect(first.status == 500)
        #expect(second.status == 200)
    }

    @Test func capsSnippetAt1KiBButReadsTheWholeBody() async throws {
        let server = try await BigBodyServer.start(bodySize: 5000)
        let engine = try TestRequests.engine()
        let result = await engine.send(TestRequests.post(server.url))
        engine.stop(grace: .seconds(1))
        await server.stop()

        #expect(result.status == 200)
        #expect(result.transportError == nil)
        // Read through libcurl's 1 KiB buffer (the head takes part of the first read): the
        // snippet is the body's first 1,024 bytes, in order.
        #expect(result.responseSnippet.utf8.count == 1024)
        #expect(Array(result.responseSnippet.utf8) == Array(BigBodyServer.body(size: 5000).prefix(1024)))
    }

    @Test func sendsAnEmptyBody() async throws {
        let sink = try await SinkServer.start(.status(200))
        let engine = try TestRequests.engine()
        var request = TestRequests.post(sink.url())
        request.body = []
        let result = await engine.send(request)
        engine.stop(grace: .seconds(1))
        await sink.stop()

        #expect(result.status == 200)
        #expect(sink.requests.first?.method == "POST")
        #expect(sink.requests.first?.body == [])
    }

    @Test func requestsSentBeforeStartRunOnceStarted() async throws {
        let sink = try await SinkServer.start(.status(200))
        let engine = try CurlEngine()
        async let result = engine.send(TestRequests.post(sink.url()))
        #expect(await Polling.until { engine.inFlightCount == 1 })
        engine.start()
        #expect(await result.status == 200)
        #expect(engine.inFlightCount == 0)
        engine.stop(grace: .seconds(1))
        await sink.stop()
    }
}
