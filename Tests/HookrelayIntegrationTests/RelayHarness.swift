import Foundation
import HookrelayConfig
import HookrelayCore
import HookrelayRuntime
import HookrelayStore
import HookrelayTestSupport
import Logging

/// A relay running in this process on loopback ports chosen by the system, with its data in a
/// fresh temporary directory; the config goes through the real TOML loader.
final class RelayHarness: Sendable {
    static let signingKey = "test-signing-key"
    static let oldSigningKey = "test-signing-key-old"

    let directory: TemporaryDirectory
    let relay: Relay
    let ingestPort: Int
    let adminPort: Int
    let mailgun = MailgunEventFactory(key: RelayHarness.signingKey)
    /// The relay's log lines, when the test asked for them (`logLevel`); otherwise the relay
    /// logs only `.critical`, to nowhere a test reads.
    let log: CapturedLog?

    /// The config every ingest test uses; `extra` is appended (more sources, routes, …).
    static func configText(dataDirectory: String, server: String = "", extra: String = "") -> String {
        """
        [server]
        listen = "127.0.0.1:0"
        admin_listen = "127.0.0.1:0"
        data_dir = "\(dataDirectory)"
        max_body = "64KiB"
        \(server)

        [[source]]
        name = "mailgun"
        path = "/webhooks/mailgun"
        verify = "mailgun"
        keys = ["\(oldSigningKey)", "\(signingKey)"]
        max_age = "10m"

        [[destination]]
        name = "crm"
        url = "http://127.0.0.1:9/crm"

        [[destination]]
        name = "app-v2"
        url = "http://127.0.0.1:9/v2"

        [[destination]]
        name = "crm-again"
        url = "http://127.0.0.1:9/crm"

        [[route]]
        source = "mailgun"
        events = ["delivered", "failed", "clicked"]
        to = ["crm", "app-v2"]

        [[route]]
        source = "mailgun"
        events = ["failed"]
        domains = ["mg.example.com"]
        to = ["crm-again"]
        \(extra)
        """
    }

    convenience init(server: String = "", extra: String = "") async throws {
        try await self.init(configText: { Self.configText(dataDirectory: $0, server: server, extra: extra) })
    }

    /// A relay on a config of the test's own: `configText` gets the data directory to use
    /// (in `directory` when given, e.g. to restart on the same store with another config).
    /// With `logLevel`, the relay's lines at that level and above are kept in `log`.
    init(configText: (String) -> String, in directory: TemporaryDirectory? = nil, logLevel: Logger.Level? = nil) async throws {
        self.directory = try directory ?? TemporaryDirectory()
        let text = configText(self.directory.file("data"))
        let loaded = try RelayConfigLoader.load(text: text, path: self.directory.file("relay.conf"), environment: [:])
        var logger = Logger(label: "hookrelay-test")
        logger.logLevel = .critical
        let logPath = self.directory.file("relay.log")
        log = try logLevel.map { try CapturedLog(path: logPath, level: $0) }
        if let log { logger = log.logger }
        relay = try Relay(config: loaded.config, logger: logger)
        let addresses = try await relay.start()
        ingestPort = addresses.ingest.port ?? 0
        adminPort = addresses.admin.port ?? 0
    }

    func send(_ request: TestRequest) async throws -> TestResponse {
        try await HTTPTestClient.send(request, port: ingestPort)
    }

    func admin(_ path: String) async throws -> TestResponse {
        try await HTTPTestClient.send(TestRequest(method: "GET", path: path), port: adminPort)
    }

    func stop() async {
        await relay.stop(grace: .seconds(2))
        log?.close()
        directory.remove()
    }
}

/// Runs `body` against a fresh relay and always stops it.
func withRelay(server: String = "", extra: String = "", _ body: (RelayHarness) async throws -> Void) async throws {
    try await withRelay(harness: RelayHarness(server: server, extra: extra), body)
}

/// Runs `body` against a relay on the test's own config (sources, destinations, routes after `[server]`);
/// with `logLevel`, its log lines are kept in `log`.
func withRelay(config: String, logLevel: Logger.Level? = nil, _ body: (RelayHarness) async throws -> Void) async throws {
    let harness = try await RelayHarness(configText: { dataDirectory in
        ProcessSupport.config(dataDirectory: dataDirectory, body: config, key: RelayHarness.signingKey)
    }, logLevel: logLevel)
    try await withRelay(harness: harness, body)
}

private func withRelay(harness: RelayHarness, _ body: (RelayHarness) async throws -> Void) async throws {
    do {
        try await body(harness)
    } catch {
        await harness.stop()
        throw error
    }
    await harness.stop()
}

extension TestResponse {
    /// The body parsed as a JSON object.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
    }
}
