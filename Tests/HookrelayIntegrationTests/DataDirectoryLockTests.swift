import Foundation
import HookrelayStore
import HookrelayTestSupport
import Testing

/// One `serve` per data directory: a second one would recover the first one's in-flight
/// deliveries as its own, and would not see the tokens the first one keeps in memory.
@Suite("Data directory lock")
struct DataDirectoryLockTests {
    @Test("a second serving store on the directory is refused; the operator's commands still open it; closing releases it")
    func storeLevel() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = try EventStore(directory: directory.path)
        #expect {
            try EventStore(directory: directory.path)
        } throws: { error in
            "\(error)".contains("another hookrelay serve is using this data directory") && "\(error)".contains("hookrelay.lock")
        }
        let command = try EventStore(directory: directory.path, recoverInFlight: false, allowUpgrade: false)
        command.close()
        first.close()
        let again = try EventStore(directory: directory.path)
        again.close()
    }

    @Test("a lock released within the retry window is taken (a forked child holds a copy of the descriptor until its exec)")
    func briefHolderIsWaitedFor() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // Stand-in for the child: another descriptor of the lock file, holding the flock for 100 ms.
        let fd = open(directory.path + "/hookrelay.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        #expect(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
        // Let go after 100 ms, on a thread of its own: Dispatch's and Swift's shared pools have a
        // thread per core here, and tests blocked in this lock's retries can fill them.
        Thread {
            usleep(100_000)
            close(fd)
        }.start()
        let store = try EventStore(directory: directory.path)  // retries until the holder lets go
        store.close()
    }

    @Test("a second hookrelay serve exits 1 saying why; after the first is killed (SIGKILL) a new one starts")
    func processLevel() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let body = DeliveryTests.destination("crm", "http://127.0.0.1:9/crm", retry: #"["1h"]"#) + DeliveryTests.route(["crm"])
        let path = try directory.write("relay.conf", ProcessSupport.config(dataDirectory: directory.file("data"), body: body))
        let first = try RelayProcess(arguments: ["serve", "--config", path])
        _ = try await first.waitUntilListening()

        let refused = try await RelayProcess.run(["serve", "--config", path])
        #expect(refused.status == 1)
        #expect(refused.output.contains("another hookrelay serve is using this data directory"), "\(refused.output)")

        first.kill()
        #expect(await first.waitForExit() == 128 + SIGKILL)
        let second = try RelayProcess(arguments: ["serve", "--config", path])
        _ = try await second.waitUntilListening()
        second.terminate()
        #expect(await second.waitForExit() == 0)
    }
}
