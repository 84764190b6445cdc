import Foundation
import HookrelayTestSupport
import Testing

/// Delivery runs on one curl thread per core the relay may use (issue 17), and every event
/// reaches every destination whichever thread sent it.
@Suite("Delivery threads")
struct DeliveryThreadsTests {
    /// The cores this test process may run on, as coreutils' `nproc` counts them (its CPU
    /// affinity): an oracle apart from the relay's own `UsableCores`.
    static var usableCores: Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/nproc")
        let output = Pipe()
        process.standardOutput = output
        guard (try? process.run()) != nil else { return ProcessInfo.processInfo.activeProcessorCount }
        process.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? ProcessInfo.processInfo.activeProcessorCount
    }

    private func startRelay(launcher: [String], directory: TemporaryDirectory, sinks: [SinkServer]) async throws -> (RelayProcess, Int) {
        var body = ""
        for (index, sink) in sinks.enumerated() {
            body += "[[destination]]\nname = \"d\(index)\"\nurl = \"\(sink.url())\"\n\n"
        }
        body += "[[route]]\nsource = \"mailgun\"\nevents = [\"*\"]\nto = [\(sinks.indices.map { "\"d\($0)\"" }.joined(separator: ", "))]\n"
        let path = try directory.write("relay.conf", ProcessSupport.config(dataDirectory: directory.file("data"), body: body))
        let relay = try RelayProcess(arguments: ["serve", "--config", path], launcher: launcher)
        return (relay, try await relay.waitUntilListening().ingest)
    }

    @Test("pinned to one core: one curl thread")
    func pinnedToOneCore() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let sink = try await SinkServer.start()
        defer { Task { await sink.stop() } }
        let (relay, port) = try await startRelay(launcher: ["/usr/bin/taskset", "-c", "0"], directory: directory, sinks: [sink])
        #expect(relay.outputText.contains("curl_threads=1"), "\(relay.outputText)")
        #expect(relay.outputText.contains("event_loops=1"))
        #expect(try await HTTPTestClient.send(MailgunEventFactory(key: ProcessSupport.signingKey).json(id: "evt-pinned"), port: port).status == 200)
        #expect(await Polling.until { sink.requests.count == 1 })
        relay.terminate()
        #expect(await relay.waitForExit() == 0)
    }

    @Test("the relay's threads carry their names, for top -H, ps -L and perf")
    func threadNames() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let sink = try await SinkServer.start()
        defer { Task { await sink.stop() } }
        let (relay, _) = try await startRelay(launcher: [], directory: directory, sinks: [sink])
        let pid = relay.processIdentifier
        func names() -> Set<String> {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
            return Set(tasks.compactMap { try? String(contentsOfFile: "/proc/\(pid)/task/\($0)/comm", encoding: .utf8) }
                .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
        }
        let expected = ["hr-writer", "hr-checkpointer", "hr-scheduler"] + (1...Self.usableCores).map { "hr-curl-\($0)" }
        // Each thread names itself when it first runs: on a loaded machine that may follow `listening`.
        _ = await Polling.until(timeout: .seconds(10)) { Set(expected).isSubset(of: names()) }
        let names = names()
        for name in expected {
            #expect(names.contains(name), "no thread named \(name) in \(names.sorted())")
        }
        relay.terminate()
        #expect(await relay.waitForExit() == 0)
    }

    @Test("on every core it may use: a curl thread each, and every event at every destination once")
    func everyCore() async throws {
        let cores = Self.usableCores
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var sinks: [SinkServer] = []
        for _ in 0..<3 { sinks.append(try await SinkServer.start()) }
        defer { for sink in sinks { Task { await sink.stop() } } }
        let (relay, port) = try await startRelay(launcher: [], directory: directory, sinks: sinks)
        #expect(relay.outputText.contains("curl_threads=\(cores)"), "\(relay.outputText)")
        let factory = MailgunEventFactory(key: ProcessSupport.signingKey)
        let events = 60
        for index in 0..<events {
            #expect(try await HTTPTestClient.send(factory.json(id: "evt-\(index)"), port: port).status == 200)
        }
        #expect(await Polling.until(timeout: .seconds(20)) { sinks.allSatisfy { $0.requests.count >= events } })
        for sink in sinks {
            let ids = sink.requests.compactMap { $0.header("X-Hookrelay-Event-Id") }
            #expect(ids.count == events && Set(ids).count == events, "\(ids.count) deliveries, \(Set(ids).count) distinct")
        }
        relay.terminate()
        #expect(await relay.waitForExit() == 0)
    }
}
