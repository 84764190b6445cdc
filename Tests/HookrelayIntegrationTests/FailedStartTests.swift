import Foundation
import HookrelayConfig
import HookrelayCore
import HookrelayRuntime
import HookrelayStore
import HookrelayTestSupport
import Logging
import Testing

/// A relay whose listener cannot bind stops what it started: its store is closed and nothing
/// keeps running behind the failed start.
@Suite("Failed start")
struct FailedStartTests {
    @Test("the ingest port is taken: start throws, and what it started is stopped (the store is closed)")
    func portTaken() async throws {
        let taken = try await SinkServer.start()
        defer { Task { await taken.stop() } }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let body = DeliveryTests.destination("crm", "http://127.0.0.1:9/crm") + DeliveryTests.route(["crm"])
        let text = ProcessSupport.config(dataDirectory: directory.file("data"), body: body).replacingOccurrences(of: "\nlisten = \"127.0.0.1:0\"", with: "\nlisten = \"127.0.0.1:\(taken.port)\"")
        let loaded = try RelayConfigLoader.load(text: text, path: directory.file("relay.conf"), environment: [:])
        var logger = Logger(label: "hookrelay-test")
        logger.logLevel = .critical
        let relay = try Relay(config: loaded.config, logger: logger)
        await #expect(throws: (any Error).self) { try await relay.start() }
        #expect(!relay.store.isReady(), "the store was closed")
        // Closed means its writer took nothing more: an accept is refused, not left waiting.
        let refused = await relay.store.accept(AcceptRequest(
            source: "mailgun", event: ReceivedEvent(id: "evt-after", type: "delivered", contentType: "application/json"),
            body: Array("{}".utf8), destinations: [DeliveryTarget(destination: "crm", url: "http://127.0.0.1:9/crm")],
            receivedAt: 0, tokenExpiresAt: 0
        ))
        #expect((try? refused.get()) == nil)
    }
}

