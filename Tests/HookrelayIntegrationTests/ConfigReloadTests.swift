import Foundation
import Synchronization
import HookrelayCore
import HookrelayTestSupport
import Testing

/// SPEC §12 reload, against a real `hookrelay serve`: `hookrelay reload` (SIGHUP through the pid
/// file in data_dir) while a client keeps sending on one kept-alive connection.
@Suite("Config reload", .serialized)
struct ConfigReloadTests {
    /// A relay.conf: the test source, `destinations` (name, URL, extra lines) and one route to all of them.
    static func config(_ directory: TemporaryDirectory, _ destinations: [(String, String, String)], server: String = "") -> String {
        let body = destinations.map { DeliveryTests.destination($0.0, $0.1, retry: #"["300ms", "300ms", "300ms", "300ms", "300ms", "300ms"]"#, extra: $0.2) }
            .joined() + DeliveryTests.route(destinations.map(\.0))
        return ProcessSupport.config(dataDirectory: directory.file("data"), body: body).replacingOccurrences(
            of: "[server]\n", with: "[server]\n\(server)"
        )
    }

    static func reload(_ path: String) async throws -> (status: Int32, output: String) {
        try await RelayProcess.run(["reload", "--config", path])
    }

    static func event(_ ports: (ingest: Int, admin: Int), _ id: String) async throws -> TestResponse {
        try await HTTPTestClient.send(MailgunEventFactory(key: ProcessSupport.signingKey).json(id: id), port: ports.ingest)
    }

    /// The shown state of `eventID`'s delivery to `destination` (`/admin/api/events/{id}`).
    static func deliveryState(_ ports: (ingest: Int, admin: Int), _ eventID: String, _ destination: String) async throws -> String? {
        let response = try await HTTPTestClient.send(TestRequest(method: "GET", path: "/admin/api/events/\(eventID)"), port: ports.admin)
        guard response.status == 200,
              let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
              let deliveries = object["deliveries"] as? [[String: Any]] else { return nil }
        return deliveries.first { $0["destination"] as? String == destination }?["state"] as? String
    }

    @Test("a reload under a steady stream on one connection: no request refused, the connection stays, new routes apply to events accepted after it")
    func reloadUnderLoad() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let sinkA = try await SinkServer.start()
        let sinkB = try await SinkServer.start()
        let path = try directory.write("relay.conf", Self.config(directory, [("a", sinkA.url("/a"), "")]))
        let relay = try RelayProcess(arguments: ["serve", "--config", path])
        defer { relay.kill() }
        let ports = try await relay.waitUntilListening()

        // The stream: signed events one after another on one kept-alive connection, until told to stop.
        let stop = Flag()
        let factory = MailgunEventFactory(key: ProcessSupport.signingKey)
        let stream = Task.detached { () -> (statuses: [Int], broken: Bool) in
            guard let connection = try? RawConnection(port: ports.ingest) else { return ([], true) }
            defer { connection.close() }
            var statuses: [Int] = []
            while !stop.isSet || statuses.count < 20 {
                let request = factory.json(id: "stream-\(statuses.count)")
                guard connection.send(RawConnection.serialize(request)),
                      let answer = connection.receiveAnswer(timeout: .seconds(10)),
                      let status = RawConnection.status(of: answer) else { return (statuses, true) }
                statuses.append(status)
            }
            return (statuses, false)
        }
        #expect(await Polling.until(timeout: .seconds(10)) { sinkA.requests.count >= 10 })

        // B joins the route, and [server] max_body changes (needs a restart: kept, logged, shown).
        try directory.write("relay.conf", Self.config(directory, [("a", sinkA.url("/a"), ""), ("b", sinkB.url("/b"), "")], server: "max_body = \"2MiB\"\n"))
        let asked = ContinuousClock.now
        let reload = try await Self.reload(path)
        #expect(reload.status == 0, "\(reload.output)")
        #expect(await Polling.until(timeout: .seconds(5)) { relay.outputText.contains("config reloaded") }, "\(relay.outputText)")
        #expect(await Polling.until(timeout: .seconds(10)) { !sinkB.requests.isEmpty })
        #expect(ContinuousClock.now - asked < .seconds(5), "B got its first delivery \(ContinuousClock.now - asked) after the reload")
        let after = try await Self.event(ports, "after-reload")
        #expect(after.status == 200)
        #expect(await Polling.until(timeout: .seconds(10)) {
            sinkA.requests.contains { $0.text.contains("after-reload") } && sinkB.requests.contains { $0.text.contains("after-reload") }
        })
        stop.set()
        let (statuses, broken) = await stream.value
        #expect(!broken, "the kept-alive connection broke after \(statuses.count) answers")
        #expect(statuses.count >= 20)
        #expect(statuses.allSatisfy { $0 == 200 }, "statuses other than 200: \(statuses.filter { $0 != 200 })")
        // Events accepted before the reload keep their destinations: stream-0 never went to B.
        #expect(!sinkB.requests.contains { $0.text.contains(#""stream-0""#) })
        #expect(relay.outputText.contains("need a restart"), "\(relay.outputText)")
        #expect(relay.outputText.contains("max_body"))
        let page = try await HTTPTestClient.send(TestRequest(method: "GET", path: "/admin"), port: ports.admin)
        #expect(page.text.contains("need a restart: max_body"), "\(page.text.prefix(2000))")
        await sinkA.stop()
        await sinkB.stop()
    }

    @Test("a file that does not load: the old config stays, the reason (file, key) is logged, shown on /admin and counted")
    func badFileKeepsOldConfig() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let sink = try await SinkServer.start()
        let path = try directory.write("relay.conf", Self.config(directory, [("a", sink.url("/a"), "")]))
        let relay = try RelayProcess(arguments: ["serve", "--config", path])
        defer { relay.kill() }
        let ports = try await relay.waitUntilListening()

        try directory.write("relay.conf", Self.config(directory, [("a", sink.url("/a"), "max_in_flight = \"lots\"")]))
        let reload = try await Self.reload(path)
        // The file is read by the command too (to find data_dir): it says the file is invalid and signals nothing.
        #expect(reload.status == 2, "\(reload.output)")
        #expect(reload.output.contains("max_in_flight"), "\(reload.output)")
        // The same file through SIGHUP, as a service manager sends it: refused, the old config stays.
        relay.signal(SIGHUP)
        #expect(await Polling.until(timeout: .seconds(5)) { relay.outputText.contains("config reload refused") }, "\(relay.outputText)")
        let line = relay.outputText.split(separator: "\n").first { $0.contains("config reload refused") }.map(String.init) ?? ""
        #expect(line.contains("relay.conf") && line.contains("max_in_flight"), "\(line)")
        let page = try await HTTPTestClient.send(TestRequest(method: "GET", path: "/admin"), port: ports.admin)
        #expect(page.text.contains("reload refused"), "\(page.text.prefix(2000))")
        #expect(page.text.contains("max_in_flight"))
        let metrics = try await HTTPTestClient.send(TestRequest(method: "GET", path: "/metrics"), port: ports.admin)
        #expect(metrics.text.contains(#"hookrelay_config_reloads_total{result="refused"} 1"#), "\(metrics.text)")
        // Still the old config: events are taken and delivered.
        #expect(try await Self.event(ports, "still-served").status == 200)
        #expect(await Polling.until(timeout: .seconds(10)) { sink.requests.contains { $0.text.contains("still-served") } })
        await sink.stop()
    }

    @Test("a file valid only under the [server] it changes (4 URLs per event with max_urls_per_event raised to 4): refused, the old config stays")
    func refusedUnderServerInForce() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let sink = try await SinkServer.start()
        let one = [("a", sink.url("/a"), "")]
        let path = try directory.write("relay.conf", Self.config(directory, one))
        let relay = try RelayProcess(arguments: ["serve", "--config", path])
        defer { relay.kill() }
        let ports = try await relay.waitUntilListening()

        let four = (1...4).map { ("d\($0)", sink.url("/d\($0)"), "") }
        try directory.write("relay.conf", Self.config(directory, four, server: "max_urls_per_event = 4\n"))
        #expect(try await Self.reload(path).status == 0)
        #expect(await Polling.until(timeout: .seconds(5)) { relay.outputText.contains("config reload refused") }, "\(relay.outputText)")
        let line = relay.outputText.split(separator: "\n").first { $0.contains("config reload refused") }.map(String.init) ?? ""
        #expect(line.contains("max_urls_per_event in force: 3"), "\(line)")
        #expect(!relay.outputText.contains("config reloaded"))
        #expect(try await Self.event(ports, "after-refused").status == 200)
        #expect(await Polling.until(timeout: .seconds(10)) { sink.requests.contains { $0.text.contains("after-refused") } })
        #expect(sink.requests.filter { $0.text.contains("after-refused") }.map(\.path) == ["/a"])
        await sink.stop()
    }

    @Test("a destination removed by a reload: its deliveries are orphaned, not attempted, and resume when it comes back")
    func removedDestinationIsOrphanedThenResumes() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let sinkA = try await SinkServer.start()
        let sinkB = try await SinkServer.start(.status(500))
        let both = Self.config(directory, [("a", sinkA.url("/a"), ""), ("b", sinkB.url("/b"), "")])
        let path = try directory.write("relay.conf", both)
        let relay = try RelayProcess(arguments: ["serve", "--config", path])
        defer { relay.kill() }
        let ports = try await relay.waitUntilListening()

        #expect(try await Self.event(ports, "parked").status == 200)
        #expect(await Polling.until(timeout: .seconds(10)) { sinkB.requests.count >= 1 })
        try directory.write("relay.conf", Self.config(directory, [("a", sinkA.url("/a"), "")]))
        #expect(try await Self.reload(path).status == 0)
        #expect(await Polling.until(timeout: .seconds(5)) { relay.outputText.contains("config reloaded") })
        var shown: String?
        #expect(await Polling.until(timeout: .seconds(5)) {
            shown = try? await Self.deliveryState(ports, "parked", "b")
            return shown == "orphaned"
        }, "state \(shown ?? "none")")
        // Parked: for five retry intervals (300ms) B gets no attempt and the delivery stays orphaned.
        let hits = sinkB.requests.count
        try await Task.sleep(for: .milliseconds(1500))
        #expect(sinkB.requests.count == hits, "\(sinkB.requests.count - hits) attempts to a removed destination")
        #expect(try await Self.deliveryState(ports, "parked", "b") == "orphaned")
        let page = try await HTTPTestClient.send(TestRequest(method: "GET", path: "/admin"), port: ports.admin)
        #expect(page.text.contains("1 orphaned"), "\(page.text.prefix(3000))")

        // B comes back under the same name (and now answers 200): the delivery resumes.
        sinkB.setBehavior(.status(200))
        try directory.write("relay.conf", both)
        #expect(try await Self.reload(path).status == 0)
        #expect(await Polling.until(timeout: .seconds(10)) {
            (try? await Self.deliveryState(ports, "parked", "b")) == "delivered"
        })
        await sinkA.stop()
        await sinkB.stop()
    }

    @Test("hookrelay reload exits 1 when no relay serves on the config's data_dir (never started, or killed)")
    func reloadWithoutRelay() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("relay.conf", Self.config(directory, [("a", "http://127.0.0.1:9/a", "")]))
        let never = try await Self.reload(path)
        #expect(never.status == 1)
        #expect(never.output.contains("no relay is serving"), "\(never.output)")

        let relay = try RelayProcess(arguments: ["serve", "--config", path])
        _ = try await relay.waitUntilListening()
        #expect(FileManager.default.fileExists(atPath: directory.file("data") + "/hookrelay.pid"))
        relay.kill()
        _ = await relay.waitForExit()
        // kill -9 leaves the pid file; the lock is gone with the process.
        let killed = try await Self.reload(path)
        #expect(killed.status == 1, "\(killed.output)")
    }
}

/// A flag one task sets and another polls.
final class Flag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
