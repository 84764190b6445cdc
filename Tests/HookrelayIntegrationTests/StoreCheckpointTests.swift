import Foundation
import HookrelayCore
@testable import HookrelayStore
import HookrelayTestSupport
import Testing

/// The WAL is copied back into the database file beside the writer, or by the writer itself
/// when the checkpointer falls behind; either way the log stops growing and nothing is lost.
@Suite("Store checkpoints")
struct StoreCheckpointTests {
    static func fill(_ store: EventStore, events: Range<Int>) async throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let body = Array(String(repeating: "x", count: 2000).utf8)
        for n in events {
            let request = AcceptRequest(
                source: "mailgun", event: ReceivedEvent(id: "evt-\(n)", type: "delivered", token: "tok-\(n)", contentType: "application/json"),
                body: body, destinations: [DeliveryTarget(destination: "crm", url: "http://127.0.0.1:9/crm")],
                receivedAt: now, tokenExpiresAt: now + 60_000
            )
            _ = try await store.accept(request).get()
        }
    }

    /// The WAL header's checkpoint sequence number: SQLite raises it each time the log starts
    /// over from its beginning (0 while it has only grown). Big-endian, bytes 12–15.
    static func logRestarts(_ walPath: String) -> UInt32 {
        guard let handle = FileHandle(forReadingAtPath: walPath) else { return 0 }
        defer { try? handle.close() }
        guard let header = try? handle.read(upToCount: 16), header.count == 16 else { return 0 }
        return header[12..<16].reduce(0) { $0 << 8 | UInt32($1) }
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
        try await Self.fill(store, events: 0..<200)  // ~100 pages of bodies; each commit adds ~11 pages to the log
        #expect(await Polling.until { Self.size(database) > before + 200 * 2000 / 2 }, "bodies reached the database file")
        // Once the thread has copied all but the last commit's pages, the writer copies that
        // tail and the log starts over. How soon depends on the thread getting the CPU (under
        // the whole suite's load it can lag the whole fill), so keep committing until it does.
        var next = 200
        #expect(await Polling.until {
            try? await Self.fill(store, events: next..<next + 1)
            next += 1
            return Self.logRestarts(database + "-wal") > 0
        }, "the log started over instead of growing with every commit")
        // The thread flushed what it copied itself, so the writer's tail copy fsyncs only the tail.
        #expect(store.checkpointerDatabaseSyncs > 0)
        store.close()
        let reopened = try EventStore(directory: directory.path)
        defer { reopened.close() }
        #expect(try reopened.counts().events == next)
    }

    @Test("past the limit the writer checkpoints inline, so the log stays bounded without the thread")
    func inline() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try EventStore(directory: directory.path, checkpointPages: (background: 1_000_000, inline: 32))
        defer { store.close() }
        let database = directory.path + "/hookrelay.sqlite"
        let before = Self.size(database)
        try await Self.fill(store, events: 0..<200)
        // No waiting: the commit that crossed the limit did the copy before it returned.
        #expect(Self.size(database) > before + 200 * 2000 / 2)
        #expect(Self.logRestarts(database + "-wal") > 0)
        #expect(Self.size(database + "-wal") < 200 * 2000 * 2)
        #expect(try store.counts().events == 200)
    }

    @Test("the checkpointer's connection flushes the database file through SQLite's file (its xSync)")
    func databaseFileSync() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let connection = try SQLiteConnection(path: directory.file("sync.sqlite"))
        try connection.execute("PRAGMA journal_mode = WAL; CREATE TABLE t (x); INSERT INTO t VALUES (1); PRAGMA wal_checkpoint(PASSIVE);")
        #expect(connection.syncDatabaseFile())
    }
}
