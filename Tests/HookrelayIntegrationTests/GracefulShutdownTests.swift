import Foundation
import HookrelayStore
import HookrelayTestSupport
import Testing

/// SIGTERM on a real `hookrelay serve` process under load.
@Suite("Graceful shutdown", .serialized)
struct GracefulShutdownTests {
    @Test("SIGTERM under load: exits 0 within the bound, every 200'd event stored, nothing in flight lost")
    func sigtermUnderLoad() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let sink = try await SinkServer.start()
        defer { Task { await sink.stop() } }
        let body = DeliveryTests.destination("crm", sink.url(), retry: #"["1h"]"#) + DeliveryTests.route(["crm"])
        let path = try directory.write("relay.conf", ProcessSupport.config(dataDirectory: directory.file("data"), body: body))
        let factory = MailgunEventFactory(key: ProcessSupport.signingKey)
        let relay = try RelayProcess(arguments: ["serve", "--config", path, "--shutdown-grace", "3"])
        let ports = try await relay.waitUntilListening()

        // 8 senders keep posting until the relay stops answering; SIGTERM goes out mid-stream.
        let accepted = try await withThrowingTaskGroup(of: [String].self) { group in
            for sender in 0..<8 {
                group.addTask {
                    var ids: [String] = []
                    for n in 0..<10_000 {
                        let id = "evt-term-\(sender)-\(n)"
                        guard let response = try? await HTTPTestClient.send(factory.json(id: id), port: ports.ingest) else { break }
                        if response.status == 200 { ids.append(id) } else { break }
                    }
                    return ids
                }
            }
            await Polling.until(timeout: .seconds(30)) { sink.requests.count >= 50 }
            let start = ContinuousClock.now
            relay.terminate()
            let status = await relay.waitForExit(timeout: .seconds(20))
            #expect(status == 0, "output: \(relay.outputText.suffix(2000))")
            // The documented budget (OPERATIONS.md): twice the grace plus 10 s.
            #expect(ContinuousClock.now - start < .seconds(16), "exits within the shutdown budget")
            var all: [String] = []
            for try await ids in group { all += ids }
            return all
        }
        #expect(accepted.count >= 50)

        // Every event answered 200 is in the store; each delivery is delivered or still due.
        let store = try EventStore(directory: directory.file("data"), recoverInFlight: false)
        defer { store.close() }
        var missing: [String] = []
        var stuck: [String] = []
        for id in accepted {
            guard let record = try store.eventRecord(id: id) else {
                missing.append(id)
                continue
            }
            for delivery in record.deliveries where delivery.state != "delivered" && delivery.nextAttemptAt == nil {
                stuck.append(id)
            }
        }
        #expect(missing.isEmpty, "accepted but not stored: \(missing.prefix(5))")
        #expect(stuck.isEmpty, "neither delivered nor due: \(stuck.prefix(5))")
        let delivered = Set(sink.requests.compactMap { $0.header("X-Hookrelay-Event-Id") })
        let notDelivered = try accepted.filter { try store.eventRecord(id: $0)?.deliveries.first?.state != "delivered" }
        #expect(Set(accepted).subtracting(notDelivered).isSubset(of: delivered), "what the store calls delivered reached the sink")
    }
}
