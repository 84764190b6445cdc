import HookrelayCore
import HookrelayCurl
import HookrelayTestSupport
import Testing

/// Easy handles are pooled and reused: an attempt must carry nothing of the one before it on the
/// same handle (options, headers, body, error text).
@Suite struct CurlEngineReuseTests {
    @Test func aReusedHandleCarriesNothingOfTheAttemptBefore() async throws {
        let first = try await SinkServer.start(.status(200))
        let second = try await SinkServer.start(.status(200))
        let refusing = try RefusingPort()
        defer { refusing.release() }
        // One attempt at a time, so each takes the handle the one before gave back.
        let engine = try TestRequests.engine()

        var large = TestRequests.post(first.url("/large"), headers: [HeaderField(name: "X-Only-First", value: "yes")])
        large.body = Array(repeating: UInt8(ascii: "a"), count: 3000)
        #expect(await engine.send(large).status == 200)

        var small = TestRequests.post(second.url("/small"), headers: [HeaderField(name: "X-Only-Second", value: "yes")])
        small.body = Array("0123456789".utf8)
        #expect(await engine.send(small).status == 200)

        var empty = TestRequests.post(first.url("/empty"))
        empty.body = []
        #expect(await engine.send(empty).status == 200)

        let failed = await engine.send(TestRequests.post("http://127.0.0.1:\(refusing.port)/refused", timeout: .seconds(2)))
        #expect(failed.status == nil && failed.transportError != nil)
        let after = await engine.send(TestRequests.post(first.url("/after"), timeout: .seconds(5)))
        #expect(after.status == 200 && after.transportError == nil, "no error left over from the refused attempt")
        engine.stop(grace: .seconds(1))
        await first.stop()
        await second.stop()

        #expect(first.requests.map(\.path) == ["/large", "/empty", "/after"])
        #expect(second.requests.map(\.path) == ["/small"])
        let (largeSeen, emptySeen, afterSeen) = (first.requests[0], first.requests[1], first.requests[2])
        let smallSeen = try #require(second.requests.first)
        #expect(largeSeen.body == large.body && largeSeen.header("Content-Length") == "3000" && largeSeen.header("X-Only-First") == "yes")
        #expect(smallSeen.body == small.body && smallSeen.header("Content-Length") == "10")
        #expect(smallSeen.header("X-Only-First") == nil && smallSeen.header("X-Only-Second") == "yes", "headers are the attempt's own")
        #expect(emptySeen.body == [] && emptySeen.header("Content-Length") == "0" && emptySeen.header("X-Only-Second") == nil)
        #expect(afterSeen.body == TestRequests.body && afterSeen.header("X-Hookrelay-Event-Id") == "a1")
        #expect(first.requests.allSatisfy { $0.method == "POST" && $0.header("Expect") == nil })
    }
}
