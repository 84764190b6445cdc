import Foundation
import HookrelayCore
import HookrelayStore
import HookrelayTestSupport
import Testing

/// One test per row of SPEC §3 ("Answers to the sender"), over a real loopback socket and a
/// real SQLite file.
@Suite("Ingest answers (SPEC §3)")
struct IngestAnswerTests {
    @Test("accepted: committed, then 200 with the event id; one pending delivery per distinct URL")
    func accepted() async throws {
        try await withRelay { relay in
            let response = try await relay.send(relay.mailgun.json(id: "evt-accepted-1", event: "delivered"))
            #expect(response.status == 200)
            #expect(response.json["status"] as? String == "accepted")
            #expect(response.json["id"] as? String == "evt-accepted-1")
            let record = try #require(try relay.relay.store.eventRecord(id: "evt-accepted-1"))
            #expect(record.type == "delivered")
            #expect(record.domain == "mg.example.com")
            #expect(record.deliveries.map(\.url).sorted() == ["http://127.0.0.1:9/crm", "http://127.0.0.1:9/v2"])
            // The scheduler may already have tried the (unreachable) URLs: stored and not finished either way.
            #expect(record.deliveries.allSatisfy { ["pending", "retrying"].contains($0.state) })
        }
    }

    @Test("a key being rotated out still verifies")
    func rotatedKey() async throws {
        try await withRelay { relay in
            let response = try await relay.send(relay.mailgun.json(id: "evt-old-key", signatureKey: RelayHarness.oldSigningKey))
            #expect(response.status == 200)
        }
    }

    // Guards SPEC §3 dedup: the same event again is a duplicate (script/mutate dedup-event).
    @Test("same event id again (new token): 200 duplicate, nothing stored twice")
    func duplicateEventID() async throws {
        try await withRelay { relay in
            #expect(try await relay.send(relay.mailgun.json(id: "evt-dup")).status == 200)
            let again = try await relay.send(relay.mailgun.json(id: "evt-dup"))
            #expect(again.status == 200)
            #expect(again.json["status"] as? String == "duplicate")
            #expect(try relay.relay.store.eventRecord(id: "evt-dup")?.deliveries.count == 2)
            #expect(try relay.relay.store.counts().events == 1)
        }
    }

    @Test("same token with the same event: 200 duplicate")
    func sameTokenSameEvent() async throws {
        try await withRelay { relay in
            let request = relay.mailgun.json(id: "evt-token-same", token: "token-aaaa-1")
            #expect(try await relay.send(request).status == 200)
            let again = try await relay.send(request)
            #expect(again.status == 200)
            #expect(again.json["status"] as? String == "duplicate")
        }
    }

    // Guards SPEC §2 the token rule: a replayed token is 403 (script/mutate token-replay).
    @Test("same token with a different event: 403, the second event is not stored")
    func tokenReplayedWithAnotherEvent() async throws {
        try await withRelay { relay in
            #expect(try await relay.send(relay.mailgun.json(id: "evt-original", token: "token-bbbb-1")).status == 200)
            let replay = try await relay.send(relay.mailgun.json(id: "evt-forged", event: "failed", token: "token-bbbb-1"))
            #expect(replay.status == 403)
            #expect(try relay.relay.store.eventRecord(id: "evt-forged") == nil)
        }
    }

    @Test("no route for the event type: 406, nothing stored; sent again, 406 again")
    func noRoute() async throws {
        try await withRelay { relay in
            let request = relay.mailgun.json(id: "evt-opened", event: "opened")
            let response = try await relay.send(request)
            #expect(response.status == 406)
            #expect(response.json["status"] as? String == "rejected")
            #expect(try relay.relay.store.eventRecord(id: "evt-opened") == nil)
            #expect(try await relay.send(request).status == 406, "never accepted, so not a duplicate")
        }
    }

