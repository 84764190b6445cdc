import HookrelayCore
import HookrelayCurl
import HookrelayTestSupport
import Testing

/// Many requests at once complete, and connections are reused rather than opened per request.
@Suite struct CurlEngineConcurrencyTests {
    @Test func twoHundredConcurrentSendsReuseConnections() async throws {
        let sink = try await SinkServer.start(.status(200))
        let engine = try TestRequests.engine(maxConnectionsPerHost: 16)
        let url = sink.url()

        let statuses = await withTaskGroup(of: Int?.self) { group in
            for _ in 0..<200 {
                group.addTask { await engine.send(TestRequests.post(url)).status }
            }
            var statuses: [Int?] = []
            for await status in group { statuses.append(status) }
            return statuses
        }
        let connections = engine.newConnectionCount
        engine.stop(grace: .seconds(1))
        await sink.stop()

        #expect(statuses.count == 200)
        #expect(statuses.allSatisfy { $0 == 200 })
        #expect(sink.requests.count == 200)
        #expect(connections >= 1)
        #expect(connections <= 16, "opened \(connections) connections for 200 requests")
        #expect(engine.inFlightCount == 0)
    }

    @Test func sequentialSendsShareOneConnection() async throws {
        let sink = try await SinkServer.start(.status(200))
        let engine = try TestRequests.engine()
        for _ in 0..<20 {
            #expect(await engine.send(TestRequests.post(sink.url())).status == 200)
        }
        let connections = engine.newConnectionCount
        engine.stop(grace: .seconds(1))
        await sink.stop()

        #expect(connections == 1)
    }

    @Test func completionHandlerSendsFromManyTasks() async throws {
        let sink = try await SinkServer.start(.status(200))
        let engine = try TestRequests.engine(maxConnectionsPerHost: 8)
        let done = Counter()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<50 {
                        engine.send(TestRequests.post(sink.url())) { result in
                            if result.status == 200 { done.increment() }
                        }
                    }
                }
            }
        }
        #expect(await Polling.until(timeout: .seconds(20)) { done.value == 200 })
        #expect(await Polling.until { engine.inFlightCount == 0 })
        engine.stop(grace: .seconds(1))
        await sink.stop()
    }
}
