import Foundation
import Synchronization
import HookrelayCore
import HookrelayTestSupport
import Testing

/// SPEC §11: work per request is linear in its size, and one request never holds up the other
/// connections of its event loop: a signed 600 KB legacy form event is answered within a second,
/// and small events sent meanwhile on other connections get their answers without waiting for it.
@Suite("Large requests (SPEC §11)")
struct LargeRequestTests {
    static let config = """
        [[destination]]
        name = "json"
        url = "http://127.0.0.1:9/json"
        rewrite = "json"

        [[route]]
        source = "mailgun"
        events = ["*"]
        to = ["json"]
        """

    /// A signed legacy urlencoded event with `extra` user-variable fields (~8 bytes each).
    static func legacyForm(extra: Int, key: String) -> TestRequest {
        let timestamp = String(Int64(Date().timeIntervalSince1970))
        let token = MailgunSignature.randomToken()
        let signature = MailgunSignature.sign(key: Array(key.utf8), timestamp: timestamp, token: token)
        var text = "event=delivered&recipient=alice%40example.com&domain=mg.example.com"
        text += "&timestamp=\(timestamp)&token=\(token)&signature=\(signature)"
        text.reserveCapacity(text.utf8.count + extra * 10)
        for index in 0..<extra { text += "&u\(index)=v" }
        return TestRequest(path: "/webhooks/mailgun", headers: [HeaderField(name: "Content-Type", value: "application/x-www-form-urlencoded")],
                           body: Array(text.utf8))
    }

    /// Sends requests with `send` one after another until `flag` is set (or 30 s have passed):
    /// how many were answered, the longest wait, and whether every answer was as expected.
    static func untilDone(_ flag: DoneFlag, _ send: @Sendable (Int) async throws -> Bool) async throws
        -> (answered: Int, slowest: Duration, allExpected: Bool) {
        let clock = ContinuousClock()
        let started = clock.now
        var answered = 0, slowest = Duration.zero, allExpected = true
        while !flag.done.load(ordering: .acquiring), clock.now - started < .seconds(30) {
            let sent = clock.now
            if try await !send(answered) { allExpected = false }
            slowest = max(slowest, clock.now - sent)
            answered += 1
        }
        return (answered, slowest, allExpected)
    }

    /// What happened while a large request was worked on.
    struct Run {
        var response: TestResponse
        var elapsed: Duration
        var probes: (answered: Int, slowest: Duration, allExpected: Bool)
        var events: (answered: Int, slowest: Duration, allExpected: Bool)
    }

    /// Sends `large` and, until it is answered, other requests on other connections, each kind
    /// one after another: probes the listener answers itself (GET: 405) and small signed events
    /// (stored: 200). Connections go to the relay's event loops in turn, so about half share the
    /// large one's loop and would wait for any work done on it.
    static func run(_ large: TestRequest, on relay: RelayHarness) async throws -> Run {
        let clock = ContinuousClock()
        let started = clock.now
        let port = relay.ingestPort
        let largeDone = DoneFlag()
        let largeAnswer = Task { () throws -> (TestResponse, Duration) in
            defer { largeDone.done.store(true, ordering: .releasing) }
            let response = try await HTTPTestClient.send(large, port: port)
            return (response, clock.now - started)
        }
        async let probes = untilDone(largeDone) { _ in
            try await relay.send(TestRequest(method: "GET", path: "/webhooks/mailgun")).status == 405
        }
        async let events = untilDone(largeDone) { index in
            try await relay.send(relay.mailgun.json(id: "evt-small-\(index)")).status == 200
        }
        let (probe, event) = try await (probes, events)
        let (response, elapsed) = try await largeAnswer.value
        return Run(response: response, elapsed: elapsed, probes: probe, events: event)
    }

    /// The SPEC's bound for a 600 KB event is a second, for a release build. A debug build gets
    /// 5 s: alone it answers in ~0.17 s, but the whole suite running in parallel on this 2-core
    /// machine once stretched it to 2.03 s. The bound is there to catch work that grows faster
    /// than the body: the quadratic conversion this replaced took 26 s in a release build.
    #if DEBUG
    static let answerBound: Duration = .seconds(5)
    #else
    static let answerBound: Duration = .seconds(1)
    #endif

