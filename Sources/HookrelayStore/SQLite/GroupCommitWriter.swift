import CSQLite
import Foundation

/// The store's single writer: a dedicated thread that runs queued writes in shared
/// transactions, so one fsync'd commit covers every write that arrived while the last
/// one was committing (group commit).
///
/// A write that fails is rolled back alone and told so (the batch runs again with a SAVEPOINT
/// per write); a failed COMMIT fails every write of the batch. A write's completion runs
/// only after its transaction has committed, so a caller that answers a sender from it
/// answers only for durable data.
///
/// `@unchecked Sendable`: the queue is guarded by `condition`; the connection is touched
/// only by the writer thread.
final class GroupCommitWriter: @unchecked Sendable {
    private let connection: SQLiteConnection
    private let condition = NSCondition()
    private var queue: [any GroupedWrite] = []
    private var stopping = false
    private var stopped = false
    private let queueLimit: Int
    private let maxBatch: Int
    /// How long the writer waits for more when only writes that may wait are queued (outcomes):
    /// one commit, one fsync and one write of the pages they share then take many of them.
    private let linger: Duration
    /// Queued writes that change something and may not wait (`GroupedWrite.mayWait` false).
    private var urgentQueued = 0
    /// Queued writes that only read (`GroupedWrite.readsOnly`: claims): once accepts have stopped
    /// coming, run at once outside any commit, so a claim never cuts an outcome's linger short;
    /// under load they share the commits like any write.
    private var readsQueued = 0
    /// True while the writer waits out `linger`.
    private var lingering = false
    /// When the outcomes queued now stop waiting: set when the writer first waits for them, kept
    /// while reads come and go, so they wait `linger` at most.
    private var lingerDeadline: ContinuousClock.Instant?
    /// When the last urgent write (an accept) was queued: outcomes linger only once accepts have
    /// stopped coming for a while (`quietAfter`). Under load they ride the accepts' commits anyway,
    /// and waiting there would only shift the writer's rhythm.
    private var lastUrgentAt = ContinuousClock.now.advanced(by: .seconds(-1))
    private let quietAfter: Duration = .milliseconds(20)
    private var thread: Thread?
    /// Set when the last commit failed; cleared by the next successful one.
    private var lastFailure: SQLiteError?
    /// Writes that could not commit at open (a full disk): each runs at the head of every
    /// batch until one commit takes it (`carry`). Only the writer thread touches it once started.
    private var carried: [any GroupedWrite] = []
    /// Told when a commit failed for a full disk (the checkpointer then lets the log start over).
    private var onFull: (@Sendable () -> Void)?
    /// Prepared once: a batch runs again with one savepoint per write after a write failed.
    private let savepoint: SQLiteStatement
    private let releaseSavepoint: SQLiteStatement
    private let rollbackToSavepoint: SQLiteStatement

    init(connection: SQLiteConnection, queueLimit: Int, maxBatch: Int = 2048, linger: Duration = .milliseconds(2)) throws(SQLiteError) {
        self.linger = linger
        self.connection = connection
        savepoint = try connection.prepare("SAVEPOINT w")
        releaseSavepoint = try connection.prepare("RELEASE w")
        rollbackToSavepoint = try connection.prepare("ROLLBACK TO w")
        self.queueLimit = queueLimit
        self.maxBatch = maxBatch
    }

    func start() {
        thread = StoreThread.start("hr-writer") { [self] in run() }
    }

    /// Runs `write` with every batch, at its head, until a commit takes it: for a write that
    /// failed at open because the disk was full. Only before `start()`. It adds no work while
    /// nothing else is written, so a full disk does not make the writer spin.
    func carry(_ write: any GroupedWrite) {
        carried.append(write)
    }

    /// Calls `action` on the writer thread whenever a batch fails for a full disk. Only before `start()`.
    func whenFull(_ action: @escaping @Sendable () -> Void) {
        onFull = action
    }

