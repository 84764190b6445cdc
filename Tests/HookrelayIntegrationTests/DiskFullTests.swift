import Foundation
import HookrelayTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// SPEC §11, disk full: 503 with Retry-After (never 200); the relay recovers by itself as soon
/// as 4 MiB are free; it starts on a full disk and answers 503 rather than exiting; and it does
/// not flood the log meanwhile. A real relay process with its data_dir on a small tmpfs, which
/// needs root (CI runs as root): skipped otherwise.
@Suite("Disk full", .serialized)
struct DiskFullTests {
    /// Root, and allowed to mount a tmpfs here (a container may refuse it even to root).
    static let canMountTmpfs: Bool = {
        guard geteuid() == 0, let probe = try? TemporaryDirectory(prefix: "hookrelay-tmpfs-probe") else { return false }
        defer { probe.remove() }
        guard mount("tmpfs", probe.path, "tmpfs", 0, "size=1m") == 0 else { return false }
        umount2(probe.path, Int32(MNT_DETACH))
        return true
    }()

    @Test(
        "full: 503 with Retry-After, never 200, few log lines; 4 MiB freed: 200 without a restart; restarted on a full disk: runs, 503, then 200",
        .enabled(if: canMountTmpfs, "needs root and a tmpfs mount (mount -t tmpfs): skipped, not run")
    )
    func diskFull() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let volume = directory.file("volume")
        try FileManager.default.createDirectory(atPath: volume, withIntermediateDirectories: true)
        #expect(mount("tmpfs", volume, "tmpfs", 0, "size=32m") == 0, "mount: \(String(cString: strerror(errno)))")
        defer { umount2(volume, Int32(MNT_DETACH)) }
        let filler = (volume as NSString).appendingPathComponent("filler")

        // An attempt hangs (its delivery stays claimed, for the restart); another destination
        // refuses and retries every 200 ms, so the scheduler has due work to claim while full
        // (with the circuit breaker off: probing would leave it almost nothing to claim).
        let hanging = try await SinkServer.start(.hang)
        let refusing = try RefusingPort()
        defer { refusing.release() }
        let body = DeliveryTests.destination("slow", hanging.url("/slow"), retry: #"["1h"]"#, extra: #"timeout = "60s""#)
            + DeliveryTests.destination("down", "http://127.0.0.1:\(refusing.port)/down", retry: "[" + Array(repeating: #""200ms""#, count: 40).joined(separator: ", ") + "]", extra: "pause_after = 0")
            + DeliveryTests.route(["slow", "down"])
        let path = try directory.write("relay.conf", ProcessSupport.config(dataDirectory: (volume as NSString).appendingPathComponent("data"), body: body))
        let factory = MailgunEventFactory(key: ProcessSupport.signingKey)

        let first = try RelayProcess(arguments: ["serve", "--config", path])
        defer { first.kill() }
        let ports = try await first.waitUntilListening()
        #expect(try await HTTPTestClient.send(factory.json(id: "evt-before"), port: ports.ingest).status == 200)
        #expect(await Polling.until(timeout: .seconds(10)) { hanging.requests.contains { $0.text.contains("evt-before") } })

        // Full: every answer is 503 with Retry-After, none 200.
        try Self.fill(filler)
        let linesBefore = Self.claimLines(first.outputText)
        var statuses: [Int] = []
        for n in 0..<200 {
            let response = try await HTTPTestClient.send(factory.json(id: "evt-full-\(n)"), port: ports.ingest)
            statuses.append(response.status)
            if response.status == 503 { #expect(response.header("Retry-After") != nil) }
        }
        #expect(statuses.allSatisfy { $0 == 503 }, "\(Dictionary(grouping: statuses, by: { $0 }).mapValues(\.count))")
        // Each refused accept wakes the scheduler, whose claims the store refuses too: the
        // first is logged, then about one line per 5 s, not one per wake-up.
        #expect(Self.claimLines(first.outputText) - linesBefore <= 3, "\(Self.claimLines(first.outputText) - linesBefore) claim lines")

        // 4 MiB free again: taken again within a few seconds, without a restart.
        try Self.free(filler, bytes: 4 << 20)
        var recovered = 0
        #expect(await Polling.until(timeout: .seconds(15), interval: .milliseconds(100)) {
            recovered += 1
            return (try? await HTTPTestClient.send(factory.json(id: "evt-recovered-\(recovered)"), port: ports.ingest).status) == 200
        }, "no 200 with 4 MiB free")

        // Full again, until the store itself refuses (the log may still have room), then
        // killed with its deliveries in flight, and started on the full disk.
        try Self.fill(filler)
        var refusedAgain = 0
        #expect(await Polling.until(timeout: .seconds(30), interval: .milliseconds(1)) {
            refusedAgain += 1
            return (try? await HTTPTestClient.send(factory.json(id: "evt-filling-\(refusedAgain)"), port: ports.ingest).status) == 503
        })
        try Self.fill(filler)
        first.kill()
        _ = await first.waitForExit()

