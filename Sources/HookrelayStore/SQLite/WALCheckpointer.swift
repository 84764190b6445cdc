import CSQLite
import Foundation
import Synchronization

/// Copies the write-ahead log back into the database file on its own thread and connection,
/// so the writer's commits (and the senders waiting on them) do not stop for it.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses the threshold: every
/// ~4,000 pages one commit also copies a thousand pages into the database and fsyncs it, and
/// every request waiting on that commit waits too. Here the writer's WAL hook, past
/// `threshold` pages, signals this thread, which copies the log with PASSIVE checkpoints
/// beside the writer. The log can only start over from its beginning once every frame is
/// copied, and the writer keeps appending; so once this thread has copied all but a small
/// tail, the writer copies that tail itself (a few pages and an fsync), and its next
/// transaction reuses the log. Past `limit` pages (this thread not keeping up) the writer
/// copies whatever is left inline, as SQLite would, so the log cannot grow without bound.
///
/// The log is also copied by size: whenever `copyInterval` pages (2 MiB) were appended since
/// this thread's last copy, below `threshold` too, so what the database file has yet to take
/// from the log stays small. On a full disk the log can start over only once every frame is
/// copied, and copying grows the database file: with at most ~2 MiB left to copy, the relay
/// takes events again as soon as a few MiB are free (SPEC §11), where with up to `threshold`
/// pages (16 MiB) it stayed refused until that much was free. The log still starts over at
/// `threshold`, as before: only the thread's rounds are more frequent, not the writer's.
/// After a commit failed for a full disk (`storeFull()`), the writer copies the rest itself
/// at its next commit, whatever the log's size, so the log starts over from its beginning and
/// needs no new space while the disk is nearly full.
///
/// `@unchecked Sendable`: `requested`, `stopping` and `stopped` are guarded by `condition`;
/// `connection` is used only by the checkpointer thread; `lastPages` only in the writer's hook.
final class WALCheckpointer: @unchecked Sendable {
    private let connection: SQLiteConnection
    private let condition = NSCondition()
    private var requested = false
    private var stopping = false
    private var stopped = false
    private var thread: Thread?
    let threshold: Int32
    let limit: Int32
    let copyInterval: Int32
    /// Frames of the current log this thread has copied (its last checkpoint's count, low 32
    /// bits) and which log that was (high 32 bits: a generation the writer's hook raises when
    /// the log starts over), so a count from before a restart is never taken for the new log.
    private let copied = Atomic<UInt64>(0)
    /// The log's size at the writer's previous commit; a smaller one means it started over.
    private var lastPages: Int32 = 0
    /// Set when a commit failed for a full disk; cleared when the log has started over.
    private let full = Atomic<Bool>(false)
    /// Copy rounds this thread has run, and the database-file fsyncs it made after them.
    private let rounds = Atomic<Int>(0)
    private let databaseSyncs = Atomic<Int>(0)

    init(path: String, threshold: Int32, limit: Int32, copyInterval: Int32) throws(SQLiteError) {
        connection = try SQLiteConnection(path: path)
        // The checkpoint fsyncs the database file before the log may be reused.
        try connection.execute("PRAGMA synchronous = FULL;")
        connection.persistWAL()
        self.threshold = threshold
        self.limit = limit
        self.copyInterval = max(1, copyInterval)
    }

    /// Installs the WAL hook on the writer's connection (replacing SQLite's automatic checkpoint).
    func attach(to writer: SQLiteConnection) {
        writer.setWALHook(context: Unmanaged.passUnretained(self).toOpaque()) { context, db, _, pages in
            guard let context, let db else { return SQLITE_OK }
            Unmanaged<WALCheckpointer>.fromOpaque(context).takeUnretainedValue().committed(pages: pages, writer: db)
            return SQLITE_OK
        }
    }

    /// The writer's WAL hook: after each commit, with the log's size in pages.
    private func committed(pages: Int32, writer: OpaquePointer) {
        var state = copied.load(ordering: .acquiring)
        var wasFull = full.load(ordering: .relaxed)
        if pages < lastPages {  // the log started over (a first commit larger than the old log goes unseen: one slow cycle)
            state = (state >> 32 &+ 1) << 32
            copied.store(state, ordering: .releasing)
            if wasFull {
                full.store(false, ordering: .relaxed)
                wasFull = false
            }
        }
        lastPages = pages
        let uncopied = pages - Int32(truncatingIfNeeded: state & 0xFFFF_FFFF)
        let tailCopiedHere = pages >= threshold && uncopied <= threshold / 4
        if pages >= limit || tailCopiedHere || wasFull {
            _ = sqlite3_wal_checkpoint_v2(writer, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        } else if pages >= threshold || uncopied >= copyInterval {
            request()
        }
    }

    /// A commit failed for a full disk: the next commit that succeeds copies the log inline, so
    /// that the log starts over instead of growing (called by the writer).
    func storeFull() {
        full.store(true, ordering: .relaxed)
    }

    /// How many copy rounds this thread has run, and how many times it fsynced the database file.
    var roundCount: Int { rounds.load(ordering: .relaxed) }
    var databaseSyncCount: Int { databaseSyncs.load(ordering: .relaxed) }

    func start() {
        thread = StoreThread.start("hr-checkpointer") { [self] in run() }
    }

    /// Asks for a checkpoint (cheap; called from the writer's WAL hook).
    func request() {
        condition.lock()
        if !requested {
            requested = true
            condition.signal()
        }
        condition.unlock()
    }

    /// Ends the thread; the writer must have stopped (its hook no longer fires).
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !stopped && thread != nil { condition.wait() }
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while !requested && !stopping { condition.wait() }
            if stopping {
                stopped = true
                condition.broadcast()
                condition.unlock()
                return
            }
            requested = false
            condition.unlock()
            let before = copied.load(ordering: .acquiring)
            let generation = before >> 32
            let count = connection.checkpoint()
            rounds.add(1, ordering: .relaxed)
            // A PASSIVE checkpoint that stops short of the log's end (the writer keeps appending)
            // writes pages into the database file but does not fsync it; the writer's tail copy
            // would then fsync everything this thread copied (megabytes) inside a commit, and every
            // sender waiting on that commit would wait for it. Flushing here leaves the tail's
            // fsync only the tail's pages. Only after a round that copied frames. Whether SQLite
            // fsynced the round itself (it does when no frame was appended meanwhile) cannot be
            // told from its answer: the log size it reports is this connection's snapshot, equal
            // to the count even when the writer has appended since. Best effort: a failed flush is
            // reported again by the writer's own fsync of the file (its own descriptor), and the
            // log is not reused before that succeeds.
            if count > Int32(truncatingIfNeeded: before & 0xFFFF_FFFF), connection.syncDatabaseFile() {
                databaseSyncs.add(1, ordering: .relaxed)
            }
            // Kept only if the log did not start over meanwhile.
            var current = copied.load(ordering: .acquiring)
            while current >> 32 == generation {
                let (exchanged, original) = copied.compareExchange(
                    expected: current, desired: generation << 32 | UInt64(UInt32(clamping: count)), ordering: .acquiringAndReleasing
                )
                if exchanged { break }
                current = original
            }
        }
    }
}
