import Foundation
import HookrelayCore
import HookrelayStore
import HookrelayTestSupport
import Testing

/// Partner re-signing (SPEC §5) against the partners' REAL libraries on loopback: django-anymail's
/// Mailgun tracking webhook and the Standard Webhooks reference package, each run by python3.
/// Skipped, saying why, when those Python packages are not installed; failed instead in CI (`RequiredTool`).
@Suite("Partner consumers")
struct PartnerConsumerTests {
    static let partnerKey = "partner-mailgun-signing-key"
    static let anymailPath = "/anymail/mailgun/tracking/"

    static func withAnymail(failFirst: Bool = false, _ body: (PartnerConsumer) async throws -> Void) async throws {
        try await withPartnerConsumer(script: "anymail_consumer.py", environment: [
            "ANYMAIL_KEY": partnerKey, "BASIC_AUTH": "user:pass", "FAIL_FIRST": failFirst ? "1" : "0",
        ], body)
    }

    @Test(
        "anymail: json-rewritten, Mailgun re-signed events (JSON and legacy form) are accepted with the right type and recipient",
        .enabled(if: RequiredTool.runs(PartnerConsumer.hasAnymail), "python3 with django and django-anymail is missing; \(PartnerConsumer.installHint)")
    )
    func anymailAcceptsResigned() async throws {
        try RequiredTool.require(PartnerConsumer.hasAnymail, "python3 with django and django-anymail is missing; \(PartnerConsumer.installHint)")
        try await Self.withAnymail { consumer in
            // Basic auth from the URL's userinfo (curl sends it as Authorization: Basic).
            let config = DeliveryTests.destination("anymail", "http://user:pass@127.0.0.1:\(consumer.port)\(Self.anymailPath)", retry: "[]", extra: """
                rewrite = "json"
                sign = "mailgun"
                sign_key = "\(Self.partnerKey)"
                """) + DeliveryTests.route(["anymail"])
            try await withRelay(config: config) { relay in
                #expect(try await relay.send(relay.mailgun.json(id: "evt-anymail-delivered", event: "delivered", recipient: "dana@example.com")).status == 200)
                #expect(try await relay.send(relay.mailgun.json(id: "evt-anymail-failed", event: "failed", recipient: "erin@example.com")).status == 200)
                let legacyToken = MailgunSignature.randomToken()
                #expect(try await relay.send(relay.mailgun.legacyForm(event: "bounced", recipient: "fred@example.com", token: legacyToken)).status == 200)

                for id in ["evt-anymail-delivered", "evt-anymail-failed", legacyToken] {
                    let record = try await DeliveryTests.settled(relay, id)
                    #expect(record.deliveries.map(\.state) == ["delivered"], "\(id): \(record.deliveries) — consumer said:\n\(consumer.outputText)")
                    #expect(record.deliveries.first?.lastStatus == 200)
                }
                let seen = consumer.records
                let byRecipient = Dictionary(seen.compactMap { r in (r["recipient"] as? String).map { ($0, r) } }) { a, _ in a }
                #expect(seen.count == 3)
                #expect(byRecipient["dana@example.com"]?["event_type"] as? String == "delivered")
                #expect(byRecipient["erin@example.com"]?["event_type"] as? String == "bounced")
                #expect(byRecipient["fred@example.com"]?["event_type"] as? String == "bounced", "legacy bounced → failed/permanent → anymail's bounced")
                #expect(byRecipient["fred@example.com"]?["message_id"] as? String == "<20240101.abc@mg.example.com>")
                // anymail's event_id is the signature token: derived per (event, URL), not the sender's.
                let expectedToken = MailgunPartnerSigner(key: Self.partnerKey)
                    .token(eventID: "evt-anymail-delivered", url: "http://user:pass@127.0.0.1:\(consumer.port)\(Self.anymailPath)")
                #expect(byRecipient["dana@example.com"]?["event_id"] as? String == expectedToken)
            }
        }
    }

