import Foundation
import HookrelayTestSupport
import Testing

/// An idle relay must stay idle: no thread may spin waiting for work.
@Suite("Idle relay")
struct IdleCPUTests {
    /// User + system CPU seconds of a process, from /proc/PID/stat.
    static func cpuSeconds(_ pid: Int32) throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        let fields = stat[stat.range(of: ")")!.upperBound...].split(separator: " ")
        let ticks = (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)  // utime, stime
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    @Test("over a 2 s window with nothing to do, the relay uses under 0.5 s of CPU")
    func idle() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let sink = try await SinkServer.start()
        defer { Task { await sink.stop() } }
        let body = "[[destination]]\nname = \"crm\"\nurl = \"\(sink.url())\"\n\n[[route]]\nsource = \"mailgun\"\nevents = [\"*\"]\nto = [\"crm\"]\n"
        let path = try directory.write("relay.conf", ProcessSupport.config(dataDirectory: directory.file("data"), body: body))
        let relay = try RelayProcess(arguments: ["serve", "--config", path])
        let ports = try await relay.waitUntilListening()
        // One event through, so every thread has started and gone back to waiting.
        #expect(try await HTTPTestClient.send(MailgunEventFactory(key: ProcessSupport.signingKey).json(id: "evt-idle"), port: ports.ingest).status == 200)
        #expect(await Polling.until { sink.requests.count == 1 })
        let before = try Self.cpuSeconds(relay.processIdentifier)
        try await Task.sleep(for: .seconds(2))  // the measurement window, not a wait for a condition
        let used = try Self.cpuSeconds(relay.processIdentifier) - before
        #expect(used < 0.5, "an idle relay used \(used) s of CPU in 2 s")
        relay.terminate()
        #expect(await relay.waitForExit() == 0)
    }
}
