import Foundation
import HookrelayCore
import HookrelayStore
import HookrelayTestSupport
import Testing

/// Steering a running relay (SPEC §12) the way operators do: the circuit breaker against a real
/// sink that fails and then recovers, pause and resume through the admin API, the `/admin` form
/// and `hookrelay pause|resume` against a running `serve`, and a pause that survives a restart.
@Suite("Destination steering: circuit breaker, pause and resume", .serialized)
struct DestinationSteeringTests {
    /// How long a test watches for an attempt that must not come: past the scheduler's poll and
    /// its once-a-second read of the paused set.
    static let quietWindow: Duration = .milliseconds(1500)

    static func post(_ port: Int, _ path: String, headers: [HeaderField] = [], body: String = "") async throws -> TestResponse {
        try await HTTPTestClient.send(TestRequest(method: "POST", path: path, headers: headers, body: Array(body.utf8)), port: port)
    }

    /// `GET /admin/api/destinations`, as objects.
    static func destinations(_ port: Int, token: String? = nil) async throws -> [[String: Any]] {
        let headers = token.map { [HeaderField(name: "Authorization", value: "Bearer \($0)")] } ?? []
        let response = try await HTTPTestClient.send(TestRequest(method: "GET", path: "/admin/api/destinations", headers: headers), port: port)
        return (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [[String: Any]] ?? []
    }

    static func state(_ port: Int, _ name: String, token: String? = nil) async throws -> String? {
        try await destinations(port, token: token).first { $0["name"] as? String == name }?["state"] as? String
    }

    /// The deliveries of `id` from `GET /admin/api/events/{id}`.
    static func deliveries(_ port: Int, _ id: String) async throws -> [[String: Any]] {
        let response = try await HTTPTestClient.send(TestRequest(method: "GET", path: "/admin/api/events/\(id)"), port: port)
        let json = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
        return json?["deliveries"] as? [[String: Any]] ?? []
    }

    // MARK: - Circuit breaker

    // Guards SPEC §12 the circuit breaker: opens after pause_after, one probe per probe_every, drains on recovery.
    @Test("a sink that fails: probing after pause_after failures, one probe per probe_every, none dead; recovered: active and drained")
    func breakerAgainstAFailingSink() async throws {
        let sink = try await SinkServer.start(.status(500))
        defer { Task { await sink.stop() } }
        // The first retry comes late, so the three first attempts are the only ones before the
        // breaker opens; after it, retries every 100 ms would be a storm without the breaker.
        let retry = #"["1s""# + String(repeating: #", "100ms""#, count: 30) + "]"
        let config = DeliveryTests.destination("flaky", sink.url(), retry: retry, extra: "pause_after = 3\nprobe_every = \"400ms\"")
            + DeliveryTests.route(["flaky"])
        try await withRelay(config: config, logLevel: .notice) { relay in
            let log = try #require(relay.log)
            let ids = (1...3).map { "evt-breaker-\($0)" }
            for id in ids { #expect(try await relay.send(relay.mailgun.json(id: id)).status == 200) }
            let opened = await Polling.until(timeout: .seconds(10)) { (try? await Self.state(relay.adminPort, "flaky")) == "probing" }
            #expect(opened, "probing after 3 failed attempts")
            let metrics = String(decoding: try await relay.admin("/metrics").body, as: UTF8.self)
            #expect(metrics.contains(#"hookrelay_destination_state{destination="flaky",state="probing"} 1"#), "\(metrics)")
            #expect(metrics.contains(#"hookrelay_destination_state{destination="flaky",state="active"} 0"#))

            // Five probes after the three first attempts, each probe_every after the one before.
            #expect(await Polling.until(timeout: .seconds(15)) { sink.requests.count >= 3 + 5 })
            let hits = sink.requests.map(\.receivedAt)
            let gaps = zip(hits.dropFirst(4), hits.dropFirst(3)).map { $0 - $1 }
            #expect(gaps.count >= 4)
            // Four probes 400 ms apart span 1.6 s; without the breaker the three deliveries' retries,
            // every 100 ms each, would span ~0.1-0.4 s. Measured over the four, not gap by gap: a
            // loaded machine can delay one probe on the wire more than the next (a gap read under 200 ms once).
            let span = gaps.prefix(4).reduce(Duration.zero, +)
            #expect(span >= .milliseconds(1200), "one probe per 400 ms (retries every 100 ms without the breaker): gaps \(gaps)")
            for gap in gaps.prefix(4) {
                #expect(gap >= .milliseconds(50) && gap < .milliseconds(2000), "one probe at a time, none stuck: gaps \(gaps)")
            }
            #expect(try await Self.state(relay.adminPort, "flaky") == "probing")
            for id in ids {
                let states = try await Self.deliveries(relay.adminPort, id).map { $0["state"] as? String }
                #expect(states == ["retrying"], "\(id): none dead while probing, got \(states)")
            }

            // The partner is back: the next probe succeeds, the destination is active, the backlog drains.
            sink.setBehavior(.status(200))
            let drained = try await Polling.until(timeout: .seconds(10)) {
                var all = true
                for id in ids where try await Self.deliveries(relay.adminPort, id).first?["state"] as? String != "delivered" { all = false }
                return all
            }
            #expect(drained, "every delivery delivered after the recovery")
            #expect(try await Self.state(relay.adminPort, "flaky") == "active")
            #expect(log.lines(message: "destination probing").count == 1, "\(log.lines)")
            #expect(log.lines(message: "destination active again").count == 1)
            // Attempts not made while probing were not counted: each delivery's count is its sink hits.
            let requests = sink.requests
            for id in ids {
                let attempts = try await Self.deliveries(relay.adminPort, id).first?["attempts"] as? Int
                let sent = requests.filter { $0.header("X-Hookrelay-Event-Id") == id }.count
                #expect(attempts == sent, "\(id): \(attempts ?? -1) attempts counted, \(sent) sent")
            }
        }
    }

    // MARK: - Pause and resume through the admin API

    // Guards SPEC §12 pause: no attempt while paused (first attempts too), delivered after resume.
    @Test("pause via the API: no attempt, deliveries wait pending; resume: delivered; unknown destination 404")
    func pauseAndResumeThroughTheAPI() async throws {
        let sink = try await SinkServer.start(.status(200))
        defer { Task { await sink.stop() } }
        try await withRelay(config: DeliveryTests.destination("crm", sink.url()) + DeliveryTests.route(["crm"])) { relay in
            let paused = try await Self.post(relay.adminPort, "/admin/api/destinations/crm/pause")
            #expect(paused.status == 200)
            #expect(paused.json["state"] as? String == "paused")
            #expect(paused.json["changed"] as? Bool == true)
            #expect(try await Self.post(relay.adminPort, "/admin/api/destinations/crm/pause").json["changed"] as? Bool == false)
            #expect(try await Self.state(relay.adminPort, "crm") == "paused")

            #expect(try await relay.send(relay.mailgun.json(id: "evt-paused")).status == 200)
            let attempted = await Polling.until(timeout: Self.quietWindow) { !sink.requests.isEmpty }
            #expect(!attempted, "an attempt went to a paused destination")
            let waiting = try await Self.deliveries(relay.adminPort, "evt-paused")
            #expect(waiting.map { $0["state"] as? String } == ["pending"])
            #expect(waiting.first?["attempts"] as? Int == 0)

            let resumed = try await Self.post(relay.adminPort, "/admin/api/destinations/crm/resume")
            #expect(resumed.status == 200)
            #expect(resumed.json["state"] as? String == "active")
            #expect(await Polling.until(timeout: .seconds(5)) { sink.requests.count == 1 }, "delivered after resume")

            #expect(try await Self.post(relay.adminPort, "/admin/api/destinations/nope/pause").status == 404)
            #expect(try await Self.post(relay.adminPort, "/admin/api/destinations/crm/stop").status == 404)
            let get = try await HTTPTestClient.send(TestRequest(method: "GET", path: "/admin/api/destinations/crm/pause"), port: relay.adminPort)
            #expect(get.status == 405)
            let foreign = try await Self.post(relay.adminPort, "/admin/api/destinations/crm/pause", headers: [HeaderField(name: "Origin", value: "http://evil.example")])
            #expect(foreign.status == 403, "a cross-origin POST is refused like other admin POSTs")
            #expect(try await Self.state(relay.adminPort, "crm") == "active")
        }
    }

    // Guards SPEC §12: a pause lasts across restarts.
    @Test("a pause survives a restart: the restarted relay makes no attempt until resumed")
    func pauseSurvivesARestart() async throws {
        let sink = try await SinkServer.start(.status(200))
        defer { Task { await sink.stop() } }
        let body = DeliveryTests.destination("crm", sink.url()) + DeliveryTests.route(["crm"])
        let text: (String) -> String = { ProcessSupport.config(dataDirectory: $0, body: body, key: RelayHarness.signingKey) }
        let first = try await RelayHarness(configText: text)
        let paused = try await Self.post(first.adminPort, "/admin/api/destinations/crm/pause")
        #expect(paused.status == 200)
        await first.relay.stop(grace: .seconds(2))

        let second = try await RelayHarness(configText: text, in: first.directory)
        do {
            try await Self.afterRestart(second, sink)
        } catch {
            await second.stop()
            throw error
        }
        await second.stop()
    }

    static func afterRestart(_ second: RelayHarness, _ sink: SinkServer) async throws {
        #expect(try await Self.state(second.adminPort, "crm") == "paused")
        #expect(try await second.send(second.mailgun.json(id: "evt-after-restart")).status == 200)
        let attempted = await Polling.until(timeout: Self.quietWindow) { !sink.requests.isEmpty }
        #expect(!attempted, "the restarted relay sent to a paused destination")
        #expect(try await Self.post(second.adminPort, "/admin/api/destinations/crm/resume").status == 200)
        #expect(await Polling.until(timeout: .seconds(5)) { sink.requests.count == 1 })
    }

    // MARK: - The /admin page's form

    @Test("the /admin form: pause with the token in the form field, 303 back to the page; a wrong token 401")
    func formWithToken() async throws {
        let sink = try await SinkServer.start(.status(200))
        defer { Task { await sink.stop() } }
        let token = "s3cret-admin-token"
        let config = "[server]\nadmin_token = \"\(token)\"\n"
        let body = DeliveryTests.destination("crm", sink.url()) + DeliveryTests.route(["crm"])
        let harness = try await RelayHarness(configText: { dataDirectory in
            ProcessSupport.config(dataDirectory: dataDirectory, body: body, key: RelayHarness.signingKey)
                .replacingOccurrences(of: "[server]\n", with: config)
        })
        do {
            try await Self.form(harness, token: token)
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }

    static func form(_ harness: RelayHarness, token: String) async throws {
        let bearer = [HeaderField(name: "Authorization", value: "Bearer \(token)")]
        let page = String(decoding: try await HTTPTestClient.send(TestRequest(method: "GET", path: "/admin", headers: bearer), port: harness.adminPort).body, as: UTF8.self)
        #expect(page.contains(#"<form class="steer" method="post" action="/admin/api/destinations/crm/pause">"#), "\(page)")
        #expect(page.contains(#"name="token""#) && !page.contains(token), "a token field, never the token")
        #expect(page.contains("form-action 'self'"))

        let form = [HeaderField(name: "Content-Type", value: "application/x-www-form-urlencoded")]
        let wrong = try await Self.post(harness.adminPort, "/admin/api/destinations/crm/pause", headers: form, body: "token=nope")
        #expect(wrong.status == 401)
        let none = try await Self.post(harness.adminPort, "/admin/api/destinations/crm/pause")
        #expect(none.status == 401)
        // The form is read before its token is known: one over 4 KiB is not read at all, even
        // with the right token (a client without one could otherwise have 10 MiB parsed).
        let padded = "token=\(token)&" + String(repeating: "a&", count: 2048)
        let large = try await Self.post(harness.adminPort, "/admin/api/destinations/crm/pause", headers: form, body: padded)
        #expect(large.status == 401)
        // Nor is a form sent to a path that is no pause or resume control.
        let elsewhere = try await Self.post(harness.adminPort, "/admin/api/destinations/crm/other", headers: form, body: "token=\(token)")
        #expect(elsewhere.status == 401)
        #expect(try await Self.state(harness.adminPort, "crm", token: token) == "active")

        // A browser's form POST names the page's origin (the test client's Host has no port).
        let origin = [HeaderField(name: "Origin", value: "http://127.0.0.1")]
        let posted = try await Self.post(harness.adminPort, "/admin/api/destinations/crm/pause", headers: form + origin, body: "token=\(token)")
        #expect(posted.status == 303)
        #expect(posted.header("Location") == "/admin")
        #expect(try await Self.state(harness.adminPort, "crm", token: token) == "paused")
        let after = String(decoding: try await HTTPTestClient.send(TestRequest(method: "GET", path: "/admin", headers: bearer), port: harness.adminPort).body, as: UTF8.self)
        #expect(after.contains(#"action="/admin/api/destinations/crm/resume""#))
        #expect(after.contains(#"data-destination-state="paused""#))
        // The form token opens only pause and resume.
        let replay = try await Self.post(harness.adminPort, "/admin/api/replay", headers: form, body: "token=\(token)")
        #expect(replay.status == 401)
    }

    // MARK: - The command line

    @Test("hookrelay pause before the relay's first start creates the store; stats lists it; each command says what changed")
    func commandLineWithoutARelay() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let body = DeliveryTests.destination("crm", "http://127.0.0.1:9/crm") + DeliveryTests.route(["crm"])
        let path = try directory.write("relay.conf", ProcessSupport.config(dataDirectory: directory.file("data"), body: body))
        let first = try await RelayProcess.run(["pause", "--config", path, "--destination", "crm"])
        #expect(first.status == 0 && first.output.contains("paused crm"), "\(first.output)")
        let again = try await RelayProcess.run(["pause", "--config", path, "--destination", "crm"])
        #expect(again.status == 0 && again.output.contains("crm was already paused"), "\(again.output)")
        let stats = try await RelayProcess.run(["stats", "--config", path])
        #expect(stats.status == 0 && stats.output.contains("paused: crm"), "\(stats.output)")
        let resumed = try await RelayProcess.run(["resume", "--config", path, "--destination", "crm"])
        #expect(resumed.status == 0 && resumed.output.contains("resumed crm"), "\(resumed.output)")
        let notPaused = try await RelayProcess.run(["resume", "--config", path, "--destination", "crm"])
        #expect(notPaused.status == 0 && notPaused.output.contains("crm is not paused"), "\(notPaused.output)")
        let after = try await RelayProcess.run(["stats", "--config", path])
        #expect(!after.output.contains("paused:"), "\(after.output)")
    }

    // MARK: - The command line against a running relay

    // Guards SPEC §12: hookrelay pause|resume reach a running relay through the store within a second.
    @Test("hookrelay pause and resume against a running serve: picked up within about a second, kept across a restart")
    func commandLineAgainstARunningRelay() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let sink = try await SinkServer.start(.status(200))
        defer { Task { await sink.stop() } }
        let body = DeliveryTests.destination("crm", sink.url()) + DeliveryTests.route(["crm"])
        let path = try directory.write("relay.conf", ProcessSupport.config(dataDirectory: directory.file("data"), body: body))
        let factory = MailgunEventFactory(key: ProcessSupport.signingKey)

        let first = try RelayProcess(arguments: ["serve", "--config", path])
        let ports = try await first.waitUntilListening()
        let (status, output) = try await RelayProcess.run(["pause", "--config", path, "--destination", "crm"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("paused crm"))
        let pickedUp = ContinuousClock.now
        #expect(await Polling.until(timeout: .seconds(5)) { (try? await Self.state(ports.admin, "crm")) == "paused" })
        #expect(ContinuousClock.now - pickedUp < .milliseconds(2500), "picked up within about a second")
        #expect(try await HTTPTestClient.send(factory.json(id: "evt-cli-1"), port: ports.ingest).status == 200)
        let attempted = await Polling.until(timeout: Self.quietWindow) { !sink.requests.isEmpty }
        #expect(!attempted, "an attempt went to a destination paused by the CLI")

        first.terminate()
        #expect(await first.waitForExit() == 0)
        let second = try RelayProcess(arguments: ["serve", "--config", path])
        let again = try await second.waitUntilListening()
        #expect(try await HTTPTestClient.send(factory.json(id: "evt-cli-2"), port: again.ingest).status == 200)
        let afterRestart = await Polling.until(timeout: Self.quietWindow) { !sink.requests.isEmpty }
        #expect(!afterRestart, "the pause did not survive the restart")

        let resumed = try await RelayProcess.run(["resume", "--config", path, "--destination", "crm"])
        #expect(resumed.status == 0, "\(resumed.output)")
        #expect(resumed.output.contains("resumed crm"))
        #expect(await Polling.until(timeout: .seconds(5)) { sink.requests.count == 2 }, "both events delivered after resume")
        let unknown = try await RelayProcess.run(["pause", "--config", path, "--destination", "nope"])
        #expect(unknown.status == 2)
        #expect(unknown.output.contains("unknown destination \"nope\""))
        second.terminate()
        #expect(await second.waitForExit() == 0)
    }
}
