import Foundation
import HookrelayTestSupport
import Synchronization
import Testing

/// `200` only after the commit is on disk (SPEC §3): the sync itself is observed, not a crash (a
/// SIGKILL keeps the page cache, so a crash test cannot see a missing fsync). `WALSyncWatch`
/// counts and can hold the fsyncs of the relay's write-ahead log. Guards `PRAGMA synchronous =
/// FULL` (script/mutate turns it OFF).
@Suite("Durability", .serialized)
struct DurabilityTests {
    /// A relay whose data directory's WAL syncs are watched from before it opens its store.
    static func withWatchedRelay(_ body: (RelayHarness, WALSyncWatch) async throws -> Void) async throws {
        let directory = try TemporaryDirectory(prefix: "hookrelay-durability")
        let watch = try #require(WALSyncWatch.watch(directory.path), "SQLite has no default VFS to wrap")
        defer { watch.end() }
        let harness = try await RelayHarness(configText: { RelayHarness.configText(dataDirectory: $0) }, in: directory)
        do {
            try await body(harness, watch)
        } catch {
            watch.release()
            await harness.stop()
            throw error
        }
        watch.release()
        await harness.stop()
    }

    @Test("every accepted event: at least one fsync of the write-ahead log returned before its 200 arrived")
    func syncBeforeEveryAnswer() async throws {
        try await Self.withWatchedRelay { relay, watch in
            for index in 1...5 {
                let before = watch.syncsReturned.load(ordering: .sequentiallyConsistent)
                let response = try await relay.send(relay.mailgun.json(id: "evt-durable-\(index)"))
                #expect(response.status == 200)
                #expect(response.json["status"] as? String == "accepted")
                let after = watch.syncsReturned.load(ordering: .sequentiallyConsistent)
                #expect(after > before, "event \(index): no WAL fsync returned between the request and its 200")
            }
        }
    }

    @Test("while the commit's fsync is held, no answer leaves; once it returns, the 200 does")
    func noAnswerWhileSyncHeld() async throws {
        try await Self.withWatchedRelay { relay, watch in
            watch.holdNextSync()
            let answered = Atomic<Bool>(false)
            let request = relay.mailgun.json(id: "evt-durable-held")
            let port = relay.ingestPort
            let sending = Task {
                let response = try await HTTPTestClient.send(request, port: port)
                answered.store(true, ordering: .sequentiallyConsistent)
                return response
            }
            let held = await Polling.until(timeout: .seconds(10)) { watch.isHolding }
            #expect(held, "the accept's commit never synced the write-ahead log")
            // The writer is inside the sync now. Give a wrong order (answer first, sync later) time
            // to show: the answer would come at once.
            let early = await Polling.until(timeout: .milliseconds(300)) { answered.load(ordering: .sequentiallyConsistent) }
            #expect(!early, "200 sent while the commit's fsync had not returned")
            watch.release()
            let response = try await sending.value
            #expect(response.status == 200)
            #expect(watch.syncsReturned.load(ordering: .sequentiallyConsistent) >= 1)
        }
    }
}
