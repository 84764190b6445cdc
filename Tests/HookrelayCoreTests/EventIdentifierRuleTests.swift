import Testing
@testable import HookrelayCore

/// SPEC §11: event ids and types, wherever they come from, are refused with 400 when they hold a
/// control character (U+0000–U+001F, U+007F) or are longer than 512 bytes of UTF-8.
@Suite struct EventIdentifierRuleTests {
    private static let key: [UInt8] = Array("rule-test-key".utf8)
    private static let now: Int64 = 1_701_388_800
    /// Texts the rule refuses, with the problem named (for `what` = "event id").
    static let refused: [(String, String)] = [
        ("tab\there", "event id has a control character"),
        ("del\u{7f}", "event id has a control character"),
        ("nul\u{0}", "event id has a control character"),
        ("unit\u{1f}sep", "event id has a control character"),
        ("line\nbreak", "event id has a control character"),
        (String(repeating: "a", count: 513), "event id is longer than 512 bytes"),
        // 257 two-byte characters: 257 characters, 514 bytes.
        (String(repeating: "é", count: 257), "event id is longer than 512 bytes"),
    ]
    /// Texts the rule accepts.
    static let accepted = ["a b/é", String(repeating: "a", count: 512), String(repeating: "é", count: 256), "~!@#$%^&*()"]

    private func refusal(_ result: Result<ReceivedEvent, IngestRefusal>) -> IngestRefusal? {
        if case .failure(let refusal) = result { return refusal }
        return nil
    }

    private func request(_ contentType: String, _ body: [UInt8], headers: [(String, String)] = []) -> WebhookRequest {
        WebhookRequest(method: "POST", path: "/hook", headers: [HeaderField(name: "Content-Type", value: contentType)]
                       + headers.map { HeaderField(name: $0.0, value: $0.1) }, body: body)
    }

    private func jsonString(_ text: String) -> String { "\"" + JSONWriter.escaped(text) + "\"" }

    private func formValue(_ text: String) -> String {
        text.utf8.map { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return String(UnicodeScalar(byte))
            default:
                return "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }.joined()
    }

    @Test func rule() {
        for (text, problem) in Self.refused {
            #expect(EventIdentifierRule.problem(text, what: "event id") == problem, "\(text.utf8.count) bytes")
        }
        for text in Self.accepted {
            #expect(EventIdentifierRule.problem(text, what: "event id") == nil, "\(text.utf8.count) bytes")
        }
        #expect(EventIdentifierRule.problem("a\tb", what: "event type") == "event type has a control character")
    }

    // MARK: Mailgun JSON: event-data.id and event-data.event

    private func mailgunJSON(id: String, type: String) -> Result<ReceivedEvent, IngestRefusal> {
        let verifier = SourceVerifier(source: SourceConfig(name: "m", path: "/hook", scheme: .mailgun, keys: [Self.key]))
        let token = "0123456789abcdef0123456789abcdef0123456789abcdef01"
        let signature = MailgunSignature.sign(key: Self.key, timestamp: String(Self.now), token: token)
        let body = #"{"signature":{"timestamp":"\#(Self.now)","token":"\#(token)","signature":"\#(signature)"},"#
            + #""event-data":{"id":\#(jsonString(id)),"event":\#(jsonString(type))}}"#
        return verifier.receive(request("application/json", Array(body.utf8)), now: Self.now)
    }

    @Test func mailgunJSONIdAndType() throws {
        for (text, problem) in Self.refused {
            #expect(refusal(mailgunJSON(id: text, type: "delivered")) == .malformed(problem))
            #expect(refusal(mailgunJSON(id: "id-1", type: text))
                == .malformed(problem.replacingOccurrences(of: "event id", with: "event type")))
        }
        for text in Self.accepted {
            #expect(try mailgunJSON(id: text, type: "delivered").get().id == text)
            #expect(try mailgunJSON(id: "id-1", type: text).get().type == text)
        }
    }

    // MARK: Mailgun legacy form: the token is the id; the event field is the type

    private func mailgunLegacy(token: String, type: String, multipart: Bool = false) -> Result<ReceivedEvent, IngestRefusal> {
        let verifier = SourceVerifier(source: SourceConfig(name: "m", path: "/hook", scheme: .mailgun, keys: [Self.key]))
        let signature = MailgunSignature.sign(key: Self.key, timestamp: String(Self.now), token: token)
        let fields = [("event", type), ("recipient", "a@example.com"), ("timestamp", String(Self.now)), ("token", token), ("signature", signature)]
        if multipart {
            let boundary = "rule-boundary"
            var body = ""
            for (name, value) in fields {
                body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
            }
            body += "--\(boundary)--\r\n"
            return verifier.receive(request("multipart/form-data; boundary=\(boundary)", Array(body.utf8)), now: Self.now)
        }
        let body = fields.map { "\($0.0)=\(formValue($0.1))" }.joined(separator: "&")
        return verifier.receive(request("application/x-www-form-urlencoded", Array(body.utf8)), now: Self.now)
    }

