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

    /// Commits one event at a time, numbered from `next` (advanced past the last one), until
    /// `done` holds or the polling deadline passes: the checkpointer runs only when a commit
    /// asks it to, and how soon it gets the CPU depends on the rest of the suite.
    static func fill(_ store: EventStore, from next: inout Int, until done: () -> Bool) async -> Bool {
        var number = next
        defer { next = number }
        return await Polling.until {
            try? await fill(store, events: number..<number + 1)
            number += 1
            return done()
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
        // tail and the log starts over. Under the whole suite's load the thread can lag the
        // whole fill, so keep committing until it does.
        var next = 200
        #expect(await Self.fill(store, from: &next) { Self.logRestarts(database + "-wal") > 0 },
                "the log started over instead of growing with every commit")
        store.close()
        let reopened = try EventStore(directory: directory.path)
        defer { reopened.close() }
        #expect(try reopened.counts().events == next)
    }

    @Test("below the page threshold the log is still copied by size, so the database file never lags far behind it (SPEC §11)")
    func copiedBySize() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // Thresholds out of reach: only the size rule can copy (every 64 KiB of log).
        let store = try EventStore(directory: directory.path, checkpointPages: (background: 1_000_000, inline: 1_000_000), checkpointCopyBytes: 64 << 10)
        defer { store.close() }
        let database = directory.path + "/hookrelay.sqlite"
        let before = Self.size(database)
        var next = 0
        #expect(await Self.fill(store, from: &next) { Self.size(database) > before + 100 * 2000 }, "bodies reached the database file")
        #expect(store.checkpointerRounds > 0)
        #expect(try store.counts().events == next)
    }

    @Test("a copy round is fsynced by the thread, not left to the writer; one that copied nothing is not")
    func partialRoundSynced() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try EventStore(directory: directory.path, checkpointPages: (background: 64, inline: 1_000_000))
        defer { store.close() }
        try await Self.fill(store, events: 0..<3)  // ~33 pages: below the threshold, nothing copied yet
        // A reader's snapshot: no checkpoint may copy frames committed after it, so the rounds
        // the next commits set off stop short of the log's end.
        let reader = try SQLiteConnection(path: directory.path + "/hookrelay.sqlite")
        try reader.execute("BEGIN; SELECT count(*) FROM events;")
        var next = 3
        #expect(await Self.fill(store, from: &next) { store.checkpointerDatabaseSyncs > 0 },
                "the thread fsynced the database file after a partial round")
        // While the snapshot stays, later rounds find nothing more they may copy: no fsync.
        let syncs = store.checkpointerDatabaseSyncs, rounds = store.checkpointerRounds
        #expect(await Self.fill(store, from: &next) { store.checkpointerRounds >= rounds + 3 }, "more rounds ran")
        #expect(store.checkpointerDatabaseSyncs == syncs, "a round that copied nothing new fsynced the file")
        // Once the reader is done, the next rounds copy again, and flush again.
        try reader.execute("COMMIT;")
        #expect(await Self.fill(store, from: &next) { store.checkpointerDatabaseSyncs > syncs }, "a round after the snapshot fsynced")
        #expect(try store.counts().events == next)
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

    @Test("syncDatabaseFile reaches the main database file (its xSync), not the WAL")
    func databaseFileSync() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        #expect(CountingSQLiteVFS.registered)
        let connection = try SQLiteConnection(path: directory.file("sync.sqlite"), vfs: CountingSQLiteVFS.name)
        // No syncs of SQLite's own (`synchronous = OFF`), so every counted one is the helper's.
        try connection.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        let before = CountingSQLiteVFS.mainDatabaseSyncs.load(ordering: .relaxed)
        #expect(connection.syncDatabaseFile())
        #expect(CountingSQLiteVFS.mainDatabaseSyncs.load(ordering: .relaxed) == before + 1)
    }
}
