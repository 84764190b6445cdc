import Foundation
import HookrelayCore
import HookrelayStore
import HookrelayTestSupport
import Testing

/// The WAL is copied back into the database file beside the writer, or by the writer itself
/// when the checkpointer falls behind; either way the log stops growing and nothing is lost.
@Suite("Store checkpoints")
struct StoreCheckpointTests {
    static func fill(_ store: EventStore, events: Int) async throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let body = Array(String(repeating: "x", count: 2000).utf8)
        for n in 0..<events {
            let request = AcceptRequest(
                source: "mailgun", event: ReceivedEvent(id: "evt-\(n)", type: "delivered", token: "tok-\(n)", contentType: "application/json"),
                body: body, destinations: [DeliveryTarget(destination: "crm", url: "http://127.0.0.1:9/crm")],
                receivedAt: now, tokenExpiresAt: now + 60_000
            )
            _ = try await store.accept(request).get()
        }
    }

    static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    @Test("past the threshold the checkpointer thread copies the log into the database file")
    func background() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try EventStore(directory: directory.path, checkpointPages: (background: 64, inline: 1_000_000))
        let database = directory.path + "/hookrelay.sqlite"
        let before = Self.size(database)
        try await Self.fill(store, events: 200)  // ~100 pages of bodies; each commit adds ~11 pages to the log
        #expect(await Polling.until { Self.size(database) > before + 200 * 2000 / 2 }, "bodies reached the database file")
        #expect(Self.size(database + "-wal") < 200 * 2000 * 2, "the log was reused rather than grown for every commit")
        store.close()
        let reopened = try EventStore(directory: directory.path)
        defer { reopened.close() }
        #expect(try reopened.counts().events == 200)
    }

    @Test("past the limit the writer checkpoints inline, so the log stays bounded without the thread")
    func inline() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try EventStore(directory: directory.path, checkpointPages: (background: 1_000_000, inline: 32))
        defer { store.close() }
        let database = directory.path + "/hookrelay.sqlite"
        let before = Self.size(database)
        try await Self.fill(store, events: 200)
        // No waiting: the commit that crossed the limit did the copy before it returned.
        #expect(Self.size(database) > before + 200 * 2000 / 2)
        #expect(Self.size(database + "-wal") < 200 * 2000 * 2)
        #expect(try store.counts().events == 200)
    }
}