    @Test("a token replayed with an event no route wants: 403, not 406 (the token rule comes first)")
    func tokenReplayedWithUnroutedEvent() async throws {
        try await withRelay { relay in
            #expect(try await relay.send(relay.mailgun.json(id: "evt-token-first", token: "token-cccc-1")).status == 200)
            let replay = try await relay.send(relay.mailgun.json(id: "evt-token-forged", event: "opened", token: "token-cccc-1"))
            #expect(replay.status == 403)
            // And the other way round: a token first seen on a rejected event is kept.
            #expect(try await relay.send(relay.mailgun.json(id: "evt-unrouted-first", event: "opened", token: "token-dddd-1")).status == 406)
            #expect(try await relay.send(relay.mailgun.json(id: "evt-routed-forged", token: "token-dddd-1")).status == 403)
            #expect(try relay.relay.store.eventRecord(id: "evt-routed-forged") == nil)
        }
    }

    @Test("the same token and id with the event changed to reach another route: 200 duplicate, nothing forwarded")
    func sameTokenChangedContent() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let relay = try await RelayHarness(configText: { dataDirectory in
            ProcessSupport.config(
                dataDirectory: dataDirectory,
                body: DeliveryTests.destination("crm", "http://127.0.0.1:9/crm") + DeliveryTests.destination("alerts", "http://127.0.0.1:9/alerts")
                    + DeliveryTests.route(["crm"], events: #"["delivered"]"#) + DeliveryTests.route(["alerts"], events: #"["failed"]"#),
                key: RelayHarness.signingKey
            )
        }, in: directory)
        #expect(try await relay.send(relay.mailgun.json(id: "evt-changed", event: "delivered", token: "token-gggg-1")).status == 200)
        // Mailgun's signature covers the timestamp and token only: the same signed request with
        // its event changed to "failed" verifies, and routes to alerts.
        let changed = try await relay.send(relay.mailgun.json(id: "evt-changed", event: "failed", token: "token-gggg-1"))
        #expect(changed.status == 200)
        #expect(changed.json["status"] as? String == "duplicate")
        let record = try #require(try relay.relay.store.eventRecord(id: "evt-changed"))
        #expect(record.deliveries.map(\.destination) == ["crm"], "nothing for alerts")
        #expect(record.type == "delivered")
        await relay.relay.stop(grace: .seconds(2))
    }

    @Test("an event sent again under a new token reaches a URL added since with the body stored first")
    func resentEventGetsStoredBody() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let sink = try await SinkServer.start()
        defer { Task { await sink.stop() } }
        let first = try await RelayHarness(configText: Self.onlyDeliveredRouted, in: directory)
        #expect(try await first.send(first.mailgun.json(id: "evt-resent", recipient: "first@example.com")).status == 200)
        await first.relay.stop(grace: .seconds(2))

        let second = try await RelayHarness(configText: { dataDirectory in
            ProcessSupport.config(
                dataDirectory: dataDirectory,
                body: DeliveryTests.destination("crm", "http://127.0.0.1:9/crm") + DeliveryTests.destination("partner", sink.url())
                    + DeliveryTests.route(["crm", "partner"], events: #"["delivered"]"#),
                key: RelayHarness.signingKey
            )
        }, in: directory)
        let again = try await second.send(second.mailgun.json(id: "evt-resent", recipient: "second@example.com"))
        #expect(again.json["status"] as? String == "accepted", "a new URL for a stored event")
        #expect(await Polling.until { sink.requests.count == 1 })
        let delivered = try #require(sink.requests.first)
        #expect(delivered.text.contains("first@example.com") && !delivered.text.contains("second@example.com"))
        await second.relay.stop(grace: .seconds(2))
    }

