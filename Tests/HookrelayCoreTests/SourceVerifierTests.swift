import Testing
@testable import HookrelayCore

private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

private func request(_ contentType: String?, _ body: [UInt8], headers: [(String, String)] = []) -> WebhookRequest {
    var fields = headers.map { HeaderField(name: $0.0, value: $0.1) }
    if let contentType { fields.insert(HeaderField(name: "Content-Type", value: contentType), at: 0) }
    return WebhookRequest(method: "POST", path: "/hook", headers: fields, body: body)
}

private func refusal(_ result: Result<ReceivedEvent, IngestRefusal>) -> IngestRefusal? {
    if case .failure(let refusal) = result { return refusal }
    return nil
}

// Mailgun vectors (see SignatureKnownAnswerTests for the Python commands).
private let mailgunKey = bytes("key-3ax6xnjp29jd6fds4gc373sgvjxteol0")
private let mailgunToken = "8f1e2c3d4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1"
private let mailgunSignature = "dc284123c19b82f436f153e1c036632a5c6fb33221e175957a33a679fd2c91fa"
private let mailgun = SourceVerifier(source: SourceConfig(name: "mailgun", path: "/hook", scheme: .mailgun, keys: [bytes("key-old"), mailgunKey]))

/// A Mailgun JSON event shaped like the seed examples (timestamp as a JSON string or number).
private func mailgunEvent(timestamp: String = "\"1701388800\"", token: String = mailgunToken, signature: String = mailgunSignature,
                          eventData: String? = nil) -> [UInt8] {
    let data = eventData ?? """
    {"id":"CPgfbmQMTCKtHW6uIWtuVe","event":"failed","timestamp":1701388800.789,"severity":"permanent","reason":"bounce",\
    "recipient":"alice@example.com","envelope":{"sender":"bounce+1f2e@MG.Example.com","targets":"alice@example.com"},\
    "message":{"headers":{"message-id":"<20231201000000.1.ABC@mail.example.org>","to":"alice@example.com"}},\
    "delivery-status":{"code":550,"message":"User not found"},"tags":["newsletter"]}
    """
    return bytes(#"{"signature":{"timestamp":\#(timestamp),"token":"\#(token)","signature":"\#(signature)"},"event-data":\#(data)}"#)
}

@Suite struct SourceVerifierMailgunTests {
    @Test func jsonEvent() throws {
        let result = mailgun.receive(request("application/json; charset=utf-8", mailgunEvent()), now: 1_701_388_830)
        let event = try result.get()
        #expect(event == ReceivedEvent(id: "CPgfbmQMTCKtHW6uIWtuVe", type: "failed", typeAliases: ["permanent_fail"],
                                       domain: "mg.example.com", token: mailgunToken, contentType: "application/json; charset=utf-8"))
    }

    @Test func numericTimestampTemporaryFailureAndMessageIdDomain() throws {
        let data = #"{"id":"t-1","event":"failed","severity":"temporary","message":{"headers":{"message-id":"<x.1@Mail.Example.ORG>"}}}"#
        let event = try mailgun.receive(request("application/json", mailgunEvent(timestamp: "1701388800", eventData: data)), now: 1_701_388_800).get()
        #expect(event.id == "t-1" && event.typeAliases == ["temporary_fail"] && event.domain == "mail.example.org")
    }

    @Test func signatureRefusals() {
        let tamperedToken = "9" + mailgunToken.dropFirst()
        let cases: [([UInt8], String)] = [
            (mailgunEvent(token: tamperedToken), "bad_signature"),
            (mailgunEvent(signature: String(repeating: "ab", count: 32)), "bad_signature"),
            (mailgunEvent(signature: "not-hex"), "bad_signature"),
            (mailgunEvent(timestamp: "\"17013888OO\""), "bad_signature"),
            (bytes(#"{"event-data":{"id":"x","event":"delivered"}}"#), "unsigned"),
            (bytes(#"{"signature":{"timestamp":"1701388800","signature":"\#(mailgunSignature)"},"event-data":{}}"#), "unsigned"),
        ]
        for (body, expected) in cases {
            let refused = refusal(mailgun.receive(request("application/json", body), now: 1_701_388_800))
            #expect(refused?.shortName == expected)
            #expect(refused?.status == 401)
        }
    }

    @Test func wrongKeyOnly() {
        let verifier = SourceVerifier(source: SourceConfig(name: "m", path: "/hook", scheme: .mailgun, keys: [bytes("key-wrong")]))
        #expect(refusal(verifier.receive(request("application/json", mailgunEvent()), now: 1_701_388_800))?.shortName == "bad_signature")
    }

    @Test func staleBothWays() {
        // max_age 10m: 600 s away is fresh, 601 s is stale, in the past and in the future.
        for (now, fresh) in [(Int64(1_701_389_400), true), (1_701_389_401, false), (1_701_388_200, true), (1_701_388_199, false)] {
            let result = mailgun.receive(request("application/json", mailgunEvent()), now: now)
            #expect((refusal(result) == nil) == fresh)
            if !fresh { #expect(refusal(result)?.shortName == "stale" && refusal(result)?.status == 401) }
        }
    }

    @Test func staleIsCheckedAfterTheSignature() {
        let result = mailgun.receive(request("application/json", mailgunEvent(signature: String(repeating: "00", count: 32))), now: 1)
        #expect(refusal(result)?.shortName == "bad_signature")
    }

    @Test func missingIdOrTypeIsMalformed() {
        let noID = mailgunEvent(eventData: #"{"event":"delivered"}"#)
        #expect(refusal(mailgun.receive(request("application/json", noID), now: 1_701_388_800)) == .malformed("missing event-data.id"))
        let noType = mailgunEvent(eventData: #"{"id":"abc"}"#)
        #expect(refusal(mailgun.receive(request("application/json", noType), now: 1_701_388_800)) == .malformed("missing event-data.event"))
        let noData = bytes(#"{"signature":{"timestamp":"1701388800","token":"\#(mailgunToken)","signature":"\#(mailgunSignature)"}}"#)
        #expect(refusal(mailgun.receive(request("application/json", noData), now: 1_701_388_800))?.status == 400)
    }

    /// An id that could not go into a delivery's X-Hookrelay-Event-Id header is refused, not accepted.
    /// SPEC §11 (issue 15) refuses every control character, so a tab and DEL are refused now too
    /// (570dfc4 had let them through).
    @Test func idWithAControlCharacterIsMalformed() {
        for id in [#"a\nb"#, #"a\r\nX-Injected: 1"#, #"cr\r"#, #"nul\u0000"#, #"tab\there"#, #"del\u007f"#, #"esc\u001b"#] {
            let event = mailgunEvent(eventData: #"{"id":"\#(id)","event":"delivered"}"#)
            #expect(refusal(mailgun.receive(request("application/json", event), now: 1_701_388_800)) == .malformed("event id has a control character"), "\(id)")
        }
        // Spaces and non-ASCII are no control characters.
        let plain = mailgunEvent(eventData: #"{"id":"a b/é","event":"delivered"}"#)
        #expect((try? mailgun.receive(request("application/json", plain), now: 1_701_388_800).get())?.id == "a b/é")
    }

    @Test func legacyURLEncodedWithMessageHeaders() throws {
        // Built with Python's urllib.parse.urlencode; message-headers is a JSON string. Signature:
        // python3 -c 'import hmac,hashlib;print(hmac.new(b"key-3ax6xnjp29jd6fds4gc373sgvjxteol0",b"1420591452"+b"e40542a95b5a6989b5e226cc0e9bb2f120478af8ee594f884c",hashlib.sha256).hexdigest())'
        let body = "event=delivered&recipient=mgbox01%40gmail.com&message-headers=%5B%5B%22Received%22%2C+%22by+luna.mailgun.net+with+HTTP%3B+Wed%2C+07+Jan+2015+00%3A44%3A03+%2B0000%22%5D%2C+%5B%22Content-Type%22%2C+%5B%22text%2Fplain%22%2C+%7B%22charset%22%3A+%22ascii%22%7D%5D%5D%2C+%5B%22Subject%22%2C+%22Hello%22%5D%2C+%5B%22Message-Id%22%2C+%22%3C20150107004403.125880.28353%40Beatnikz.NET%3E%22%5D%5D&X-Mailgun-Tag=newsletters&timestamp=1420591452&token=e40542a95b5a6989b5e226cc0e9bb2f120478af8ee594f884c&signature=499b773457dd296bd6cc21696a55e3df3732f74de76ea459e6bb092ff210a81c"
        let event = try mailgun.receive(request("application/x-www-form-urlencoded", bytes(body)), now: 1_420_591_500).get()
        #expect(event == ReceivedEvent(id: "e40542a95b5a6989b5e226cc0e9bb2f120478af8ee594f884c", type: "delivered", domain: "beatnikz.net",
                                       token: "e40542a95b5a6989b5e226cc0e9bb2f120478af8ee594f884c", contentType: "application/x-www-form-urlencoded"))
        // The domain field wins over the headers; a changed token breaks the signature.
        let withDomain = try mailgun.receive(request("application/x-www-form-urlencoded", bytes("domain=MG.Beatnikz.net&" + body)), now: 1_420_591_500).get()
        #expect(withDomain.domain == "mg.beatnikz.net")
        let tampered = body.replacingOccurrences(of: "token=e4", with: "token=f4")
        #expect(refusal(mailgun.receive(request("application/x-www-form-urlencoded", bytes(tampered)), now: 1_420_591_500))?.shortName == "bad_signature")
        let noEvent = body.replacingOccurrences(of: "event=delivered&", with: "")
        #expect(refusal(mailgun.receive(request("application/x-www-form-urlencoded", bytes(noEvent)), now: 1_420_591_500)) == .malformed("missing field event"))
    }

    @Test func legacyMultipartBounceWithAttachment() throws {
        var attachment = bytes("Received: by luna.mailgun.net\r\nMessage-Id: <bounce@x>\r\n\r\n")
        attachment += [0x00, 0xFF, 0x0D, 0x0A, 0x2D, 0x2D, 0x0D, 0x0A, 0x0D, 0x0A, 0xC3, 0x28]
        let body = parsingMultipartBody(
            boundary: "----WebKitFormBoundary7MA4YWxkTrZu0gW",
            fields: [("event", "bounced"), ("recipient", "alice@example.com"), ("code", "550"),
                     ("Message-Id", "<20150107004403.125880.28353@Bounces.Example.com>"),
                     ("timestamp", "1420591452"), ("token", "e40542a95b5a6989b5e226cc0e9bb2f120478af8ee594f884c"),
                     ("signature", "499b773457dd296bd6cc21696a55e3df3732f74de76ea459e6bb092ff210a81c")],
            file: ("attachment-1", "message.mime", attachment))
        let contentType = "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW"
        let event = try mailgun.receive(request(contentType, body), now: 1_420_591_452).get()
        #expect(event == ReceivedEvent(id: "e40542a95b5a6989b5e226cc0e9bb2f120478af8ee594f884c", type: "bounced", domain: "bounces.example.com",
                                       token: "e40542a95b5a6989b5e226cc0e9bb2f120478af8ee594f884c", contentType: contentType))
        // Cut before the closing boundary: malformed.
        let truncated = Array(body.prefix(body.count - 20))
        #expect(refusal(mailgun.receive(request(contentType, truncated), now: 1_420_591_452))?.status == 400)
    }
}

@Suite struct SourceVerifierRequestTests {
    @Test func unsupportedOrMissingMediaType() {
        #expect(refusal(mailgun.receive(request("text/plain", mailgunEvent()), now: 1_701_388_800))?.status == 415)
        #expect(refusal(mailgun.receive(request(nil, mailgunEvent()), now: 1_701_388_800))?.status == 415)
        #expect(refusal(mailgun.receive(request("", mailgunEvent()), now: 1_701_388_800))?.status == 415)
    }

    @Test func badJSONIsMalformed() {
        let refused = refusal(mailgun.receive(request("application/json", bytes("{\"signature\":")), now: 1_701_388_800))
        #expect(refused?.status == 400 && refused?.shortName == "malformed")
        #expect(refusal(mailgun.receive(request("application/json", bytes("[]")), now: 1_701_388_800))?.status == 400)
        #expect(refusal(mailgun.receive(request("multipart/form-data", bytes("--x--")), now: 1_701_388_800))?.status == 400)
    }
}

@Suite struct SourceVerifierStandardWebhooksTests {
    static let body = bytes(#"{"type":"invoice.paid","data":{"id":"in_123","amount":4200}}"#)
    static let id = "msg_2Lh9KRb0pRtGA2VO2Zd9n8w7tRk"
    // See SignatureKnownAnswerTests for the Python commands.
    static let signature = "v1,85s+VkWH3mOT7srJpFytSt49bXgjXelGnwRohWG+w84="
    static let verifier = SourceVerifier(source: SourceConfig(
        name: "sw", path: "/hook", scheme: .standardWebhooks, keys: [bytes("plain-secret-rotated"), bytes("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]))

    func receive(_ headers: [(String, String)], body: [UInt8] = Self.body, now: Int64 = 1_701_388_800,
                 verifier: SourceVerifier = Self.verifier) -> Result<ReceivedEvent, IngestRefusal> {
        verifier.receive(request("application/json", body, headers: headers), now: now)
    }

    func headers(timestamp: String = "1701388800", signature: String = Self.signature) -> [(String, String)] {
        [("webhook-id", Self.id), ("Webhook-Timestamp", timestamp), ("webhook-signature", signature)]
    }

    @Test func validWithSeveralSignatures() throws {
        let event = try receive(headers(signature: "v1,Zm9v v1a,bad " + Self.signature)).get()
        #expect(event == ReceivedEvent(id: Self.id, type: "invoice.paid", contentType: "application/json"))
    }

    @Test func typeFromSelector() throws {
        let verifier = SourceVerifier(source: SourceConfig(
            name: "sw", path: "/hook", scheme: .standardWebhooks, keys: [bytes("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")], typeFrom: .json(["data", "id"])))
        #expect(try receive(headers(), verifier: verifier).get().type == "in_123")
    }

    @Test func refusals() {
        #expect(refusal(receive(Array(headers().dropLast())))?.shortName == "unsigned")
        #expect(refusal(receive(headers(), body: Self.body + [0x20]))?.shortName == "bad_signature")
        #expect(refusal(receive(headers(signature: "v1a," + Self.signature.dropFirst(3))))?.shortName == "bad_signature")
        #expect(refusal(receive(headers(timestamp: "1701388800.0")))?.shortName == "bad_signature")
        #expect(refusal(receive(headers(), now: 1_701_388_800 + 601))?.shortName == "stale")
        #expect(refusal(receive(headers(), now: 1_701_388_800 - 601))?.shortName == "stale")
        let wrongKey = SourceVerifier(source: SourceConfig(name: "sw", path: "/hook", scheme: .standardWebhooks, keys: [bytes("whsec_AAAA")]))
        #expect(refusal(receive(headers(), verifier: wrongKey))?.shortName == "bad_signature")
    }

    /// What a client waiting for `100 Continue` is told from its headers alone.
    @Test func refusalFromHeadersAlone() {
        #expect(Self.verifier.refusal(headersOf: request("application/json", [])) == nil, "the body decides the rest")
        #expect(Self.verifier.refusal(headersOf: request("multipart/form-data; boundary=x", [])) == nil)
        #expect(Self.verifier.refusal(headersOf: request("text/plain", []))?.status == 415)
        #expect(Self.verifier.refusal(headersOf: request(nil, []))?.status == 415)
    }

    /// The loader refuses such a secret; built in code, it is never used as its text either.
    @Test func undecodableSecretIsNeverUsed() {
        let secret = "whsec_not base64!"
        let verifier = SourceVerifier(source: SourceConfig(name: "sw", path: "/hook", scheme: .standardWebhooks, keys: [bytes(secret)]))
        let signedWithText = StandardWebhooksSignature.sign(secret: bytes(secret), id: Self.id, timestamp: "1701388800", body: Self.body)
        #expect(refusal(receive(headers(signature: signedWithText), verifier: verifier))?.shortName == "bad_signature")
    }
}

@Suite struct SourceVerifierOtherSchemesTests {
    @Test func gitHubDefaults() throws {
        let verifier = SourceVerifier(source: SourceConfig(name: "gh", path: "/hook", scheme: .github, keys: [bytes("gh-secret")]))
        let body = bytes(#"{"action":"opened","number":7}"#)
        // See SignatureKnownAnswerTests for the Python command.
        let signature = "sha256=bb2edcbe2d7c0b180ff67236e69728ef78190e3fd406e9d05e81bf4d4c948b3b"
        let headers = [("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"), ("X-GitHub-Event", "pull_request"), ("X-Hub-Signature-256", signature)]
        let event = try verifier.receive(request("application/json", body, headers: headers), now: 0).get()
        #expect(event == ReceivedEvent(id: "72d3162e-cc78-11e3-81ab-4c9367dc0958", type: "pull_request", contentType: "application/json"))
        #expect(refusal(verifier.receive(request("application/json", body, headers: Array(headers.prefix(2))), now: 0))?.shortName == "unsigned")
        let missingEvent = [headers[0], headers[2]]
        #expect(refusal(verifier.receive(request("application/json", body, headers: missingEvent), now: 0)) == .malformed("missing event type (header:X-GitHub-Event)"))
        // Signed in headers: the signature is checked before the body is read, so an unsigned or
        // wrongly signed request is 401 whatever its body; a signed one with a bad body is 400.
        let badBody = bytes("{bad")
        #expect(refusal(verifier.receive(request("application/json", badBody, headers: Array(headers.prefix(2))), now: 0))?.shortName == "unsigned")
        #expect(refusal(verifier.receive(request("application/json", badBody, headers: headers), now: 0))?.shortName == "bad_signature")
        let signedBadBody = [headers[0], headers[1], ("X-Hub-Signature-256", GitHubSignature.sign(key: bytes("gh-secret"), body: badBody))]
        #expect(refusal(verifier.receive(request("application/json", badBody, headers: signedBadBody), now: 0))?.status == 400)
    }

    @Test func stripeDefaultsAndFreshness() throws {
        let verifier = SourceVerifier(source: SourceConfig(name: "st", path: "/hook", scheme: .stripe, keys: [bytes("whsec_test_stripe")], maxAge: .seconds(300)))
        let body = SignatureOtherSchemesTests.stripeBody
        let header = [("Stripe-Signature", "t=1701388800,v1=\(SignatureOtherSchemesTests.stripeMAC)")]
        let event = try verifier.receive(request("application/json", body, headers: header), now: 1_701_389_100).get()
        #expect(event.id == "evt_1NG8Du2eZvKYlo2CUI79vXWy" && event.type == "payment_intent.succeeded")
        #expect(refusal(verifier.receive(request("application/json", body, headers: header), now: 1_701_389_101))?.shortName == "stale")
        #expect(refusal(verifier.receive(request("application/json", body), now: 1_701_388_800))?.shortName == "unsigned")
    }

    @Test func slackWithSelectors() throws {
        let verifier = SourceVerifier(source: SourceConfig(
            name: "sl", path: "/hook", scheme: .slack, keys: [bytes("slack-secret")], idFrom: .json(["event_id"]), typeFrom: .json(["event", "type"])))
        let body = bytes(#"{"event_id":"Ev123","event":{"type":"message"}}"#)
        // python3 -c 'import hmac,hashlib;print("v0="+hmac.new(b"slack-secret",b"v0:1701388800:{\"event_id\":\"Ev123\",\"event\":{\"type\":\"message\"}}",hashlib.sha256).hexdigest())'
        let headers = [("X-Slack-Request-Timestamp", "1701388800"), ("X-Slack-Signature", "v0=c2c67a81ba45a0ce1bd47c2dc53722d65d337b18b2ac65d9d4b7ab86586f3bc4")]
        #expect(try verifier.receive(request("application/json", body, headers: headers), now: 1_701_388_800).get()
            == ReceivedEvent(id: "Ev123", type: "message", contentType: "application/json"))
        #expect(refusal(verifier.receive(request("application/json", body, headers: [headers[1], ("X-Slack-Request-Timestamp", "1701388801")]), now: 1_701_388_800))?.shortName == "bad_signature")
        #expect(refusal(verifier.receive(request("application/json", body, headers: headers), now: 1_701_390_000))?.shortName == "stale")
    }

    @Test func hmacHeaderAndContentID() throws {
        let body = bytes(#"{"event_id":"ev_42","kind":"order.created"}"#)
        let base64 = "wXDaSc1DxG8kLIXNs4AuB8peIRMRgBuJiSAXv7GOtAo="  // see SignatureKnownAnswerTests
        let configured = SourceVerifier(source: SourceConfig(
            name: "h", path: "/hook", scheme: .hmacHeader, keys: [bytes("hmac-header-key")], idFrom: .json(["event_id"]),
            typeFrom: .json(["kind"]), signatureHeader: "X-Partner-Signature", signatureEncoding: .base64))
        #expect(try configured.receive(request("application/json", body, headers: [("x-partner-signature", "sha256=" + base64)]), now: 0).get()
            == ReceivedEvent(id: "ev_42", type: "order.created", contentType: "application/json"))
        #expect(refusal(configured.receive(request("application/json", body, headers: [("X-Signature", base64)]), now: 0))?.shortName == "unsigned")
        // No id_from / type_from: the content id and the literal type "event".
        // python3 -c 'import hashlib;print(hashlib.sha256(b"{\"event_id\":\"ev_42\",\"kind\":\"order.created\"}").hexdigest())'
        let bare = SourceVerifier(source: SourceConfig(name: "h", path: "/hook", scheme: .hmacHeader, keys: [bytes("hmac-header-key")], signatureEncoding: .base64))
        let event = try bare.receive(request("application/json", body, headers: [("X-Signature", base64)]), now: 0).get()
        #expect(event.id == "sha256:b1c2c1f5b42d29557dd4153c9e1da8336ea9ad7742b2750c66c736ab2ab47094" && event.type == "event")
    }

    @Test func noneSchemeAndMissingID() throws {
        let open = SourceVerifier(source: SourceConfig(name: "n", path: "/hook", scheme: .none, allowUnsigned: true, idFrom: .header("X-Request-Id")))
        let body = bytes("a=1&type=ping")
        let event = try open.receive(request("application/x-www-form-urlencoded", body, headers: [("X-Request-Id", "r-1")]), now: 0).get()
        #expect(event.id == "r-1" && event.type == "event")
        #expect(refusal(open.receive(request("application/x-www-form-urlencoded", body), now: 0)) == .malformed("missing event id (header:X-Request-Id)"))
        let closed = SourceVerifier(source: SourceConfig(name: "n", path: "/hook", scheme: .none, idFrom: .header("X-Request-Id")))
        #expect(refusal(closed.receive(request("application/json", bytes("{}"), headers: [("X-Request-Id", "r-1")]), now: 0))?.shortName == "unsigned")
    }

    @Test func allowUnsignedOnSignedSchemeStillRefusesBadSignatures() throws {
        let verifier = SourceVerifier(source: SourceConfig(name: "gh", path: "/hook", scheme: .github, keys: [bytes("gh-secret")], allowUnsigned: true))
        let headers = [("X-GitHub-Delivery", "d-1"), ("X-GitHub-Event", "push")]
        #expect(try verifier.receive(request("application/json", bytes("{}"), headers: headers), now: 0).get().id == "d-1")
        let bad = headers + [("X-Hub-Signature-256", "sha256=" + String(repeating: "0", count: 64))]
        #expect(refusal(verifier.receive(request("application/json", bytes("{}"), headers: bad), now: 0))?.shortName == "bad_signature")
    }
}
