import Foundation
import HookrelayCore
import HookrelayStore
import HookrelayTestSupport
import Testing

/// Rewrites end to end (SPEC §5): a real relay delivering to loopback sinks.
@Suite("Rewrite delivery")
struct RewriteDeliveryTests {
    @Test("json rewrite: a legacy form event arrives as Mailgun JSON; a JSON event arrives byte for byte")
    func jsonRewrite() async throws {
        let sink = try await SinkServer.start()
        defer { Task { await sink.stop() } }
        let config = DeliveryTests.destination("v2", sink.url(), extra: #"rewrite = "json""#) + DeliveryTests.route(["v2"])
        try await withRelay(config: config) { relay in
            let token = MailgunSignature.randomToken()
            let legacy = relay.mailgun.legacyForm(event: "bounced", recipient: "ivan@example.com", token: token)
            #expect(try await relay.send(legacy).status == 200)
            _ = try await DeliveryTests.settled(relay, token)
            let json = relay.mailgun.json(id: "evt-json-as-is")
            #expect(try await relay.send(json).status == 200)
            _ = try await DeliveryTests.settled(relay, "evt-json-as-is")

            let received = sink.requests
            #expect(received.count == 2)
            let converted = try #require(received.first { $0.header("X-Hookrelay-Event-Id") == token })
            #expect(converted.header("Content-Type") == "application/json")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(converted.body)) as? [String: Any])
            let data = try #require(object["event-data"] as? [String: Any])
            #expect(data["event"] as? String == "failed")
            #expect(data["severity"] as? String == "permanent")
            #expect(data["id"] as? String == token)
            #expect(data["recipient"] as? String == "ivan@example.com")
            // The sender's signature covers only timestamp and token, so it still verifies.
            let signature = try #require(object["signature"] as? [String: String])
            #expect(MailgunSignature.verify(
                keys: [Array(RelayHarness.signingKey.utf8)], timestamp: signature["timestamp"] ?? "",
                token: signature["token"] ?? "", signature: signature["signature"] ?? ""
            ))
            let asIs = try #require(received.first { $0.header("X-Hookrelay-Event-Id") == "evt-json-as-is" })
            #expect(asIs.body == json.body)
        }
    }

    @Test("template rewrite: the Slack example, redacted, arrives as JSON")
    func templateRewrite() async throws {
        let sink = try await SinkServer.start()
        defer { Task { await sink.stop() } }
        let config = DeliveryTests.destination("alerts", sink.url(), extra: """
            rewrite = "template"
            template = '{"text": "Mail to {{event-data.recipient}} failed: {{event-data.delivery-status.message}}"}'
            redact = true
            """) + DeliveryTests.route(["alerts"])
        try await withRelay(config: config) { relay in
            #expect(try await relay.send(relay.mailgun.json(id: "evt-slack", event: "failed", recipient: "jo@example.com")).status == 200)
            let record = try await DeliveryTests.settled(relay, "evt-slack")
            #expect(record.deliveries.first?.state == "delivered")
            let received = try #require(sink.requests.first)
            #expect(received.header("Content-Type") == "application/json")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(received.body)) as? [String: Any])
            #expect(object["text"] as? String == "Mail to [REDACTED] failed: OK")
        }
    }

    @Test("a delivery that cannot be shaped: dead at once with error \"rewrite\", nothing sent")
    func rewriteFailureIsDead() async throws {
        let sink = try await SinkServer.start()
        defer { Task { await sink.stop() } }
        // Nothing a loaded config or an accepted request can hold fails a rewrite any more: the
        // loader refuses templates swift-mustache cannot parse and signing keys the signer cannot
        // use (ConfigValidationTests), and ingest refuses bodies it cannot read (400). So the
        // event goes into the store directly, as a store written by another version or edited by
        // hand could hold it: `application/json` whose bytes are not JSON, which a `json`
        // rewrite (DeliveryRequestBuilder → EventDocument) cannot read.
        let url = sink.url()
        let config = DeliveryTests.destination("broken", url, extra: #"rewrite = "json""#) + DeliveryTests.route(["broken"])
        try await withRelay(config: config) { relay in
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let accepted = await relay.relay.store.accept(AcceptRequest(
                source: "mailgun",
                event: ReceivedEvent(id: "evt-broken", type: "delivered", contentType: "application/json"),
                body: Array(#"{"event-data": {"id": "evt-broken""#.utf8),
                destinations: [DeliveryTarget(destination: "broken", url: url)],
                receivedAt: now, tokenExpiresAt: now
            ))
            #expect(try accepted.get() == .accepted(newDeliveries: 1, claimed: []))
            // Stored due now and not claimed: the scheduler's next poll (every second) takes it.
            let record = try await DeliveryTests.settled(relay, "evt-broken")
            #expect(record.deliveries.first?.state == "dead")
            #expect(record.deliveries.first?.attempts == 1)
            #expect(record.deliveries.first?.lastError == "rewrite")
            let failure = try #require(try relay.relay.store.failures(FailureQuery()).first)
            #expect(failure.eventID == "evt-broken")
            #expect(failure.attempt == 1)
            #expect(failure.error == "rewrite")
            #expect(failure.status == nil)
            #expect(failure.nextAttempt == nil)
            #expect(failure.message?.contains("body is not valid JSON") == true, "\(failure.message ?? "no message")")
            #expect(sink.requests.isEmpty)
        }
    }
}
