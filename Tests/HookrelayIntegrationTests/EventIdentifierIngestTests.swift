import Foundation
import HookrelayCore
import HookrelayStore
import HookrelayTestSupport
import Testing

/// SPEC §11: an event id or type with a control character or longer than 512 bytes of UTF-8 is
/// answered 400 over a real socket and nothing of it is stored; 512 bytes are accepted.
@Suite("Event ids and types at ingest (SPEC §11)")
struct EventIdentifierIngestTests {
    static let standardWebhooksKey = "sw-ingest-secret"
    static let extra = """
        [[source]]
        name = "sw"
        path = "/webhooks/sw"
        verify = "standard-webhooks"
        keys = ["\(standardWebhooksKey)"]

        [[route]]
        source = "sw"
        events = ["*"]
        to = ["crm"]
        """

    /// A signed Standard Webhooks request with `id` in its `webhook-id` header.
    static func standardWebhooks(id: String) -> TestRequest {
        let body = Array(#"{"type":"invoice.paid"}"#.utf8)
        let timestamp = String(Int64(Date().timeIntervalSince1970))
        let signature = StandardWebhooksSignature.sign(secret: Array(standardWebhooksKey.utf8), id: id, timestamp: timestamp, body: body)
        return .json("/webhooks/sw", body, headers: [
            HeaderField(name: "webhook-id", value: id), HeaderField(name: "webhook-timestamp", value: timestamp),
            HeaderField(name: "webhook-signature", value: signature),
        ])
    }

    @Test("a tab, DEL or 513 bytes in an id or type: 400, nothing stored; 512 bytes: accepted")
    func refusedAndAccepted() async throws {
        try await withRelay(extra: Self.extra) { relay in
            // Ids and types as JSON string contents (the factory puts them in as they are).
            let refused: [(String, TestRequest)] = [
                ("tab in event-data.id", relay.mailgun.json(id: #"tab\there"#)),
                ("DEL in event-data.id", relay.mailgun.json(id: #"del\u007f"#)),
                ("513-byte event-data.id", relay.mailgun.json(id: String(repeating: "a", count: 513))),
                ("tab in event-data.event", relay.mailgun.json(id: "evt-type-tab", event: #"deli\tvered"#)),
                ("tab in a legacy token", relay.mailgun.legacyForm(token: "tok\tab")),
                ("DEL in a legacy event", relay.mailgun.legacyForm(event: "deli\u{7f}vered")),
                ("513-byte legacy token", relay.mailgun.legacyForm(token: String(repeating: "t", count: 513))),
                ("tab in webhook-id", Self.standardWebhooks(id: "msg\t1")),
                ("513-byte webhook-id", Self.standardWebhooks(id: String(repeating: "m", count: 513))),
            ]
            for (what, request) in refused {
                let response = try await relay.send(request)
                #expect(response.status == 400, "\(what)")
                #expect(response.text.contains("control character") || response.text.contains("longer than 512 bytes"), "\(what): \(response.text)")
            }
            #expect(try relay.relay.store.counts().events == 0)
            #expect(relay.relay.metrics.receivedCount(source: "mailgun", outcome: "malformed") == 7)

            let longest = String(repeating: "a", count: 512)
            #expect(try await relay.send(relay.mailgun.json(id: longest)).status == 200)
            #expect(try relay.relay.store.eventRecord(id: longest) != nil)
            let token = String(repeating: "t", count: 512)
            #expect(try await relay.send(relay.mailgun.legacyForm(token: token)).status == 200)
            #expect(try relay.relay.store.eventRecord(id: token) != nil)
            let webhookID = String(repeating: "m", count: 512)
            #expect(try await relay.send(Self.standardWebhooks(id: webhookID)).status == 200)
            #expect(try relay.relay.store.counts().events == 3)
        }
    }
}
