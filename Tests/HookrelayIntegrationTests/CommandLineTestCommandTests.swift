import Foundation
import HookrelayCore
import HookrelayTestSupport
import Testing

/// `hookrelay test --destination NAME`: Mailgun's "test webhook", run as the real executable.
@Suite("hookrelay test")
struct CommandLineTestCommandTests {
    static func configFile(_ directory: TemporaryDirectory, url: String) throws -> String {
        let body = """
            [[destination]]
            name = "crm"
            url = "\(url)"
            headers = { "X-Partner" = "acme" }

            [[route]]
            source = "mailgun"
            events = ["*"]
            to = ["crm"]
            """
        return try directory.write("relay.conf", ProcessSupport.config(dataDirectory: directory.file("data"), body: body))
    }

    @Test("sends a signed sample event and prints the status, by name and masked URL; exit 0 when delivered")
    func delivered() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let sink = try await SinkServer.start(.status(200))
        defer { Task { await sink.stop() } }
        // A Slack-like URL with a secret path and token, from the environment as it would be in production.
        let path = try Self.configFile(directory, url: "env:CRM_URL")
        let (status, output) = try await RelayProcess.run(
            ["test", "--config", path, "--destination", "crm", "--event", "failed"],
            environment: ["CRM_URL": sink.url("/services/T1/B2/S1ackS3cret?token=t0kenS3cret")]
        )
        #expect(status == 0, "output: \(output)")
        #expect(output.contains("crm <\(sink.url("/services/***?token=***"))> answered 200 (delivered)"), "output: \(output)")
        #expect(!output.contains("S1ackS3cret") && !output.contains("t0kenS3cret"), "output: \(output)")
        let received = try #require(sink.requests.first)
        #expect(sink.requests.count == 1)
        #expect(received.path == "/services/T1/B2/S1ackS3cret", "sent to the full URL")
        #expect(received.header("X-Partner") == "acme")
        #expect(received.header("X-Hookrelay-Attempt") == "1")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(received.body)) as? [String: Any])
        let eventData = try #require(json["event-data"] as? [String: Any])
        #expect(eventData["event"] as? String == "failed")
        let signature = try #require(json["signature"] as? [String: String])
        #expect(MailgunSignature.verify(
            keys: [Array(ProcessSupport.signingKey.utf8)], timestamp: signature["timestamp"] ?? "",
            token: signature["token"] ?? "", signature: signature["signature"] ?? ""
        ), "signed with the source's key")
    }

    @Test("a failing destination: prints the status and body, exit 1")
    func failing() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let sink = try await SinkServer.start(.status(500))
        defer { Task { await sink.stop() } }
        let path = try Self.configFile(directory, url: sink.url("/crm"))
        let (status, output) = try await RelayProcess.run(["test", "--config", path, "--destination", "crm"])
        #expect(status == 1)
        #expect(output.contains("crm <\(sink.url("/crm"))> answered 500"), "output: \(output)")
        #expect(output.contains("sink says 500"))
        #expect(try await RelayProcess.run(["test", "--config", path, "--destination", "nope"]).status == 2)
    }
}
