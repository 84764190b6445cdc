import Foundation
import Testing
@testable import HookrelayCore

/// `rewrite = "json"` and `"passthrough"` (SPEC §5): the JSON value model, structural
/// passthrough of JSON bodies, and the conversion of legacy form events.
@Suite("Rewrite")
struct RewriteTests {
    private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test("the JSON reader keeps member order and number text, and writes back the same value")
    func jsonRoundTrip() throws {
        let text = #"{"b":1,"a":[true,false,null,-0.5e+3,1701388800.123],"s":"q\"\\\/\n\t\u00e9\ud83d\ude00","e":{}}"#
        let value = try JSONValue(parsing: bytes(text))
        guard case .object(let object) = value else { Issue.record("not an object"); return }
        #expect(object.members.map(\.name) == ["b", "a", "s", "e"])
        #expect(value.value(at: ["s"]) == .string("q\"\\/\n\té😀"))
        #expect(value.value(at: ["a"]) == .array([.bool(true), .bool(false), .null, .number("-0.5e+3"), .number("1701388800.123")]))
        let written = value.serialized()
        #expect(String(decoding: written, as: UTF8.self) == #"{"b":1,"a":[true,false,null,-0.5e+3,1701388800.123],"s":"q\"\\/\n\té😀","e":{}}"#)
        #expect(try JSONValue(parsing: written) == value)
        #expect(try JSONSerialization.jsonObject(with: Data(written)) is [String: Any])
    }

    @Test("the JSON reader refuses what is not JSON", arguments: [
        "", "{", #"{"a":}"#, #"{"a":1,}"#, "[1 2]", "01", "1.", "tru", #""a\x""#, "\"a\nb\"", "{} {}", #"{'a':1}"#,
    ])
    func jsonRejects(_ text: String) {
        #expect(throws: RewriteError.self) { try JSONValue(parsing: Array(text.utf8)) }
    }

    @Test("passthrough: the stored bytes and content type, untouched, even when they are not JSON")
    func passthroughUntouched() throws {
        let builder = DeliveryRequestBuilder(destination: RewriteTestEvents.destination(rewrite: .passthrough))
        let body = bytes("not json at all \u{0}\u{1}")
        let request = try builder.request(url: "http://127.0.0.1:1/x", eventID: "e", attempt: 3, body: body, contentType: "text/weird; a=b", now: 1)
        #expect(request.body == body)
        #expect(RewriteTestEvents.header(request, "Content-Type") == "text/weird; a=b")
        #expect(RewriteTestEvents.header(request, "X-Hookrelay-Attempt") == "3")
        #expect(RewriteTestEvents.header(request, "X-Hookrelay-Event-Id") == "e")
    }

