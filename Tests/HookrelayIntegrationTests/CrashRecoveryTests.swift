import Foundation
import HookrelayStore
import HookrelayTestSupport
import Testing

/// What crosses a crash: a real `hookrelay serve` process killed with SIGKILL and restarted
/// on the same data directory.
@Suite("Crash recovery", .serialized)
struct CrashRecoveryTests {
    @Test("SIGKILL right after a 200: the event and its pending deliveries are there after restart")
    func killRightAfterAccept() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let down = try RefusingPort()
        defer { down.release() }
        let body = DeliveryTests.destination("crm", "http://127.0.0.1:\(down.port)/crm", retry: #"["1h"]"#)
            + DeliveryTests.destination("v2", "http://127.0.0.1:\(down.port)/v2", retry: #"["1h"]"#)
            + DeliveryTests.route(["crm", "v2"])
        let path = try directory.write("relay.conf", ProcessSupport.config(dataDirectory: directory.file("data"), body: body))
        let factory = MailgunEventFactory(key: ProcessSupport.signingKey)

        let first = try RelayProcess(arguments: ["serve", "--config", path])
        let ports = try await first.waitUntilListening()
        var accepted: [String] = []
        for n in 0..<20 {
            let id = "evt-kill-\(n)"
            let response = try await HTTPTestClient.send(factory.json(id: id), port: ports.ingest)
            if response.status == 200 { accepted.append(id) }
        }
        first.kill()  // immediately after the last 200
        #expect(await first.waitForExit() == 128 + SIGKILL)
        #expect(accepted.count == 20)

        let second = try RelayProcess(arguments: ["serve", "--config", path])
        let restarted = try await second.waitUntilListening()
        for id in accepted {
            let response = try await HTTPTestClient.send(TestRequest(method: "GET", path: "/admin/api/events/\(id)"), port: restarted.admin)
            #expect(response.status == 200, "\(id) missing after restart")
            let json = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
            let deliveries = json?["deliveries"] as? [[String: Any]] ?? []
            #expect(deliveries.count == 2)
            #expect(deliveries.allSatisfy { ["pending", "retrying"].contains($0["state"] as? String ?? "") })
        }
        second.terminate()
        #expect(await second.waitForExit() == 0)
    }

    @Test("destinations down, SIGKILL, restart, destinations up: every accepted event reaches every destination")
    func deliverAfterCrashAndOutage() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let down = [try RefusingPort(), try RefusingPort(), try RefusingPort()]
        let ports = down.map(\.port)
        var body = ""
        for (index, port) in ports.enumerated() {
            body += """
                [[destination]]
                name = "d\(index)"
                url = "http://127.0.0.1:\(port)/hook"
                retry = ["200ms", "300ms", "500ms", "1s", "1s", "1s", "1s", "1s", "1s", "1s", "1s", "1s"]
                # Down for a while: the circuit breaker opens; a probe finds it back within 200 ms.
                probe_every = "200ms"

                """
        }
        body += "[[route]]\nsource = \"mailgun\"\nevents = [\"*\"]\nto = [\"d0\", \"d1\", \"d2\"]\n"
        let path = try directory.write("relay.conf", ProcessSupport.config(dataDirectory: directory.file("data"), body: body))
        let factory = MailgunEventFactory(key: ProcessSupport.signingKey)

        let first = try RelayProcess(arguments: ["serve", "--config", path])
        let listening = try await first.waitUntilListening()
        var accepted: Set<String> = []
        for n in 0..<60 {
            let id = "evt-outage-\(n)"
            if try await HTTPTestClient.send(factory.json(id: id), port: listening.ingest).status == 200 { accepted.insert(id) }
        }
        first.kill()
        _ = await first.waitForExit()
        #expect(accepted.count == 60)

        let second = try RelayProcess(arguments: ["serve", "--config", path])
        _ = try await second.waitUntilListening()
        var started: [SinkServer] = []
        for port in down {
            port.release()
            started.append(try await SinkServer.start(port: port.port))
        }
        let sinks = started
        defer { Task { for sink in sinks { await sink.stop() } } }

        let allDelivered = await Polling.until(timeout: .seconds(20)) {
            sinks.allSatisfy { sink in accepted.isSubset(of: Set(sink.requests.compactMap { $0.header("X-Hookrelay-Event-Id") })) }
        }
        #expect(allDelivered, "missing: \(sinks.map { accepted.subtracting($0.requests.compactMap { $0.header("X-Hookrelay-Event-Id") }).count })")
        // Duplicates are allowed only for attempts in flight at the kill: with every destination refusing, none were.
        let duplicates = sinks.map { $0.requests.count - Set($0.requests.compactMap { $0.header("X-Hookrelay-Event-Id") }).count }
        #expect(duplicates == [0, 0, 0], "duplicate deliveries per sink: \(duplicates)")
        second.terminate()
        #expect(await second.waitForExit() == 0)
    }

    @Test("SIGKILL with attempts on the wire: after restart they are sent again and delivered")
    func killWithAttemptsInFlight() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let hanging = try await SinkServer.start(.hang)
        let port = hanging.port
        let body = DeliveryTests.destination("crm", "http://127.0.0.1:\(port)/crm", retry: #"["1h"]"#, extra: #"timeout = "60s""#)
            + DeliveryTests.route(["crm"])
        let path = try directory.write("relay.conf", ProcessSupport.config(dataDirectory: directory.file("data"), body: body))
        let factory = MailgunEventFactory(key: ProcessSupport.signingKey)

        let first = try RelayProcess(arguments: ["serve", "--config", path])
        let listening = try await first.waitUntilListening()
        var accepted: Set<String> = []
        for n in 0..<10 {
            let id = "evt-wire-\(n)"
            if try await HTTPTestClient.send(factory.json(id: id), port: listening.ingest).status == 200 { accepted.insert(id) }
        }
        #expect(accepted.count == 10)
        // Every attempt is on the wire (the sink holds them) when the relay dies.
        #expect(await Polling.until { hanging.requests.count == 10 })
        first.kill()
        _ = await first.waitForExit()
        await hanging.stop()

        let sink = try await SinkServer.start(.status(200), port: port)
        defer { Task { await sink.stop() } }
        let second = try RelayProcess(arguments: ["serve", "--config", path])
        _ = try await second.waitUntilListening()
        let delivered = await Polling.until {
            accepted.isSubset(of: Set(sink.requests.compactMap { $0.header("X-Hookrelay-Event-Id") }))
        }
        #expect(delivered, "attempts in flight at the kill were not sent again after restart")
        #expect(second.outputText.contains("in flight at the last stop"), "the restart says how many it recovered")
        second.terminate()
        #expect(await second.waitForExit() == 0)
    }
}