        let second = try RelayProcess(arguments: ["serve", "--config", path])
        defer { second.kill() }
        let restarted = try await second.waitUntilListening()
        for n in 0..<5 {
            let response = try await HTTPTestClient.send(factory.json(id: "evt-restarted-full-\(n)"), port: restarted.ingest)
            #expect(response.status == 503)
            #expect(response.header("Retry-After") != nil)
        }
        #expect(await second.waitForExit(timeout: .milliseconds(500)) == nil, "the relay exited on a full disk:\n\(second.outputText)")

        // Space back: 200 without a restart, and the delivery in flight at the kill is made again.
        try FileManager.default.removeItem(atPath: filler)
        var attempt = 0
        #expect(await Polling.until(timeout: .seconds(15), interval: .milliseconds(100)) {
            attempt += 1
            return (try? await HTTPTestClient.send(factory.json(id: "evt-after-\(attempt)"), port: restarted.ingest).status) == 200
        }, "no 200 after the filler was deleted:\n\(second.outputText.suffix(2000))")
        #expect(await Polling.until(timeout: .seconds(15)) { hanging.requests.filter { $0.text.contains("evt-before") }.count >= 2 },
                "the delivery in flight at the kill was not made again")
        second.terminate()
        _ = await second.waitForExit()
        await hanging.stop()
    }

    @Test(
        "full after 1,000 events of 4 KB (the log past its threshold once): with 4 MiB freed every next event is taken",
        .enabled(if: canMountTmpfs, "needs root and a tmpfs mount (mount -t tmpfs): skipped, not run")
    )
    func longLogOnFullDisk() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let volume = directory.file("volume")
        try FileManager.default.createDirectory(atPath: volume, withIntermediateDirectories: true)
        #expect(mount("tmpfs", volume, "tmpfs", 0, "size=64m") == 0, "mount: \(String(cString: strerror(errno)))")
        defer { umount2(volume, Int32(MNT_DETACH)) }
        let filler = (volume as NSString).appendingPathComponent("filler")
        let data = (volume as NSString).appendingPathComponent("data")

        let refusing = try RefusingPort()
        defer { refusing.release() }
        let body = DeliveryTests.destination("down", "http://127.0.0.1:\(refusing.port)/down", retry: #"["1h"]"#) + DeliveryTests.route(["down"])
        let path = try directory.write("relay.conf", ProcessSupport.config(dataDirectory: data, body: body))
        let factory = MailgunEventFactory(key: ProcessSupport.signingKey)
        let relay = try RelayProcess(arguments: ["serve", "--config", path])
        defer { relay.kill() }
        let ports = try await relay.waitUntilListening()
        let padding = String(repeating: "r", count: 3_000)
        func send(_ id: String) async throws -> Int {
            try await HTTPTestClient.send(factory.json(id: id, recipient: "\(padding)\(id)@example.com"), port: ports.ingest).status
        }

        let wal = (data as NSString).appendingPathComponent("hookrelay.sqlite-wal")
        // 1,000 events of ~4 KB: ~25 MB through the log.
        var refusedBeforeFull = 0
        for n in 0..<1_000 where try await send("evt-log-\(n)") != 200 { refusedBeforeFull += 1 }
        #expect(refusedBeforeFull == 0)
        // Full, until the store refuses (a log that started over may still have room).
        try Self.fill(filler)
        var sent = 0
        #expect(await Polling.until(timeout: .seconds(30), interval: .milliseconds(0)) {
            sent += 1
            return (try? await send("evt-full-\(sent)")) == 503
        })

        // 4 MiB freed: a sender's next events are taken, all of them, not only the first few
        // (a copy of a long log into the database file must not take the space back).
        try Self.free(filler, bytes: 4 << 20)
        var statuses: [Int] = []
        for n in 0..<150 { statuses.append(try await send("evt-freed-\(n)")) }
        #expect(statuses.suffix(100).allSatisfy { $0 == 200 }, "\(statuses.map { $0 == 200 ? "." : "x" }.joined()); log \(Self.size(wal)) bytes")
        relay.terminate()
        _ = await relay.waitForExit()
    }

    static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    /// "cannot claim deliveries" lines in a relay's output.
    static func claimLines(_ output: String) -> Int {
        output.components(separatedBy: "cannot claim deliveries").count - 1
    }

    /// Appends to `path` until the volume has no byte left.
    static func fill(_ path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        defer { close(fd) }
        for chunk in [1 << 20, 4096, 1] {
            let buffer = [UInt8](repeating: 0x55, count: chunk)
            while write(fd, buffer, chunk) == chunk {}
        }
    }

    /// Shortens `path` by `bytes` (a tmpfs frees them at once).
    static func free(_ path: String, bytes: Int) throws {
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        guard truncate(path, off_t(max(0, size - bytes))) == 0 else { throw POSIXError(.EIO) }
    }
}
