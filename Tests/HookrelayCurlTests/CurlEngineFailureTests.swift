import HookrelayCore
import HookrelayCurl
import HookrelayTestSupport
import Testing

/// Attempts that get no HTTP answer come back as transport errors of the right kind, in bounded time.
@Suite struct CurlEngineFailureTests {
    @Test func refusedConnectionIsConnect() async throws {
        let refusing = try RefusingPort()
        defer { refusing.release() }
        let engine = try TestRequests.engine()
        let result = await engine.send(TestRequests.post("http://127.0.0.1:\(refusing.port)/hook"))
        engine.stop(grace: .seconds(1))

        #expect(result.status == nil)
        #expect(result.transportError?.kind == .connect)
        #expect(result.transportError?.message.isEmpty == false)
        #expect(result.errorKind == "connect")
    }

    @Test func hangingSinkTimesOut() async throws {
        let sink = try await SinkServer.start(.hang)
        let engine = try TestRequests.engine()
        let clock = ContinuousClock()
        let started = clock.now
        // Timed where the engine answers (its own thread), not where this task resumes: with the
        // whole suite running, the test's cooperative threads can be held by other tests' blocking
        // waits for seconds (a clean-clone CI run read 6.7 s here once).
        let (result, ended) = await withCheckedContinuation { continuation in
            engine.send(TestRequests.post(sink.url(), timeout: .milliseconds(300))) { result in
                continuation.resume(returning: (result, clock.now))
            }
        }
        let elapsed = started.duration(to: ended)
        engine.stop(grace: .seconds(1))
        await sink.stop()

        #expect(result.status == nil)
        #expect(result.transportError?.kind == .timeout)
        #expect(elapsed >= .milliseconds(250))
        #expect(elapsed < .seconds(3))
        #expect(sink.requests.count == 1)
    }

    /// `.invalid` never resolves (RFC 6761), and the resolver here fails at once when offline.
    @Test func unresolvableHostIsDNS() async throws {
        let engine = try TestRequests.engine()
        let result = await engine.send(TestRequests.post("http://nonexistent.invalid/hook", timeout: .seconds(5)))
        engine.stop(grace: .seconds(1))

        #expect(result.status == nil)
        #expect(result.transportError?.kind == .dns)
    }

    /// TLS spoken to a plain-HTTP loopback port fails the handshake.
    @Test func tlsHandshakeFailureIsTLS() async throws {
        let sink = try await SinkServer.start(.status(200))
        let engine = try TestRequests.engine()
        let result = await engine.send(TestRequests.post("https://127.0.0.1:\(sink.port)/hook"))
        engine.stop(grace: .seconds(1))
        await sink.stop()

        #expect(result.status == nil)
        #expect(result.transportError?.kind == .tls)
    }

    @Test(arguments: ["ftp://127.0.0.1:1/x", "file:///etc/passwd", "gopher://127.0.0.1:1/"])
    func otherSchemesAreRefused(url: String) async throws {
        let engine = try TestRequests.engine()
        let result = await engine.send(TestRequests.post(url))
        engine.stop(grace: .seconds(1))

        #expect(result.status == nil)
        #expect(result.transportError?.kind == .protocolError)
    }

    @Test func malformedURLIsProtocol() async throws {
        let engine = try TestRequests.engine()
        let result = await engine.send(TestRequests.post("http://[::1"))
        engine.stop(grace: .seconds(1))

        #expect(result.transportError?.kind == .protocolError)
    }

    @Test func headerWithLineBreakIsNotSent() async throws {
        let sink = try await SinkServer.start(.status(200))
        let engine = try TestRequests.engine()
        let request = TestRequests.post(sink.url(), headers: [HeaderField(name: "X-Evil", value: "a\r\nX-Injected: 1")])
        let result = await engine.send(request)
        // The handle goes back to the pool and serves the next request normally.
        let next = await engine.send(TestRequests.post(sink.url()))
        engine.stop(grace: .seconds(1))
        await sink.stop()

        #expect(result.status == nil)
        #expect(result.transportError?.kind == .protocolError)
        #expect(next.status == 200)
        #expect(sink.requests.count == 1)
        #expect(sink.requests.first?.header("X-Injected") == nil)
    }

    @Test func emptyHeaderValueIsSentEmpty() async throws {
        let sink = try await SinkServer.start(.status(200))
        let engine = try TestRequests.engine()
        let request = TestRequests.post(sink.url(), headers: [HeaderField(name: "X-Empty", value: "")])
        let result = await engine.send(request)
        engine.stop(grace: .seconds(1))
        await sink.stop()

        #expect(result.status == 200)
        #expect(sink.requests.first?.header("X-Empty") == "")
    }
}