    /// Queues a write; false (and nothing queued) when the writer stopped, or when `bounded`
    /// and the queue is at its bound. Only new work (accepts) is bounded: the outcome of an
    /// attempt already made must never be refused for load, or its delivery would stay claimed.
    func submit(_ write: any GroupedWrite, bounded: Bool) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping, !bounded || queue.count < queueLimit else { return false }
        queue.append(write)
        if write.readsOnly {
            readsQueued += 1
        } else if !write.mayWait {
            urgentQueued += 1
            lastUrgentAt = .now
        }
        if queue.count == 1 || (lingering && !write.mayWait) { condition.signal() }
        return true
    }

    /// Writes waiting for a commit.
    var queueDepth: Int {
        condition.lock()
        defer { condition.unlock() }
        return queue.count
    }

    /// True on the writer's own thread (which cannot wait for itself to stop).
    var isCurrentThread: Bool {
        condition.lock()
        defer { condition.unlock() }
        return thread.map { $0 === Thread.current } ?? false
    }

    /// True once the thread has ended (`stop()`), or when it never started.
    var hasStopped: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopped || thread == nil
    }

    /// True while the writer runs and its last commit succeeded.
    var isHealthy: Bool {
        condition.lock()
        defer { condition.unlock() }
        return !stopping && lastFailure == nil
    }

    /// Commits what is queued, then stops the thread. Blocks until it has.
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
            while queue.isEmpty && !stopping { condition.wait() }
            // Under load (accepts coming) everything shares the commits, as it always did; once
            // accepts stop, claims run at once and outcomes wait for company.
            let quiet = ContinuousClock.now - lastUrgentAt > quietAfter
            if readsQueued > 0 && urgentQueued == 0 && (quiet || lingerDeadline != nil) {
                let reads = queue.filter(\.readsOnly)
                queue.removeAll { $0.readsOnly }
                readsQueued = 0
                condition.unlock()
                runReads(reads)
                continue
            }
            if urgentQueued == 0 && readsQueued == 0 && !stopping && linger > .zero && (lingerDeadline != nil || quiet) {
                // Outcomes only: they wait for company (an accept ends the wait; a claim is run
                // meanwhile), up to `linger` from when the writer first saw them.
                // A monotonic deadline: a wall clock stepped back must not stretch the wait.
                let deadline = lingerDeadline ?? ContinuousClock.now + linger
                lingerDeadline = deadline
                lingering = true
                while urgentQueued == 0 && readsQueued == 0 && !stopping {
                    let left = deadline - ContinuousClock.now
                    guard left > .zero else { break }
                    let (seconds, attoseconds) = left.components
                    _ = condition.wait(until: Date(timeIntervalSinceNow: Double(seconds) + Double(attoseconds) / 1e18))
                }
                lingering = false
                if readsQueued > 0 {
                    condition.unlock()
                    continue
                }
            }
            lingerDeadline = nil
            if queue.isEmpty && stopping {
                stopped = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let batch: [any GroupedWrite]
            if queue.count <= maxBatch {
                batch = queue
                queue.removeAll(keepingCapacity: true)
                urgentQueued = 0
                readsQueued = 0
            } else {
                batch = Array(queue.prefix(maxBatch))
                queue.removeFirst(maxBatch)
                urgentQueued -= batch.count { !$0.mayWait && !$0.readsOnly }
                readsQueued -= batch.count { $0.readsOnly }
            }
            condition.unlock()
            if carried.isEmpty {
                commit(batch)
            } else {
                let carriedCount = carried.count
                let committed = commit(carried + batch)
                // A carried write that committed is done; one that failed alone stays.
                carried = zip(carried, committed.prefix(carriedCount)).filter { !$0.1 }.map(\.0)
            }
        }
    }

    /// Runs writes that only read, between commits, in one read transaction, then finishes them.
    private func runReads(_ reads: [any GroupedWrite]) {
        if connection.isInTransaction { try? connection.execute("ROLLBACK") }
        // One read transaction for them all: outside one, each statement takes and drops the
        // log's read lock itself (two `fcntl` locks on the -shm file), ~15% of a claim in a drain
        // profile. Deferred: it locks nothing until the first read. Failing to open it, the reads
        // run as before, each statement on its own. They see every commit of this writer (it
        // commits before them); a commit by another process (`hookrelay replay`) made meanwhile
        // is seen by the next batch's reads.
        try? connection.execute("BEGIN")
        // Each is finished before the next runs, inside the transaction: a claim's finish holds
        // the ids it took (`InFlightClaims`), and a second claim of the same destination in this
        // batch must skip them.
        for read in reads {
            do {
                try read.perform(on: connection)
                read.finish(failure: nil)
            } catch {
                read.finish(failure: StoreUnavailable(error as? SQLiteError ?? SQLiteError(code: SQLITE_ERROR, message: "\(error)")))
            }
        }
        // Ends the read (nothing was written: a claim only reads), so the next batch can begin.
        if connection.isInTransaction { try? connection.execute("COMMIT") }
    }

    /// Commits the batch; returns, per write, whether it committed.
    @discardableResult
    private func commit(_ batch: [any GroupedWrite]) -> [Bool] {
        let none = [Bool](repeating: false, count: batch.count)
        guard begin(batch) else { return none }
        var failures = [SQLiteError?](repeating: nil, count: batch.count)
        // Writes almost never fail, so a batch first runs without a savepoint per write (they
        // cost 3–7 µs per event in `bench/store_loop.sh`). When one throws, the whole batch is
        // rolled back and runs again with a savepoint per write, so only the failing one fails.
        if !performAll(batch) {
            guard begin(batch) else { return none }  // rolls back the partial batch first
            for (index, write) in batch.enumerated() {
                do {
                    try savepoint.run()
                    try write.perform(on: connection)
                    try releaseSavepoint.run()
                } catch {
                    let sqliteError = error as? SQLiteError ?? SQLiteError(code: SQLITE_ERROR, message: "\(error)")
                    if !connection.isInTransaction {
                        // SQLite rolled back the whole transaction (disk full, I/O error): what ran
                        // before is gone, and what follows must not autocommit on its own.
                        finish(batch, commitError: sqliteError)
                        return none
                    }
                    failures[index] = sqliteError
                    try? rollbackToSavepoint.run()
                    try? releaseSavepoint.run()
                }
            }
        }
        do {
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            finish(batch, commitError: error)
            return none
        }
        condition.lock()
        lastFailure = nil
        condition.unlock()
        for (index, write) in batch.enumerated() {
            write.finish(failure: failures[index].map(StoreUnavailable.init))
        }
        return failures.map { $0 == nil }
    }

    /// Opens the batch's transaction; on failure the whole batch is finished with the error.
    private func begin(_ batch: [any GroupedWrite]) -> Bool {
        // A transaction still open (a batch rerun after a failed write, or a ROLLBACK that
        // failed) would make BEGIN fail and could hold the write lock for good: end it first.
        if connection.isInTransaction { try? connection.execute("ROLLBACK") }
        do {
            try connection.execute("BEGIN IMMEDIATE")
            return true
        } catch {
            finish(batch, commitError: error)
            return false
        }
    }

    /// Runs every write in the open transaction; false at the first that throws (the
    /// transaction then holds part of the batch and must be rolled back).
    private func performAll(_ batch: [any GroupedWrite]) -> Bool {
        for write in batch {
            do { try write.perform(on: connection) } catch { return false }
        }
        return true
    }

    private func finish(_ batch: [any GroupedWrite], commitError: SQLiteError) {
        if commitError.isFull { onFull?() }
        condition.lock()
        lastFailure = commitError
        condition.unlock()
        let failure = StoreUnavailable(commitError)
        for write in batch { write.finish(failure: failure) }
    }
}

/// One unit of work for the writer: it runs inside the writer's transaction, and is told
/// after the commit whether it became durable.
protocol GroupedWrite: Sendable {
    /// Runs on the writer thread, inside a transaction; throwing rolls back this write only.
    /// May run twice: when another write of the batch threw, the transaction is rolled back
    /// and every write runs again, so a second run must do what the first one did.
    func perform(on connection: SQLiteConnection) throws
    /// Runs on the writer thread after COMMIT (failure nil), or with the reason it did not commit.
    func finish(failure: StoreUnavailable?)
    /// True for a write nobody waits on (an attempt's outcome: its slot is already free): the
    /// writer may hold it for up to its `linger` to commit it with others. False by default.
    var mayWait: Bool { get }
    /// True for a write that changes nothing (a claim): run between commits, with the other reads
    /// queued with it in one read transaction, each finished right after its `perform`. False by default.
    var readsOnly: Bool { get }
}

extension GroupedWrite {
    var mayWait: Bool { false }
    var readsOnly: Bool { false }
}

extension StoreUnavailable {
    /// A database error as the reason a write did not commit.
    init(_ error: SQLiteError) {
        self.init(error.isFull ? .full : .unavailable, error.description)
    }
}
