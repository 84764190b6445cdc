import Foundation
import HookrelayCore
import HookrelayRuntime
import HookrelayStore
import HookrelayTestSupport
import Logging
import Testing

/// The relay's log lines: one logfmt line per call, values quoted only when needed.
@Suite("Logfmt log lines")
struct LogfmtLogHandlerTests {
    /// Logs through a handler writing to a pipe (with `provider` as its metadata provider);
    /// returns what came out.
    static func capture(provider: Logger.MetadataProvider? = nil, _ body: (Logger) -> Void) throws -> String {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        var handler = LogfmtLogHandler(label: "t", level: .info, fileDescriptor: fds[1])
        handler.metadataProvider = provider
        let logger = Logger(label: "t") { _ in handler }
        body(logger)
        close(fds[1])
        let data = FileHandle(fileDescriptor: fds[0], closeOnDealloc: true).readDataToEndOfFile()
        return String(decoding: data, as: UTF8.self)
    }

    @Test("one line: ts, level, msg, sorted metadata; quoting where needed")
    func format() throws {
        let before = Date()
        let output = try Self.capture { logger in
            logger.info("event accepted", metadata: ["source": "mailgun", "event_id": "evt 1", "reason": "a \"b\"\nc", "deliveries": "3"])
            logger.debug("dropped by level")
        }
        let lines = output.split(separator: "\n")
        #expect(lines.count == 1)
        let line = String(lines[0])
        #expect(line.range(of: #"^ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=info "#, options: .regularExpression) != nil, "\(line)")
        #expect(line.hasSuffix(#"msg="event accepted" deliveries=3 event_id="evt 1" reason="a \"b\"\nc" source=mailgun"#), "\(line)")
        // The digits are the time of the call, in UTC, most significant first.
        let stamp = String(line.dropFirst(3).prefix(24))
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let parsed = try #require(formatter.date(from: stamp), "\(stamp)")
        #expect(parsed.timeIntervalSince(before) > -0.002 && parsed.timeIntervalSince(Date()) < 0.002, "\(stamp) vs \(before)")
    }

    @Test("the logger's own metadata and its provider's are on every line; the call's values win")
    func mergedMetadata() throws {
        let output = try Self.capture { base in
            var logger = base
            logger[metadataKey: "component"] = "ingest"
            logger[metadataKey: "source"] = "old"
            logger.info("with call metadata", metadata: ["source": "mailgun"])
            logger.info("without")
        }
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines.first?.hasSuffix(#"msg="with call metadata" component=ingest source=mailgun"#) == true, "\(lines)")
        #expect(lines.last?.hasSuffix(#"msg=without component=ingest source=old"#) == true, "\(lines)")

        // The provider's value wins over the logger's own, the call's over both.
        let provided = try Self.capture(provider: Logger.MetadataProvider { ["request": "r1"] }) { base in
            var logger = base
            logger[metadataKey: "request"] = "own"
            logger.info("provided", metadata: ["request": "r2", "event_id": "e1"])
            logger.info("both", metadata: ["event_id": "e2"])
            logger.info("provided only")
        }.split(separator: "\n").map(String.init)
        #expect(provided.count == 3)
        #expect(provided.first?.hasSuffix("msg=provided event_id=e1 request=r2") == true, "\(provided)")
        #expect(provided.dropFirst().first?.hasSuffix("msg=both event_id=e2 request=r1") == true, "\(provided)")
        #expect(provided.last?.hasSuffix(#"msg="provided only" request=r1"#) == true, "\(provided)")
    }

    @Test("serve logs a failed attempt and a delivery that cannot be rewritten with the destination's name and masked URL")
    func failedAttemptURLMasked() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let sink = try await SinkServer.start(.status(500))
        defer { Task { await sink.stop() } }
        // URLs from env:, as a Slack webhook URL would be. "slack" answers 500 to what ingest
        // routes to it. "broken" gets one delivery put straight into the store, as in
        // RewriteDeliveryTests: `application/json` bytes that are not JSON, which its `json`
        // rewrite cannot read, so it dies at once, unsent.
        let slackURL = sink.url("/services/T1/B2/S1ackS3cret?token=t0kenS3cret")
        let brokenURL = sink.url("/partner/P1/P4rtnerS3cret?key=k3yS3cret#fr4gS3cret")
        let store = try EventStore(directory: directory.file("data"))
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let seeded = await store.accept(AcceptRequest(
            source: "mailgun",
            event: ReceivedEvent(id: "evt-unreadable", type: "delivered", contentType: "application/json"),
            body: Array(#"{"event-data": {"id": "evt-unreadable""#.utf8),
            destinations: [DeliveryTarget(destination: "broken", url: brokenURL)],
            receivedAt: now, tokenExpiresAt: now
        ))
        store.close()
        #expect(try seeded.get() == .accepted(newDeliveries: 1, claimed: []))
        let body = """
            [[destination]]
            name = "slack"
            url = "env:SLACK_URL"
            retry = []

            [[destination]]
            name = "broken"
            url = "env:BROKEN_URL"
            retry = []
            rewrite = "json"

            [[route]]
            source = "mailgun"
            events = ["*"]
            to = ["slack"]
            """
        let path = try directory.write("relay.conf", ProcessSupport.config(dataDirectory: directory.file("data"), body: body))
        let relay = try RelayProcess(arguments: ["serve", "--config", path], environment: [
            "SLACK_URL": slackURL, "BROKEN_URL": brokenURL,
        ])
        let ports = try await relay.waitUntilListening()
        let factory = MailgunEventFactory(key: ProcessSupport.signingKey)
        #expect(try await HTTPTestClient.send(factory.json(id: "evt-log-mask"), port: ports.ingest).status == 200)
        let logged = await Polling.until(timeout: .seconds(10)) {
            relay.outputText.contains("delivery attempt failed") && relay.outputText.contains("delivery cannot be rewritten")
        }
        relay.terminate()
        #expect(await relay.waitForExit() == 0)
        let output = relay.outputText
        #expect(logged, "\(output)")
        #expect(sink.requests.map(\.path) == ["/services/T1/B2/S1ackS3cret"], "delivered to the full URL")

        // SPEC §7: one line per accepted event, with its id, type, source and deliveries.
        let accepted = try #require(output.split(separator: "\n").first { $0.contains(#"msg="event accepted""#) }, "\(output)")
        #expect(accepted.hasSuffix(#" msg="event accepted" deliveries=1 event=delivered event_id=evt-log-mask source=mailgun"#), "\(accepted)")
        let failed = try #require(output.split(separator: "\n").first { $0.contains(#"msg="delivery attempt failed""#) }, "\(output)")
        #expect(failed.contains(" destination=slack "), "\(failed)")
        #expect(failed.contains(#" url="\#(sink.url("/services/***?token=***"))""#), "\(failed)")
        let rewrite = try #require(output.split(separator: "\n").first { $0.contains(#"msg="delivery cannot be rewritten""#) }, "\(output)")
        #expect(rewrite.contains(" destination=broken "), "\(rewrite)")
        #expect(rewrite.contains(#" url="\#(sink.url("/partner/***?key=***#***"))""#), "\(rewrite)")
        for secret in ["S1ackS3cret", "t0kenS3cret", "P4rtnerS3cret", "k3yS3cret", "fr4gS3cret"] {
            #expect(!output.contains(secret), "\(secret) logged:\n\(output)")
        }
    }
}