    /// How long another connection may wait meanwhile: a second in a release build. A debug
    /// build running the whole suite in one process gets twice that: there a probe once waited
    /// 1.0008 s (in a clean-clone CI run; alone, this suite's probes wait milliseconds). That is
    /// the length of NIO's accept backoff after a failed accept, which the other tests sharing
    /// the process's file descriptors could cause — a guess, not verified. Work done on the event loop instead of off it holds the others for the
    /// large body's whole conversion, seconds in a debug build under the suite's load.
    #if DEBUG
    static let othersBound: Duration = .seconds(2)
    #else
    static let othersBound: Duration = .seconds(1)
    #endif

    @Test("a signed 630 KB legacy form (80,000 fields) is answered within a second; other connections are answered meanwhile")
    func largeLegacyFormIsAnsweredInTime() async throws {
        try await withRelay(config: Self.config) { relay in
            let large = Self.legacyForm(extra: 80_000, key: RelayHarness.signingKey)
            #expect(large.body.count > 600_000)
            let run = try await Self.run(large, on: relay)
            #expect(run.response.status == 200, "\(run.response.text)")
            #expect(run.elapsed < Self.answerBound, "the large event was answered after \(run.elapsed)")
            #expect(run.probes.allExpected && run.events.allExpected)
            #expect(run.probes.slowest < Self.othersBound, "a probe waited \(run.probes.slowest)")
            #expect(run.events.slowest < Self.othersBound, "a small event waited \(run.events.slowest)")
            // Converted for the json destination in full: the delivery was tried (at the
            // unreachable URL), it was not dead on a rewrite error.
            let id = try #require(run.response.json["id"] as? String)
            #expect(await Polling.until(timeout: .seconds(10)) {
                ((try? relay.relay.store.eventRecord(id: id))?.deliveries.first?.attempts ?? 0) > 0
            })
            let delivery = try #require(try relay.relay.store.eventRecord(id: id)?.deliveries.first)
            #expect(delivery.lastError != "rewrite" && delivery.state != "dead", "\(delivery)")
        }
    }

    /// Three destinations that each get the event converted from the legacy form to JSON.
    static let threeConversions = (1...3).map { index in
        "[[destination]]\nname = \"json\(index)\"\nurl = \"http://127.0.0.1:9/json\(index)\"\nrewrite = \"json\"\n"
    }.joined(separator: "\n") + "\n[[route]]\nsource = \"mailgun\"\nevents = [\"*\"]\nto = [\"json1\", \"json2\", \"json3\"]\n"

    /// A signed legacy form whose work lies in its `message-headers`: `pairs` headers with long
    /// values, read at ingest (the event's domain comes from its Message-Id, there is no `domain`
    /// field) and again by each conversion to JSON. Under `BodyElementLimit` both as a body (a
    /// few fields) and as the headers' own JSON (3 values a pair).
    static func legacyFormWithHeaders(pairs: Int, key: String) -> TestRequest {
        let timestamp = String(Int64(Date().timeIntervalSince1970))
        let token = MailgunSignature.randomToken()
        let signature = MailgunSignature.sign(key: Array(key.utf8), timestamp: timestamp, token: token)
        var text = "event=delivered&recipient=alice%40example.com&timestamp=\(timestamp)&token=\(token)&signature=\(signature)"
        let value = String(repeating: "v", count: 90)
        text.reserveCapacity(text.utf8.count + 64 + pairs * (17 + value.utf8.count))
        // JSON in a form value: only & = + % are special there, and the JSON has none of them.
        text += #"&message-headers=[["Message-Id","<large.1@mg.example.com>"]"#
        for index in 0..<pairs { text += #",["X-\#(index)","\#(value)"]"# }
        text += "]"
        return TestRequest(path: "/webhooks/mailgun", headers: [HeaderField(name: "Content-Type", value: "application/x-www-form-urlencoded")],
                           body: Array(text.utf8))
    }

    /// No other connection may wait for a large request's parsing and its three conversions. The
    /// element limit bounds that work to well under the debug build's bound for a wait (2 s, which
    /// a loaded machine needs), so the timing checks catch only gross stalls; the relay's debug
    /// line saying the request went off the loop is what fails when the work moves onto the loop
    /// (`script/mutate`'s `off-loop`).
    @Test("an 8 MB legacy form is worked on off the event loop: other connections never wait for it")
    func largeLegacyFormIsWorkedOnOffTheLoop() async throws {
        try await withRelay(config: Self.threeConversions, logLevel: .debug) { relay in
            let large = Self.legacyFormWithHeaders(pairs: 80_000, key: RelayHarness.signingKey)
            #expect(large.body.count > 8_000_000)
            let run = try await Self.run(large, on: relay)
            #expect(run.response.status == 200, "\(run.response.text)")
            #expect(run.probes.answered >= 2 && run.probes.allExpected && run.events.answered >= 1 && run.events.allExpected)
            #expect(run.probes.slowest < Self.othersBound, "a probe waited \(run.probes.slowest) (the large event took \(run.elapsed))")
            #expect(run.events.slowest < Self.othersBound, "a small event waited \(run.events.slowest) (the large event took \(run.elapsed))")
            let log = try #require(relay.log)
            let offLoop = log.lines(message: "large request worked on off the event loop")
            #expect(offLoop.count == 1 && offLoop.first?.contains("bytes=\(large.body.count)") == true, "\(offLoop)")
            // The headers were read, not skipped as over a limit: the domain came from the Message-Id.
            let id = try #require(run.response.json["id"] as? String)
            #expect(try relay.relay.store.eventRecord(id: id)?.domain == "mg.example.com")
        }
    }
}

