import HookrelayCore
import HookrelayCurl
import HookrelayTestSupport
import Testing

/// `stop(grace:)`: bounded, cancels what is left, refuses later sends, lets quick transfers finish.
@Suite struct CurlEngineStopTests {
    @Test func stopAbortsAHangingTransferAfterGrace() async throws {
        let sink = try await SinkServer.start(.hang)
        let engine = try TestRequests.engine()
        let hanging = Slot<AttemptResult>()
        engine.send(TestRequests.post(sink.url(), timeout: .seconds(30))) { hanging.set($0) }
        #expect(await Polling.until { sink.requests.count == 1 })

        let elapsed = ContinuousClock().measure { engine.stop(grace: .milliseconds(300)) }

        #expect(elapsed >= .milliseconds(250))
        #expect(elapsed < .seconds(2))
        #expect(hanging.value?.status == nil)
        #expect(hanging.value?.transportError?.kind == .cancelled)
        #expect(engine.inFlightCount == 0)

        // Timed where the engine answers, not where this task resumes (other tests can hold the
        // cooperative threads): after a stop, a send is answered at once, on the caller's thread.
        let clock = ContinuousClock()
        let started = clock.now
        let after = Slot<AttemptResult>()
        let answeredAt = Slot<ContinuousClock.Instant>()
        engine.send(TestRequests.post(sink.url())) { result in
            answeredAt.set(clock.now)
            after.set(result)
        }
        #expect(after.value?.transportError?.kind == .cancelled)
        #expect(answeredAt.value.map { started.duration(to: $0) < .milliseconds(200) } == true)
        #expect(sink.requests.count == 1)
        await sink.stop()
    }

    @Test func stopLetsTransfersInProgressFinishWithinGrace() async throws {
        let sink = try await SinkServer.start(.status(200))
        let engine = try TestRequests.engine()
        let results = (0..<5).map { _ in Slot<AttemptResult>() }
        for slot in results {
            engine.send(TestRequests.post(sink.url())) { slot.set($0) }
        }
        engine.stop(grace: .seconds(5))

        for slot in results {
            #expect(slot.value?.status == 200)
        }
        #expect(sink.requests.count == 5)
        await sink.stop()
    }

    @Test func stopWithoutStartCancelsQueuedRequests() async throws {
        let engine = try CurlEngine()
        let queued = Slot<AttemptResult>()
        engine.send(TestRequests.post("http://127.0.0.1:1/")) { queued.set($0) }
        engine.stop(grace: .seconds(1))
        #expect(queued.value?.transportError?.kind == .cancelled)
        engine.start()  // no effect after stop
        #expect(await engine.send(TestRequests.post("http://127.0.0.1:1/")).transportError?.kind == .cancelled)
    }

    @Test func stopFromACompletionDoesNotDeadlock() async throws {
        let sink = try await SinkServer.start(.status(200))
        let engine = try TestRequests.engine()
        let inner = Slot<AttemptResult>()
        engine.send(TestRequests.post(sink.url())) { result in
            engine.stop(grace: .zero)  // on the engine thread: starts the stop, does not wait
            inner.set(result)
        }
        #expect(await Polling.until { inner.value != nil })
        engine.stop(grace: .seconds(1))  // waits for the thread to end
        #expect(inner.value?.status == 200)
        #expect(await engine.send(TestRequests.post(sink.url())).transportError?.kind == .cancelled)
        await sink.stop()
    }

    @Test func stopTwiceAndConcurrentlyReturns() async throws {
        let sink = try await SinkServer.start(.hang)
        let engine = try TestRequests.engine()
        engine.send(TestRequests.post(sink.url(), timeout: .seconds(30))) { _ in }
        #expect(await Polling.until { sink.requests.count == 1 })
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<3 { group.addTask { engine.stop(grace: .milliseconds(100)) } }
        }
        engine.stop(grace: .seconds(1))
        #expect(engine.inFlightCount == 0)
        await sink.stop()
    }
}
