import Foundation
import Testing
@testable import HookrelayCore

/// Partner signing (SPEC §5): signatures verify with the project's own verifiers; the token
/// (Mailgun) or webhook-id (Standard Webhooks) is stable per event and destination, the
/// timestamp is fresh per attempt.
@Suite("PartnerSign")
struct PartnerSignTests {
    static let url = "http://127.0.0.1:1/partner"

    private func request(_ destination: DestinationConfig, eventID: String = "evt-1", url: String = url, attempt: Int, now: Int64, body: [UInt8]? = nil) throws -> OutboundRequest {
        try DeliveryRequestBuilder(destination: destination).request(
            url: url, eventID: eventID, attempt: attempt, body: body ?? RewriteTestEvents.json(type: "delivered", id: eventID),
            contentType: "application/json", now: now
        )
    }

    private func signatureBlock(_ request: OutboundRequest) throws -> [String: String] {
        try #require(try RewriteTestEvents.foundationObject(request.body)["signature"] as? [String: String])
    }

    @Test("mailgun, json rewrite: verifies with MailgunSignature; token stable across attempts, timestamp fresh")
    func mailgunJSON() throws {
        let destination = RewriteTestEvents.destination(rewrite: .json, sign: .mailgun, signKey: "partner-key")
        let first = try signatureBlock(request(destination, attempt: 1, now: 1_700_000_000))
        let second = try signatureBlock(request(destination, attempt: 2, now: 1_700_000_600))
        for block in [first, second] {
            let timestamp = try #require(block["timestamp"]), token = try #require(block["token"]), signature = try #require(block["signature"])
            #expect(MailgunSignature.verify(keys: [Array("partner-key".utf8)], timestamp: timestamp, token: token, signature: signature))
            #expect(!MailgunSignature.verify(keys: [Array("other-key".utf8)], timestamp: timestamp, token: token, signature: signature))
            #expect(token.count == 50)
        }
        #expect(first["timestamp"] == "1700000000")
        #expect(second["timestamp"] == "1700000600")
        #expect(first["token"] == second["token"])
        #expect(first["token"] != "original-token")
        let otherURL = try signatureBlock(request(destination, url: "http://127.0.0.1:1/other", attempt: 1, now: 1_700_000_000))
        let otherEvent = try signatureBlock(request(destination, eventID: "evt-2", attempt: 1, now: 1_700_000_000))
        #expect(otherURL["token"] != first["token"])
        #expect(otherEvent["token"] != first["token"])
    }

    @Test("mailgun re-signing keeps the rest of the event, and works on a converted legacy event")
    func mailgunKeepsEvent() throws {
        let destination = RewriteTestEvents.destination(rewrite: .json, sign: .mailgun, signKey: "partner-key")
        let signed = try RewriteTestEvents.foundationObject(request(destination, attempt: 1, now: 5).body)
        let original = try RewriteTestEvents.foundationObject(RewriteTestEvents.json(type: "delivered"))
        #expect(NSDictionary(dictionary: signed["event-data"] as? [String: Any] ?? [:]).isEqual(to: original["event-data"] as? [String: Any] ?? [:]))

        let legacyRequest = try DeliveryRequestBuilder(destination: destination).request(
            url: Self.url, eventID: "legacy-token-123", attempt: 1, body: RewriteTests.legacyBouncedForm(),
            contentType: "application/x-www-form-urlencoded", now: 9
        )
        let block = try signatureBlock(legacyRequest)
        #expect(MailgunSignature.verify(keys: [Array("partner-key".utf8)], timestamp: "9", token: block["token"] ?? "", signature: block["signature"] ?? ""))
    }

    @Test("mailgun with a template: {{signature.*}} are the re-signed values")
    func mailgunTemplate() throws {
        let template = #"{"ts":"{{signature.timestamp}}","token":"{{signature.token}}","sig":"{{signature.signature}}","e":"{{event-data.event}}"}"#
        let destination = RewriteTestEvents.destination(rewrite: .template, template: template, sign: .mailgun, signKey: "partner-key")
        let rendered = try #require(try RewriteTestEvents.foundationObject(request(destination, attempt: 1, now: 1_700_000_123).body) as? [String: String])
        #expect(rendered["ts"] == "1700000123")
        #expect(rendered["e"] == "delivered")
        #expect(MailgunSignature.verify(keys: [Array("partner-key".utf8)], timestamp: rendered["ts"] ?? "", token: rendered["token"] ?? "", signature: rendered["sig"] ?? ""))
    }

