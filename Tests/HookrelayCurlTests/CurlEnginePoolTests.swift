import HookrelayCore
import HookrelayCurl
import HookrelayTestSupport
import Testing

/// Several engines take requests in turn, each on its own connections; a stop ends them all.
@Suite struct CurlEnginePoolTests {
    @Test func requestsGoToEveryEngineInTurn() async throws {
        let sink = try await SinkServer.start(.status(200))
        let pool = try CurlEnginePool(count: 3)
        pool.start()
        for _ in 0..<12 {
            #expect(await send(TestRequests.post(sink.url()), on: pool) == 200)
        }
        let connections = pool.newConnectionCount
        await pool.shutDown(grace: .seconds(1))
        await sink.stop()

        #expect(sink.requests.count == 12)
        // One engine would reuse one connection for all twelve; three in turn open one each.
        #expect(connections == 3, "opened \(connections) connections")
        #expect(pool.count == 3)
    }

    @Test func shutDownCancelsWhatEveryEngineHolds() async throws {
        let sink = try await SinkServer.start(.hang)
        let pool = try CurlEnginePool(count: 2)
        pool.start()
        let results = Counter()
        for _ in 0..<4 {
            pool.send(TestRequests.post(sink.url(), timeout: .seconds(30))) { result in
                if result.transportError?.kind == .cancelled { results.increment() }
            }
        }
        #expect(await Polling.until { sink.requests.count == 4 })
        await pool.shutDown(grace: .zero)
        #expect(results.value == 4)
        #expect(pool.inFlightCount == 0)
        await sink.stop()
    }

    @Test func zeroEnginesMeansOne() throws {
        #expect(try CurlEnginePool(count: 0).count == 1)
    }

    private func send(_ request: OutboundRequest, on pool: CurlEnginePool) async -> Int? {
        await withCheckedContinuation { continuation in
            pool.send(request) { continuation.resume(returning: $0.status) }
        }
    }
}