    @Test(
        "anymail: the first attempt gets 500, the retry with a fresh timestamp and the same token is accepted",
        .enabled(if: RequiredTool.runs(PartnerConsumer.hasAnymail), "python3 with django and django-anymail is missing; \(PartnerConsumer.installHint)")
    )
    func anymailRetryFreshTimestamp() async throws {
        try RequiredTool.require(PartnerConsumer.hasAnymail, "python3 with django and django-anymail is missing; \(PartnerConsumer.installHint)")
        try await Self.withAnymail(failFirst: true) { consumer in
            // Basic auth as a configured header this time; the retry comes > 1 s later, so its
            // timestamp (whole seconds) must differ.
            let config = DeliveryTests.destination("anymail", "http://127.0.0.1:\(consumer.port)\(Self.anymailPath)", retry: #"["1200ms", "2s"]"#, extra: """
                rewrite = "json"
                sign = "mailgun"
                sign_key = "\(Self.partnerKey)"
                headers = { Authorization = "Basic \(Data("user:pass".utf8).base64EncodedString())" }
                """) + DeliveryTests.route(["anymail"])
            try await withRelay(config: config) { relay in
                let before = Int64(Date().timeIntervalSince1970)
                #expect(try await relay.send(relay.mailgun.json(id: "evt-anymail-retry", event: "delivered", recipient: "gina@example.com")).status == 200)
                let record = try await DeliveryTests.settled(relay, "evt-anymail-retry", timeout: .seconds(20))
                #expect(record.deliveries.first?.state == "delivered", "consumer said:\n\(consumer.outputText)")
                #expect(record.deliveries.first?.attempts == 2)
                let failure = try #require(try relay.relay.store.failures(FailureQuery()).first)
                #expect(failure.attempt == 1)
                #expect(failure.status == 500)

                let seen = consumer.records
                #expect(seen.map { $0["accepted"] as? Bool } == [false, true])
                let timestamps = seen.compactMap { ($0["timestamp"] as? String).flatMap { Int64($0) } }
                #expect(timestamps.count == 2)
                #expect(timestamps.first.map { $0 >= before } == true)
                #expect(timestamps.count == 2 && timestamps[1] > timestamps[0], "the retry is re-signed with a fresh timestamp: \(timestamps)")
                let tokens = Set(seen.compactMap { $0["event_id"] as? String })
                #expect(tokens.count == 1, "the token (anymail's event_id) is stable across attempts")
                #expect(seen.allSatisfy { $0["recipient"] as? String == "gina@example.com" && $0["event_type"] as? String == "delivered" })
            }
        }
    }

    @Test(
        "standardwebhooks: the reference library verifies what hookrelay signs with a whsec_ secret; a wrong secret gets 401",
        .enabled(if: RequiredTool.runs(PartnerConsumer.hasStandardWebhooks), "python3 with standardwebhooks is missing; \(PartnerConsumer.installHint)")
    )
    func standardWebhooksVerified() async throws {
        try RequiredTool.require(PartnerConsumer.hasStandardWebhooks, "python3 with standardwebhooks is missing; \(PartnerConsumer.installHint)")
        let secret = "whsec_" + Data("hookrelay partner secret, 32 bytes".utf8).base64EncodedString()
        try await withPartnerConsumer(script: "standardwebhooks_consumer.py", environment: ["WEBHOOK_SECRET": secret]) { consumer in
            let wrongSecret = "whsec_" + Data("some other secret entirely......".utf8).base64EncodedString()
            let config = DeliveryTests.destination("partner", "http://127.0.0.1:\(consumer.port)/hooks/good", retry: "[]", extra: """
                rewrite = "json"
                redact = true
                sign = "standard-webhooks"
                sign_key = "\(secret)"
                """) + DeliveryTests.destination("impostor", "http://127.0.0.1:\(consumer.port)/hooks/wrong", retry: "[]", extra: """
                rewrite = "json"
                sign = "standard-webhooks"
                sign_key = "\(wrongSecret)"
                """) + DeliveryTests.route(["partner", "impostor"])
            try await withRelay(config: config) { relay in
                #expect(try await relay.send(relay.mailgun.json(id: "evt-sw", event: "opened", recipient: "hana@example.com")).status == 200)
                let record = try await DeliveryTests.settled(relay, "evt-sw")
                let states = Dictionary(uniqueKeysWithValues: record.deliveries.map { ($0.destination, $0) })
                #expect(states["partner"]?.state == "delivered", "consumer said:\n\(consumer.outputText)")
                #expect(states["partner"]?.lastStatus == 200)
                #expect(states["impostor"]?.state == "dead")
                #expect(states["impostor"]?.lastStatus == 401)

                let seen = consumer.records
                #expect(seen.count == 2)
                let good = try #require(seen.first { $0["verified"] as? Bool == true })
                #expect(good["event"] as? String == "opened")
                #expect(good["recipient"] as? String == "[REDACTED]")
                let id = try #require(good["webhook_id"] as? String)
                #expect(try id == StandardWebhooksPartnerSigner(secret: secret).webhookID(eventID: "evt-sw", url: "http://127.0.0.1:\(consumer.port)/hooks/good"))
                let bad = try #require(seen.first { $0["verified"] as? Bool == false })
                #expect((bad["error"] as? String)?.contains("No matching signature") == true)
            }
        }
    }

    // Guards SPEC §12 outbound key rotation: with sign_key = [old, new] the reference library
    // verifies a delivery holding either key alone.
    @Test(
        "standardwebhooks: with sign_key = [old, new] a consumer holding either key alone verifies the delivery",
        .enabled(if: RequiredTool.runs(PartnerConsumer.hasStandardWebhooks), "python3 with standardwebhooks is missing; \(PartnerConsumer.installHint)")
    )
    func standardWebhooksKeyRotation() async throws {
        try RequiredTool.require(PartnerConsumer.hasStandardWebhooks, "python3 with standardwebhooks is missing; \(PartnerConsumer.installHint)")
        let oldSecret = "whsec_" + Data("the partner's old secret, 32 b..".utf8).base64EncodedString()
        let newSecret = "whsec_" + Data("the partner's new secret, 32 b..".utf8).base64EncodedString()
        try await withPartnerConsumer(script: "standardwebhooks_consumer.py", environment: ["WEBHOOK_SECRET": oldSecret]) { oldConsumer in
            try await withPartnerConsumer(script: "standardwebhooks_consumer.py", environment: ["WEBHOOK_SECRET": newSecret]) { newConsumer in
                let keys = "[\"\(oldSecret)\", \"\(newSecret)\"]"
                let config = DeliveryTests.destination("partner-old", "http://127.0.0.1:\(oldConsumer.port)/hooks", retry: "[]", extra: """
                    rewrite = "json"
                    sign = "standard-webhooks"
                    sign_key = \(keys)
                    """) + DeliveryTests.destination("partner-new", "http://127.0.0.1:\(newConsumer.port)/hooks", retry: "[]", extra: """
                    rewrite = "json"
                    sign = "standard-webhooks"
                    sign_key = \(keys)
                    """) + DeliveryTests.route(["partner-old", "partner-new"])
                try await withRelay(config: config) { relay in
                    #expect(try await relay.send(relay.mailgun.json(id: "evt-rotate", event: "delivered")).status == 200)
                    let record = try await DeliveryTests.settled(relay, "evt-rotate")
                    let states = Dictionary(uniqueKeysWithValues: record.deliveries.map { ($0.destination, $0.state) })
                    #expect(states["partner-old"] == "delivered", "consumer said:\n\(oldConsumer.outputText)")
                    #expect(states["partner-new"] == "delivered", "consumer said:\n\(newConsumer.outputText)")
                    #expect(oldConsumer.records.map { $0["verified"] as? Bool } == [true])
                    #expect(newConsumer.records.map { $0["verified"] as? Bool } == [true])
                }
            }
        }
    }
}