    @Test("standard-webhooks with a whsec_ secret: headers verify with StandardWebhooksSignature; id stable, timestamp fresh",
          arguments: [RewriteMode.json, .template])
    func standardWebhooks(rewrite: RewriteMode) throws {
        let secretBytes = Array("a 24-byte secret for hmac".utf8)
        let secret = "whsec_" + Base64Encoding.encode(secretBytes)
        let destination = RewriteTestEvents.destination(
            rewrite: rewrite, template: rewrite == .template ? #"{"e":"{{event-data.event}}"}"# : nil, redact: true,
            sign: .standardWebhooks, signKey: secret
        )
        var ids: [String] = []
        for (attempt, now) in [(1, Int64(1_700_000_000)), (2, Int64(1_700_000_900))] {
            let request = try request(destination, attempt: attempt, now: now)
            let id = try #require(RewriteTestEvents.header(request, "webhook-id"))
            let timestamp = try #require(RewriteTestEvents.header(request, "webhook-timestamp"))
            let signature = try #require(RewriteTestEvents.header(request, "webhook-signature"))
            #expect(timestamp == String(now))
            #expect(id.hasPrefix("msg_"))
            #expect(signature.hasPrefix("v1,"))
            #expect(StandardWebhooksSignature.verify(secrets: [secretBytes], id: id, timestamp: timestamp, body: request.body, signatureHeader: signature))
            #expect(!StandardWebhooksSignature.verify(secrets: [Array("whsec_".utf8) + secretBytes], id: id, timestamp: timestamp, body: request.body, signatureHeader: signature))
            ids.append(id)
        }
        #expect(ids[0] == ids[1])
        let otherEvent = try request(destination, eventID: "evt-2", attempt: 1, now: 1)
        #expect(RewriteTestEvents.header(otherEvent, "webhook-id") != ids[0])
    }

    @Test("a whsec_ secret that is not base64 (a config built in code; the loader refuses it) makes attempts fail with a RewriteError")
    func badSecret() {
        let destination = RewriteTestEvents.destination(rewrite: .json, sign: .standardWebhooks, signKey: "whsec_!!!not base64!!!")
        // The failure log gets the reason the config loader gives, after the key's name.
        #expect(throws: RewriteError("sign_key: " + StandardWebhooksSignature.secretProblem("whsec_!!!not base64!!!"))) {
            try request(destination, attempt: 1, now: 1)
        }
    }

    @Test("PartnerSigner(checking:) refuses what signing refuses: empty keys for both schemes, unusable whsec_ secrets")
    func checkingKeys() {
        for scheme in SigningScheme.allCases {
            #expect(throws: SigningKeyError("the key is empty")) { try PartnerSigner(checking: scheme, key: "") }
            #expect(throws: RewriteError("sign_key: the key is empty")) { try PartnerSigner(scheme: scheme, key: "") }
        }
        #expect(throws: Never.self) { try PartnerSigner(checking: .mailgun, key: "whsec_not base64!") }
        #expect(throws: Never.self) { try PartnerSigner(checking: .standardWebhooks, key: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") }
        for bad in ["whsec_", "whsec_not base64!", "whsec_QUJDR"] {
            #expect(throws: SigningKeyError.self) { try PartnerSigner(checking: .standardWebhooks, key: bad) }
            #expect(throws: RewriteError.self) { try StandardWebhooksPartnerSigner(secret: bad) }
        }
    }

    @Test("the token derivation: hex HMAC-SHA256(key, event id \\n url), first 50 digits")
    func tokenDerivation() {
        let signer = MailgunPartnerSigner(key: "k")
        let expected = HexEncoding.encode(HMACSHA256.authenticationCode(key: Array("k".utf8), message: Array("evt\nhttp://x/".utf8)))
        #expect(signer.token(eventID: "evt", url: "http://x/") == String(expected.prefix(50)))
    }
}

extension StandardWebhooksSignature {
    /// Why `secretBytes` refuses `secret` ("" when it does not).
    static func secretProblem(_ secret: String) -> String {
        do {
            _ = try secretBytes(secret)
            return ""
        } catch {
            return error.reason
        }
    }
}

// Guards SPEC §12 outbound key rotation: one `v1,` signature per key, space-separated; mailgun signs with the first.
@Test func signKeyListSignsWithEveryKey() throws {
    let first = "whsec_" + Base64Encoding.encode(Array("first secret".utf8))
    let second = "whsec_" + Base64Encoding.encode(Array("second secret".utf8))
    let destination = DestinationConfig(name: "p", url: "http://127.0.0.1:1/hook", rewrite: .json, sign: .standardWebhooks, signKeys: [first, second])
    let request = try DeliveryRequestBuilder(destination: destination).request(
        url: destination.url, eventID: "e1", attempt: 1, body: Array(#"{"a":1}"#.utf8), contentType: "application/json", now: 1_700_000_000)
    let header = try #require(request.headers.first { $0.name == "webhook-signature" }?.value)
    let id = try #require(request.headers.first { $0.name == "webhook-id" }?.value)
    let entries = header.split(separator: " ").map(String.init)
    #expect(entries.count == 2)
    for (secret, entry) in zip([first, second], entries) {
        let bytes = try StandardWebhooksSignature.secretBytes(secret)
        #expect(entry == StandardWebhooksSignature.sign(secret: bytes, id: id, timestamp: "1700000000", body: request.body))
    }
    // The id stays the one the first key makes (as with a single key).
    #expect(try id == StandardWebhooksPartnerSigner(secret: first).webhookID(eventID: "e1", url: destination.url))
}