    /// A config routing only `delivered` (to `crm`), for tests that change routes across a restart.
    static func onlyDeliveredRouted(_ dataDirectory: String) -> String {
        ProcessSupport.config(
            dataDirectory: dataDirectory,
            body: DeliveryTests.destination("crm", "http://127.0.0.1:9/crm") + DeliveryTests.route(["crm"], events: #"["delivered"]"#),
            key: RelayHarness.signingKey
        )
    }

    @Test("an event refused 406, then its route added: the same signed request is accepted and stored")
    func rejectedThenRouteAdded() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = try await RelayHarness(configText: Self.onlyDeliveredRouted, in: directory)
        let request = first.mailgun.json(id: "evt-route-new", event: "clicked", token: "token-ffff-1")
        #expect(try await first.send(request).status == 406)
        await first.relay.stop(grace: .seconds(2))

        let second = try await RelayHarness(configText: { RelayHarness.configText(dataDirectory: $0) }, in: directory)
        let again = try await second.send(request)
        #expect(again.status == 200)
        #expect(again.json["status"] as? String == "accepted", "its token was kept from the 406, but the event was never stored")
        #expect(try second.relay.store.eventRecord(id: "evt-route-new")?.deliveries.count == 2)
        await second.relay.stop(grace: .seconds(2))
    }

    @Test("an event accepted before its route was removed: 200 duplicate after the restart, not 406")
    func acceptedThenRouteRemoved() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = try await RelayHarness(configText: { RelayHarness.configText(dataDirectory: $0) }, in: directory)
        let request = first.mailgun.json(id: "evt-route-gone", event: "clicked", token: "token-eeee-1")
        #expect(try await first.send(request).status == 200)
        await first.relay.stop(grace: .seconds(2))