    @Test func mailgunLegacyTokenAndEvent() throws {
        for multipart in [false, true] {
            for (text, problem) in Self.refused {
                #expect(refusal(mailgunLegacy(token: text, type: "delivered", multipart: multipart)) == .malformed(problem), "multipart \(multipart)")
                #expect(refusal(mailgunLegacy(token: "token-1", type: text, multipart: multipart))
                    == .malformed(problem.replacingOccurrences(of: "event id", with: "event type")), "multipart \(multipart)")
            }
            for text in Self.accepted {
                #expect(try mailgunLegacy(token: text, type: "delivered", multipart: multipart).get().id == text)
                #expect(try mailgunLegacy(token: "token-1", type: text, multipart: multipart).get().type == text)
            }
        }
    }

    // MARK: Standard Webhooks: webhook-id, and the type from the body (type_from's default)

    private func standardWebhooks(id: String, type: String) -> Result<ReceivedEvent, IngestRefusal> {
        let verifier = SourceVerifier(source: SourceConfig(name: "sw", path: "/hook", scheme: .standardWebhooks, keys: [Self.key]))
        let body = Array(#"{"type":\#(jsonString(type))}"#.utf8)
        let signature = StandardWebhooksSignature.sign(secret: Self.key, id: id, timestamp: String(Self.now), body: body)
        return verifier.receive(request("application/json", body, headers: [
            ("webhook-id", id), ("webhook-timestamp", String(Self.now)), ("webhook-signature", signature),
        ]), now: Self.now)
    }

    @Test func standardWebhooksIdAndType() throws {
        for (text, problem) in Self.refused {
            #expect(refusal(standardWebhooks(id: text, type: "invoice.paid")) == .malformed(problem))
            #expect(refusal(standardWebhooks(id: "msg_1", type: text))
                == .malformed(problem.replacingOccurrences(of: "event id", with: "event type")))
        }
        for text in Self.accepted {
            #expect(try standardWebhooks(id: text, type: "invoice.paid").get().id == text)
            #expect(try standardWebhooks(id: "msg_1", type: text).get().type == text)
        }
    }

    // MARK: id_from and type_from: headers (GitHub's defaults) and JSON paths (hmac-header)

    private func gitHub(delivery: String, event: String) -> Result<ReceivedEvent, IngestRefusal> {
        let verifier = SourceVerifier(source: SourceConfig(name: "gh", path: "/hook", scheme: .github, keys: [Self.key]))
        let body = Array("{}".utf8)
        return verifier.receive(request("application/json", body, headers: [
            ("X-GitHub-Delivery", delivery), ("X-GitHub-Event", event), ("X-Hub-Signature-256", GitHubSignature.sign(key: Self.key, body: body)),
        ]), now: Self.now)
    }

    @Test func headerSelectors() throws {
        for (text, problem) in Self.refused {
            #expect(refusal(gitHub(delivery: text, event: "push")) == .malformed(problem))
            #expect(refusal(gitHub(delivery: "d-1", event: text)) == .malformed(problem.replacingOccurrences(of: "event id", with: "event type")))
        }
        for text in Self.accepted {
            #expect(try gitHub(delivery: text, event: "push").get().id == text)
            #expect(try gitHub(delivery: "d-1", event: text).get().type == text)
        }
    }

    private func hmacHeader(id: String, type: String, form: Bool = false) -> Result<ReceivedEvent, IngestRefusal> {
        let verifier = SourceVerifier(source: SourceConfig(
            name: "h", path: "/hook", scheme: .hmacHeader, keys: [Self.key], idFrom: .json(["data", "id"]), typeFrom: .json(["kind"]),
            signatureHeader: "X-Signature", signatureEncoding: .hex))
        let body: [UInt8]
        let contentType: String
        if form {
            // On a form body a json: selector reads the field named by the whole path.
            body = Array("data.id=\(formValue(id))&kind=\(formValue(type))".utf8)
            contentType = "application/x-www-form-urlencoded"
        } else {
            body = Array(#"{"data":{"id":\#(jsonString(id))},"kind":\#(jsonString(type))}"#.utf8)
            contentType = "application/json"
        }
        return verifier.receive(request(contentType, body, headers: [
            ("X-Signature", HMACHeaderSignature.sign(key: Self.key, body: body, encoding: .hex)),
        ]), now: Self.now)
    }

    @Test func jsonSelectors() throws {
        for form in [false, true] {
            for (text, problem) in Self.refused {
                #expect(refusal(hmacHeader(id: text, type: "order.created", form: form)) == .malformed(problem), "form \(form)")
                #expect(refusal(hmacHeader(id: "ev_1", type: text, form: form))
                    == .malformed(problem.replacingOccurrences(of: "event id", with: "event type")), "form \(form)")
            }
            for text in Self.accepted {
                #expect(try hmacHeader(id: text, type: "order.created", form: form).get().id == text)
                #expect(try hmacHeader(id: "ev_1", type: text, form: form).get().type == text)
            }
        }
    }
}
