import Foundation
import Testing
@testable import HookrelayCore

/// `redact = true` (SPEC §5, Mailgun's PII table): recipient, `message.headers.to` and
/// `envelope.targets` for every event; `ip` only for opened, clicked, complained, unsubscribed.
@Suite("Redact")
struct RedactTests {
    // Guards SPEC §5 redaction per Mailgun's table (script/mutate redaction).
    @Test("per event type: the table's fields are [REDACTED], message-id and user variables kept", arguments: [
        ("delivered", false), ("failed", false), ("accepted", false),
        ("opened", true), ("clicked", true), ("complained", true), ("unsubscribed", true),
    ])
    func redactionTable(type: String, redactsIP: Bool) throws {
        let builder = DeliveryRequestBuilder(destination: RewriteTestEvents.destination(rewrite: .json, redact: true))
        let request = try builder.request(url: "u", eventID: "evt-1", attempt: 1, body: RewriteTestEvents.json(type: type), contentType: "application/json", now: 1)
        let event = try RewriteTestEvents.foundationObject(request.body)
        let data = try #require(event["event-data"] as? [String: Any])
        let headers = try #require((data["message"] as? [String: Any])?["headers"] as? [String: Any])
        let envelope = try #require(data["envelope"] as? [String: Any])

        #expect(data["recipient"] as? String == "[REDACTED]")
        #expect(headers["to"] as? String == "[REDACTED]")
        #expect(envelope["targets"] as? String == "[REDACTED]")
        #expect(data["ip"] as? String == (redactsIP ? "[REDACTED]" : "203.0.113.7"))

        #expect(headers["message-id"] as? String == "20240101.abc@mg.example.com")
        #expect(headers["from"] as? String == "bob@mg.example.com")
        #expect(envelope["sender"] as? String == "bob@mg.example.com")
        #expect(data["user-variables"] as? [String: String] == ["customer": "c-42"])
        #expect(data["event"] as? String == type)
        #expect((event["signature"] as? [String: String])?["token"] == "original-token")
        #expect(!request.text.contains("alice@example.com"), "no trace of the address anywhere")
    }

    @Test("a repeated member name is redacted in every member, whichever one a reader takes")
    func repeatedNames() throws {
        let body = #"{"event-data":{"event":"delivered","recipient":"alice@x","recipient":"alice@x"},"#
            + #""event-data":{"event":"opened","ip":"203.0.113.7","recipient":"bob@x","envelope":{"targets":"bob@x"}}}"#
        var value = try JSONValue(parsing: Array(body.utf8))
        #expect(PIIRedaction.redact(&value))
        let text = String(decoding: value.serialized(), as: UTF8.self)
        #expect(!text.contains("alice@x") && !text.contains("bob@x") && !text.contains("203.0.113.7"), "\(text)")
    }

    @Test("re-signing leaves one signature: a repeated one from the source does not go out beside it")
    func repeatedSignature() throws {
        let builder = DeliveryRequestBuilder(destination: RewriteTestEvents.destination(rewrite: .json, sign: .mailgun, signKey: "partner-key"))
        let body = #"{"signature":{"token":"t1"},"event-data":{"id":"e","event":"delivered"},"signature":{"token":"source-token"}}"#
        let request = try builder.request(url: "u", eventID: "evt-1", attempt: 1, body: Array(body.utf8), contentType: "application/json", now: 1)
        #expect(request.text.components(separatedBy: #""signature":{"#).count == 2, "one signature block: \(request.text)")
        #expect(!request.text.contains("source-token") && !request.text.contains(#""t1""#))
    }

    @Test("an event without the PII fields is left as it is (nothing added)")
    func absentFieldsStayAbsent() throws {
        var value = try JSONValue(parsing: Array(#"{"event-data":{"event":"opened","message":{"headers":{"message-id":"m@x"}}}}"#.utf8))
        let before = value
        #expect(PIIRedaction.redact(&value) == false)
        #expect(value == before)
    }

    @Test("a redacted legacy event: converted first, then redacted")
    func legacyRedacted() throws {
        let builder = DeliveryRequestBuilder(destination: RewriteTestEvents.destination(rewrite: .json, redact: true))
        let request = try builder.request(
            url: "u", eventID: "legacy-token-123", attempt: 1, body: RewriteTests.legacyBouncedForm(),
            contentType: "application/x-www-form-urlencoded", now: 1
        )
        let data = try #require(try RewriteTestEvents.foundationObject(request.body)["event-data"] as? [String: Any])
        #expect(data["recipient"] as? String == "[REDACTED]")
        #expect(data["ip"] as? String == "198.51.100.1", "a failed event's ip is the sending server's: kept")
        let headers = try #require((data["message"] as? [String: Any])?["headers"] as? [String: String])
        #expect(headers["to"] == "[REDACTED]")
        #expect(headers["message-id"] == "20150107004403.125880.28353@mg.example.com")
    }

    @Test("the template sees the redacted event")
    func templateSeesRedacted() throws {
        let destination = RewriteTestEvents.destination(rewrite: .template, template: #"{"to":"{{event-data.recipient}}","mid":"{{event-data.message.headers.message-id}}"}"#, redact: true)
        let request = try DeliveryRequestBuilder(destination: destination)
            .request(url: "u", eventID: "evt-1", attempt: 1, body: RewriteTestEvents.json(type: "delivered"), contentType: "application/json", now: 1)
        #expect(request.text == #"{"to":"[REDACTED]","mid":"20240101.abc@mg.example.com"}"#)
    }
}

extension OutboundRequest {
    var text: String { String(decoding: body, as: UTF8.self) }
}
