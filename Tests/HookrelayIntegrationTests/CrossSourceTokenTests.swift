import Foundation
import HookrelayCore
import HookrelayTestSupport
import Testing

/// SPEC §2: a Mailgun token is the sender's, not a source's. Two sources on different paths
/// share a key; a token captured on one is replayed on the other (a real relay process).
@Suite("Cross-source tokens", .serialized)
struct CrossSourceTokenTests {
    @Test("a token taken on one path: with another event on another path 403 and nothing forwarded; with the same event 200 duplicate")
    func tokenReplayedOnAnotherPath() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let sink = try await SinkServer.start()
        let body = """
            [[source]]
            name = "mailgun-eu"
            path = "/webhooks/mailgun-eu"
            verify = "mailgun"
            keys = ["\(ProcessSupport.signingKey)"]

            """ + DeliveryTests.destination("us", sink.url("/us")) + DeliveryTests.destination("eu", sink.url("/eu"))
            + DeliveryTests.route(["us"]) + DeliveryTests.route(["eu"]).replacingOccurrences(of: #"source = "mailgun""#, with: #"source = "mailgun-eu""#)
        let path = try directory.write("relay.conf", ProcessSupport.config(dataDirectory: directory.file("data"), body: body))
        let relay = try RelayProcess(arguments: ["serve", "--config", path])
        defer { relay.kill() }
        let ports = try await relay.waitUntilListening()
        let us = MailgunEventFactory(key: ProcessSupport.signingKey)
        let eu = MailgunEventFactory(key: ProcessSupport.signingKey, path: "/webhooks/mailgun-eu")
        let timestamp = Int64(Date().timeIntervalSince1970)
        let token = MailgunSignature.randomToken()

        let captured = try await HTTPTestClient.send(us.json(id: "evt-captured", timestamp: timestamp, token: token), port: ports.ingest)
        #expect(captured.status == 200)
        let forged = try await HTTPTestClient.send(eu.json(id: "evt-forged", event: "failed", timestamp: timestamp, token: token), port: ports.ingest)
        #expect(forged.status == 403)
        let again = try await HTTPTestClient.send(eu.json(id: "evt-captured", timestamp: timestamp, token: token), port: ports.ingest)
        #expect(again.status == 200)
        #expect(again.text.contains(#""status":"duplicate""#), "\(again.text)")
        // A fresh token on the second path is taken and forwarded: its route works.
        let control = try await HTTPTestClient.send(eu.json(id: "evt-control"), port: ports.ingest)
        #expect(control.status == 200)
        #expect(control.text.contains(#""status":"accepted""#))

        let delivered = await Polling.until(timeout: .seconds(10)) {
            let texts = sink.requests.map(\.text)
            return texts.contains { $0.contains("evt-control") } && texts.contains { $0.contains("evt-captured") }
        }
        #expect(delivered)
        let received = sink.requests
        #expect(!received.contains { $0.text.contains("evt-forged") }, "the forged event was forwarded")
        #expect(received.filter { $0.text.contains("evt-captured") }.map(\.path) == ["/us"], "the captured event went to the second path's routes too")
        #expect(try await HTTPTestClient.send(TestRequest(method: "GET", path: "/admin/api/events/evt-forged"), port: ports.admin).status == 404)
        #expect(await Polling.until(timeout: .seconds(5)) { relay.outputText.contains("signature token replayed with a different event") })
        await sink.stop()
    }
}
