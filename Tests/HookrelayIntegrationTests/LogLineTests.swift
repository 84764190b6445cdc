import Foundation
import HookrelayCore
import HookrelayTestSupport
import Logging
import Testing

/// The relay's log lines as an operator reads them (`CapturedLog`: the real logfmt handler):
/// a token replay is logged (SPEC §2), no line holds a key, a full signature or a token (SPEC §2),
/// and every event accepted or refused has exactly its one line (SPEC §7).
@Suite("Log lines")
struct LogLineTests {
    /// Messages of the per-event ingest lines.
    static let ingestMessages = [
        "event accepted", "event duplicate", "event refused", "event rejected: no route",
        "signature token replayed with a different event", "event refused: store unavailable",
    ]

    /// One request of the scenario, its expected answer, and the secrets it carried.
    struct Sent {
        var request: TestRequest
        var status: Int
        var token: String
        var signature: String
    }

    /// A signed JSON event whose token and signature the test knows.
    static func event(
        _ relay: RelayHarness, id: String, event: String = "delivered", token: String = MailgunSignature.randomToken(),
        key: String = RelayHarness.signingKey, age: Int64 = 0, status: Int
    ) -> Sent {
        let timestamp = Int64(Date().timeIntervalSince1970) - age
        let signature = MailgunSignature.sign(key: Array(key.utf8), timestamp: String(timestamp), token: token)
        return Sent(
            request: relay.mailgun.json(id: id, event: event, timestamp: timestamp, token: token, signatureKey: key),
            status: status, token: token, signature: signature
        )
    }

    /// Accepted, duplicate, 401 (bad signature, stale), 403 replay, 406 and 400, against a sink
    /// that answers 200; returns what was sent once every answer is in and the deliveries settled.
    static func scenario(_ relay: RelayHarness) async throws -> [Sent] {
        let first = event(relay, id: "evt-log-accepted", status: 200)
        let sent = [
            first,
            event(relay, id: "evt-log-second", event: "failed", status: 200),
            Sent(request: first.request, status: 200, token: first.token, signature: first.signature),  // duplicate
            event(relay, id: "evt-log-bad-signature", key: "not-the-signing-key", status: 401),
            event(relay, id: "evt-log-stale", age: 3600, status: 401),
            event(relay, id: "evt-log-replayed", token: first.token, status: 403),
            event(relay, id: "evt-log-no-route", event: "opened", status: 406),
            Sent(request: .json("/webhooks/mailgun", Array(#"{"signature":"#.utf8)), status: 400, token: "", signature: ""),
        ]
        for item in sent {
            let response = try await relay.send(item.request)
            #expect(response.status == item.status, "\(response.text)")
        }
        for id in ["evt-log-accepted", "evt-log-second"] { _ = try await DeliveryTests.settled(relay, id) }
        return sent
    }

    static func withScenario(_ body: (RelayHarness, CapturedLog, [Sent]) async throws -> Void) async throws {
        let sink = try await SinkServer.start(.status(200))
        defer { Task { await sink.stop() } }
        let config = DeliveryTests.destination("crm", sink.url()) + DeliveryTests.route(["crm"], events: #"["delivered", "failed"]"#)
        try await withRelay(config: config, logLevel: .info) { relay in
            let log = try #require(relay.log)
            let sent = try await scenario(relay)
            try await body(relay, log, sent)
        }
    }

    @Test("a token replayed with another event is logged as a warning naming both events (SPEC §2)")
    func replayIsLogged() async throws {
        try await Self.withScenario { _, log, _ in
            let lines = log.lines(message: "signature token replayed with a different event")
            #expect(lines.count == 1, "\(log.lines)")
            let line = try #require(lines.first)
            #expect(line.contains("level=warning"))
            #expect(line.contains("event_id=evt-log-replayed"))
            #expect(line.contains("first_event_id=evt-log-accepted"))
        }
    }

    @Test("no line holds a signing key, a full signature or a token: accepted, refused, 401, 403 and 406 events (SPEC §2)")
    func noSecretInAnyLine() async throws {
        try await Self.withScenario { _, log, sent in
            let lines = log.lines
            #expect(lines.count >= sent.count, "the scenario logged: \(lines)")
            let secrets = [RelayHarness.signingKey, "not-the-signing-key"] + sent.flatMap { [$0.token, $0.signature] }.filter { !$0.isEmpty }
            for line in lines {
                for secret in secrets {
                    #expect(!line.contains(secret), "a log line holds a secret: \(line)")
                }
            }
        }
    }

    @Test("every event accepted or refused has exactly its one line (SPEC §7)")
    func oneLinePerEvent() async throws {
        try await Self.withScenario { _, log, sent in
            let ingest = log.lines.filter { line in Self.ingestMessages.contains { line.contains("msg=\"\($0)\"") } }
            #expect(ingest.count == sent.count, "\(ingest.joined(separator: "\n"))")
            func count(_ message: String, _ id: String? = nil) -> Int {
                log.lines(message: message).filter { id == nil || $0.contains("event_id=\(id!)") }.count
            }
            #expect(count("event accepted", "evt-log-accepted") == 1)
            #expect(count("event accepted", "evt-log-second") == 1)
            #expect(count("event accepted") == 2)
            #expect(count("event duplicate", "evt-log-accepted") == 1)
            #expect(count("signature token replayed with a different event", "evt-log-replayed") == 1)
            #expect(count("event rejected: no route", "evt-log-no-route") == 1)
            let refused = log.lines(message: "event refused")
            #expect(refused.filter { $0.contains("status=401") }.count == 2, "\(refused)")
            #expect(refused.filter { $0.contains("status=400") }.count == 1, "\(refused)")
            #expect(refused.count == 3)
        }
    }
}