    @Test("json rewrite of a JSON body without redaction or signing sends the original bytes")
    func jsonBodyByteIdentical() throws {
        let body = bytes(#"{ "signature": {"token": "t"},  "event-data": {"event": "delivered", "timestamp": 1.50} }"#)
        let builder = DeliveryRequestBuilder(destination: RewriteTestEvents.destination(rewrite: .json))
        let request = try builder.request(url: "http://127.0.0.1:1/x", eventID: "e", attempt: 1, body: body, contentType: "application/json; charset=utf-8", now: 1)
        #expect(request.body == body)
        #expect(RewriteTestEvents.header(request, "Content-Type") == "application/json")
    }

    @Test("json rewrite of an unparseable JSON body throws a RewriteError")
    func jsonBodyUnparseable() {
        let builder = DeliveryRequestBuilder(destination: RewriteTestEvents.destination(rewrite: .json))
        #expect(throws: RewriteError.self) {
            try builder.request(url: "u", eventID: "e", attempt: 1, body: bytes("{\"event-data\":"), contentType: "application/json", now: 1)
        }
        #expect(throws: RewriteError.self) {
            try builder.request(url: "u", eventID: "e", attempt: 1, body: bytes("hello"), contentType: "text/plain", now: 1)
        }
    }

    /// A legacy `bounced` event as Mailgun posted it (urlencoded), with a user variable and a tag.
    static func legacyBouncedForm() -> [UInt8] {
        let headers = #"[["Received", "by luna"], ["Message-Id", "<20150107004403.125880.28353@mg.example.com>"], ["To", "Bob <bob@example.com>"], ["From", "Nolan <nolan@mg.example.com>"], ["Subject", "Hello"], ["Content-Type", ["text/plain", {"charset": "ascii"}]], ["X-Mailgun-Variables", "{\"order\": 7}"]]"#
        let fields: [(String, String)] = [
            ("event", "bounced"), ("recipient", "bob@example.com"), ("domain", "mg.example.com"), ("message-headers", headers),
            ("code", "550"), ("error", "5.1.1 The email account does not exist"), ("notification", "Bounced permanently"),
            ("ip", "198.51.100.1"), ("country", "US"), ("region", "CA"), ("city", "San Francisco"),
            ("client-type", "browser"), ("client-os", "Linux"), ("client-name", "Firefox"), ("device-type", "desktop"), ("user-agent", "Mozilla/5.0"),
            ("url", "https://example.com/a?b=c"), ("tag", "welcome"), ("tag", "onboarding"), ("customer", "c-42"),
            ("timestamp", "1420591445"), ("token", "legacy-token-123"), ("signature", "abcdef"),
        ]
        return Array(fields.map { "\($0.0)=\(MailgunEventEncoding.form($0.1))" }.joined(separator: "&").utf8)
    }

    @Test("legacy X-Mailgun-Tag fields (seed 002: one per tag) become tags, not a user variable")
    func legacyTagHeaders() throws {
        let fields = [("event", "delivered"), ("recipient", "mgbox01@gmail.com"), ("X-Mailgun-Tag", "Web App September Newsletter"),
                      ("X-Mailgun-Tag", "newsletters"), ("X-Mailgun-Sid", "WyI3NGU3"), ("token", "t-1"), ("timestamp", "1420591452")]
        let body = Array(fields.map { "\($0.0)=\(MailgunEventEncoding.form($0.1))" }.joined(separator: "&").utf8)
        let builder = DeliveryRequestBuilder(destination: RewriteTestEvents.destination(rewrite: .json))
        let request = try builder.request(url: "u", eventID: "t-1", attempt: 1, body: body, contentType: "application/x-www-form-urlencoded", now: 1)
        let data = try #require(try RewriteTestEvents.foundationObject(request.body)["event-data"] as? [String: Any])
        #expect(data["tags"] as? [String] == ["Web App September Newsletter", "newsletters"])
        #expect(data["user-variables"] as? [String: String] == ["X-Mailgun-Sid": "WyI3NGU3"])
    }

    @Test("legacy form → JSON: every field in its place, bounced becomes failed/permanent, attachments dropped")
    func legacyConversion() throws {
        let builder = DeliveryRequestBuilder(destination: RewriteTestEvents.destination(rewrite: .json))
        let request = try builder.request(
            url: "u", eventID: "legacy-token-123", attempt: 1, body: Self.legacyBouncedForm(),
            contentType: "application/x-www-form-urlencoded", now: 1
        )
        #expect(RewriteTestEvents.header(request, "Content-Type") == "application/json")
        let event = try RewriteTestEvents.foundationObject(request.body)
        let signature = try #require(event["signature"] as? [String: Any])
        #expect(signature["timestamp"] as? String == "1420591445")
        #expect(signature["token"] as? String == "legacy-token-123")
        #expect(signature["signature"] as? String == "abcdef")
        let data = try #require(event["event-data"] as? [String: Any])
        #expect(data["id"] as? String == "legacy-token-123")
        #expect(data["event"] as? String == "failed")
        #expect(data["severity"] as? String == "permanent")
        #expect(data["reason"] as? String == "bounce")
        #expect((data["timestamp"] as? NSNumber)?.int64Value == 1_420_591_445)
        #expect(data["recipient"] as? String == "bob@example.com")
        #expect(data["domain"] as? String == "mg.example.com")
        #expect(data["ip"] as? String == "198.51.100.1")
        #expect(data["geolocation"] as? [String: String] == ["country": "US", "region": "CA", "city": "San Francisco"])
        #expect(data["client-info"] as? [String: String] == [
            "client-type": "browser", "client-os": "Linux", "client-name": "Firefox", "device-type": "desktop", "user-agent": "Mozilla/5.0",
        ])
        #expect(data["url"] as? String == "https://example.com/a?b=c")
        #expect(data["tags"] as? [String] == ["welcome", "onboarding"])
        let status = try #require(data["delivery-status"] as? [String: Any])
        #expect((status["code"] as? NSNumber)?.intValue == 550)
        #expect(status["message"] as? String == "5.1.1 The email account does not exist")
        #expect(status["description"] as? String == "Bounced permanently")
        let headers = try #require((data["message"] as? [String: Any])?["headers"] as? [String: String])
        #expect(headers == [
            "message-id": "20150107004403.125880.28353@mg.example.com", "to": "Bob <bob@example.com>",
            "from": "Nolan <nolan@mg.example.com>", "subject": "Hello",
        ])
        let variables = try #require(data["user-variables"] as? [String: Any])
        #expect(variables["customer"] as? String == "c-42")
        #expect((variables["order"] as? NSNumber)?.intValue == 7)
        #expect(variables.count == 2, "known fields are not user variables: \(variables.keys.sorted())")
    }

    @Test("legacy dropped → failed/permanent with the legacy reason; other events keep their names", arguments: [
        ("dropped", "failed", "old"), ("delivered", "delivered", nil), ("opened", "opened", nil), ("clicked", "clicked", nil),
        ("complained", "complained", nil), ("unsubscribed", "unsubscribed", nil),
    ] as [(String, String, String?)])
    func legacyEventNames(legacy: String, expected: String, reason: String?) throws {
        var fields = [("event", legacy), ("recipient", "a@example.com"), ("timestamp", "1"), ("token", "tok"), ("signature", "s")]
        if legacy == "dropped" { fields += [("reason", "old"), ("code", "605"), ("description", "Not delivering to previously bounced address")] }
        let body = Array(fields.map { "\($0.0)=\(MailgunEventEncoding.form($0.1))" }.joined(separator: "&").utf8)
        let document = try EventDocument(body: body, contentType: "application/x-www-form-urlencoded")
        #expect(document.value.value(at: ["event-data", "event"]) == .string(expected))
        #expect(document.value.value(at: ["event-data", "reason"]) == reason.map(JSONValue.string))
        #expect(document.value.value(at: ["event-data", "severity"]) == (reason == nil ? nil : .string("permanent")))
        if legacy == "dropped" {
            #expect(document.value.value(at: ["event-data", "delivery-status", "description"]) == .string("Not delivering to previously bounced address"))
            #expect(document.value.value(at: ["event-data", "delivery-status", "code"]) == .number("605"))
        }
        #expect(document.value.value(at: ["event-data", "user-variables"]) == nil)
    }

    @Test("legacy multipart with an attachment: fields converted, the attachment dropped")
    func legacyMultipart() throws {
        let body = parsingMultipartBody(
            boundary: "XyZ",
            fields: [("event", "bounced"), ("recipient", "bob@example.com"), ("token", "tk"), ("timestamp", "1420591445"), ("signature", "s")],
            file: ("attachment-1", "message.eml", [0x00, 0xFF, 0x0D, 0x0A, 0x42])
        )
        let document = try EventDocument(body: body, contentType: "multipart/form-data; boundary=XyZ")
        #expect(document.value.value(at: ["event-data", "event"]) == .string("failed"))
        #expect(document.value.value(at: ["event-data", "recipient"]) == .string("bob@example.com"))
        #expect(document.value.value(at: ["event-data", "user-variables"]) == nil)
        #expect(!String(decoding: document.value.serialized(), as: UTF8.self).contains("attachment"))
    }
}

/// Form encoding for the legacy test bodies.
enum MailgunEventEncoding {
    static func form(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        return (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text).replacingOccurrences(of: "%20", with: "+")
    }
}