/// SPEC §11: reading a body costs memory per element (~30–90 bytes each), so a body under
/// `max_body` may hold at most `BodyElementLimit.maxElements` JSON values or form fields; past it
/// the sender gets 413 before any signature is checked, and nothing is stored.
@Suite("Bodies of too many elements (SPEC §11)")
struct BodyElementLimitIngestTests {
    @Test("an unsigned JSON body and a signed legacy form of more than 250,000 elements: 413, counted too_large, nothing stored")
    func tooManyElementsIs413() async throws {
        try await withRelay(config: LargeRequestTests.config) { relay in
            let limit = BodyElementLimit.maxElements
            // {"a":[0,0,…]}: 2 + zeros values.
            var json = Array(#"{"a":[0"#.utf8)
            for _ in 1..<(limit - 1) { json += [0x2C, 0x30] }
            json += Array("]}".utf8)
            let unsigned = try await relay.send(.json("/webhooks/mailgun", json))
            #expect(unsigned.status == 413, "\(unsigned.text)")
            #expect(unsigned.text.contains("more than \(limit) JSON values"), "\(unsigned.text)")
            // The same with one value fewer is read, then refused for its missing signature.
            json.removeLast(4)
            json += Array("]}".utf8)
            #expect(try await relay.send(.json("/webhooks/mailgun", json)).status == 401)

            // A correctly signed legacy form: 6 named fields and `extra` user variables.
            let signed = try await relay.send(LargeRequestTests.legacyForm(extra: limit - 5, key: RelayHarness.signingKey))
            #expect(signed.status == 413, "\(signed.text)")
            #expect(relay.relay.metrics.receivedCount(source: "mailgun", outcome: "too_large") == 2)
            #expect(try relay.relay.store.counts().events == 0)
            // At the limit the signed form is accepted.
            #expect(try await relay.send(LargeRequestTests.legacyForm(extra: limit - 6, key: RelayHarness.signingKey)).status == 200)
        }
    }
}

/// Set once a task has ended, read by another without waiting for it.
final class DoneFlag: Sendable {
    let done = Atomic<Bool>(false)
}