        // The same store, now with no route for `clicked`.
        let second = try await RelayHarness(configText: Self.onlyDeliveredRouted, in: directory)
        let again = try await second.send(request)
        #expect(again.status == 200, "Mailgun retrying an event it was told was accepted")
        #expect(again.json["status"] as? String == "duplicate")
        let newToken = try await second.send(second.mailgun.json(id: "evt-route-gone", event: "clicked"))
        #expect(newToken.status == 200 && newToken.json["status"] as? String == "duplicate")
        #expect(try await second.send(second.mailgun.json(id: "evt-never-routed", event: "clicked")).status == 406)
        await second.relay.stop(grace: .seconds(2))
    }

    @Test("bad signature, missing signature, stale timestamp: 401")
    func unauthorized() async throws {
        try await withRelay { (relay: RelayHarness) async throws in
            let wrongKey = relay.mailgun.json(id: "evt-wrong-key", signatureKey: "not-the-key")
            #expect(try await relay.send(wrongKey).status == 401)

            let now = Int64(Date().timeIntervalSince1970)
            #expect(try await relay.send(relay.mailgun.json(id: "evt-stale", timestamp: now - 3600)).status == 401)
            #expect(try await relay.send(relay.mailgun.json(id: "evt-future", timestamp: now + 3600)).status == 401)

            let unsigned = TestRequest.json("/webhooks/mailgun", Array(#"{"event-data":{"id":"evt-unsigned","event":"delivered"}}"#.utf8))
            #expect(try await relay.send(unsigned).status == 401)

            var tampered = relay.mailgun.json(id: "evt-tampered-token")
            tampered.body = Array(String(decoding: tampered.body, as: UTF8.self).replacingOccurrences(of: #""token":""#, with: #""token":"x"#).utf8)
            #expect(try await relay.send(tampered).status == 401)
            #expect(try relay.relay.store.counts().events == 0)
        }
    }

    @Test("malformed body 400, unknown path 404, wrong method 405, unsupported type 415")
    func malformedAndMisdirected() async throws {
        try await withRelay { relay in
            #expect(try await relay.send(.json("/webhooks/mailgun", Array("{not json".utf8))).status == 400)
            #expect(try await relay.send(.json("/webhooks/nope", Array("{}".utf8))).status == 404)
            let get = try await relay.send(TestRequest(method: "GET", path: "/webhooks/mailgun"))
            #expect(get.status == 405)
            #expect(get.header("Allow") == "POST")
            var text = relay.mailgun.json(id: "evt-text")
            text.headers = [HeaderField(name: "Content-Type", value: "text/plain")]
            #expect(try await relay.send(text).status == 415)
        }
    }

    @Test("too large: 413 from Content-Length, before the body is read")
    func tooLarge() async throws {
        try await withRelay { relay in
            // Declares 10 MiB against a 64 KiB limit and sends only 1 KiB: the answer must not wait for the rest.
            let request = TestRequest(path: "/webhooks/mailgun", headers: [HeaderField(name: "Content-Type", value: "application/json")], body: Array(repeating: 0x20, count: 1024))
            let response = try await HTTPTestClient.sendPartial(request, declaredLength: 10 << 20, port: relay.ingestPort)
            #expect(response.status == 413)
            #expect(response.header("Connection") == "close")
            // Counted and logged as a refused event, like the other refusals.
            #expect(relay.relay.metrics.receivedCount(source: "mailgun", outcome: "too_large") == 1)
        }
    }

    @Test("a chunked body NIO cannot parse: its 400, counted and logged as malformed")
    func malformedChunkedBody() async throws {
        try await withRelay { relay in
            let output = try await RawExchange.send(
                "POST /webhooks/mailgun HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                port: relay.ingestPort, in: relay.directory
            )
            #expect(output.hasPrefix("HTTP/1.1 400"), "the server sent: \(output.prefix(200))")
            #expect(relay.relay.metrics.receivedCount(source: "mailgun", outcome: "malformed") == 1)
        }
    }

    @Test("too large without Content-Length: 413 once the chunks pass max_body, counted once")
    func tooLargeChunked() async throws {
        try await withRelay { relay in
            let request = TestRequest(path: "/webhooks/mailgun", headers: [
                HeaderField(name: "Content-Type", value: "application/json"), HeaderField(name: "Transfer-Encoding", value: "chunked"),
            ], body: Array(repeating: 0x20, count: 100 << 10))
            let response = try await HTTPTestClient.send(request, port: relay.ingestPort)
            #expect(response.status == 413)
            #expect(relay.relay.metrics.receivedCount(source: "mailgun", outcome: "too_large") == 1)
        }
    }

    @Test("store unavailable: 503 with Retry-After, never 200")
    func storeUnavailable() async throws {
        try await withRelay { relay in
            relay.relay.store.close()
            let response = try await relay.send(relay.mailgun.json(id: "evt-no-store"))
            #expect(response.status == 503)
            #expect(response.header("Retry-After") != nil)
            let ready = try await relay.admin("/readyz")
            #expect(ready.status == 503)
        }
    }

    @Test("legacy form event: accepted, identified by its token")
    func legacyForm() async throws {
        try await withRelay { relay in
            let request = relay.mailgun.legacyForm(event: "delivered", token: "legacy-token-1")
            let response = try await relay.send(request)
            #expect(response.status == 200)
            #expect(response.json["id"] as? String == "legacy-token-1")
            #expect(try relay.relay.store.eventRecord(id: "legacy-token-1")?.deliveries.count == 2)
            #expect(try await relay.send(request).json["status"] as? String == "duplicate")
        }
    }

    @Test("a URL reached by an account-level and a domain-level route gets the event once")
    func urlDedupAcrossRouteLevels() async throws {
        try await withRelay { relay in
            #expect(try await relay.send(relay.mailgun.json(id: "evt-failed-1", event: "failed", domain: "mg.example.com")).status == 200)
            let urls = try relay.relay.store.eventRecord(id: "evt-failed-1")?.deliveries.map(\.url).sorted()
            #expect(urls == ["http://127.0.0.1:9/crm", "http://127.0.0.1:9/v2"])
        }
    }

    @Test("health and readiness on the admin listener; event lookup by id")
    func adminProbes() async throws {
        try await withRelay { relay in
            #expect(try await relay.admin("/healthz").status == 200)
            #expect(try await relay.admin("/readyz").status == 200)
            _ = try await relay.send(relay.mailgun.json(id: "evt-lookup", event: "clicked"))
            let lookup = try await relay.admin("/admin/api/events/evt-lookup")
            #expect(lookup.status == 200)
            #expect(lookup.json["event"] as? String == "clicked")
            #expect((lookup.json["deliveries"] as? [[String: Any]])?.count == 2)
            #expect((lookup.json["received"] as? String)?.hasSuffix("Z") == true)
            #expect(try await relay.admin("/admin/api/events/missing").status == 404)
        }
    }
}
