import Foundation
import HookrelayCore
import HookrelayStore

/// One unit of work for `PostgresWriter`: runs inside the writer's transaction and is told,
/// after the commit, whether it became durable.
protocol PostgresWrite: Sendable {
    /// Statements the writer may send in pipeline mode with the rest of the batch (none of them
    /// needs another's result); nil for a write that must run alone (`perform`).
    var pipelined: [(sql: String, parameters: [PGValue])]? { get }
    /// The results of `pipelined`, in order (inside the transaction, before COMMIT).
    func receive(_ results: ArraySlice<PGResult>) throws
    /// Runs on the writer thread inside a transaction. May run more than once (after another
    /// write of the batch failed, or a deadlock with another node): each run does the same.
    func perform(on connection: PGConnection) throws
    /// Runs on the writer thread after COMMIT (failure nil), or with why it did not commit.
    func finish(failure: StoreUnavailable?)
    /// The attempt outcome this write stores, counted in the attempt series when it commits; nil for others.
    var countedAttempt: AttemptRecord? { get }
}

extension PostgresWrite {
    var pipelined: [(sql: String, parameters: [PGValue])]? { nil }
    var countedAttempt: AttemptRecord? { nil }
    func receive(_ results: ArraySlice<PGResult>) throws {}
}

/// A write made only of pipelinable statements: run one by one when the batch runs again alone.
protocol PipelinedWrite: PostgresWrite {
    var statements: [(sql: String, parameters: [PGValue])] { get }
}

extension PipelinedWrite {
    var pipelined: [(sql: String, parameters: [PGValue])]? { statements }

    func perform(on connection: PGConnection) throws {
        var results: [PGResult] = []
        for statement in statements { results.append(try connection.query(statement.sql, statement.parameters)) }
        try receive(results[...])
    }
}

/// The node's single writer to PostgreSQL: a dedicated thread that runs queued writes in shared
/// transactions, so one commit (flushed by the server, `synchronous_commit` on) covers every
/// write that arrived while the last one was committing — the same group commit as the SQLite
/// store's `GroupCommitWriter`.
///
/// A write that fails is rolled back alone (the batch runs again with a SAVEPOINT per write); a
/// deadlock with another node's batch runs the batch again; a lost connection or a failed
/// COMMIT fails every write of the batch (`unavailable`: the sender gets 503, never 200), and
/// the next batch reconnects, no sooner than `PGSession`'s backoff allows.
///
/// `@unchecked Sendable`: the queue is guarded by `condition`; the session is touched only by
/// the writer thread.
final class PostgresWriter: @unchecked Sendable {
    private let session: PGSession
    private let condition = NSCondition()
    private var queue: [any PostgresWrite] = []
    private var stopping = false
    private var stopped = false
    private let queueLimit: Int
    private let maxBatch: Int
    private var thread: Thread?
    /// Set when the last batch could not commit; cleared by the next that does.
    private var lastFailure: String?

    init(session: PGSession, queueLimit: Int, maxBatch: Int = 1024) {
        self.session = session
        self.queueLimit = queueLimit
        self.maxBatch = maxBatch
    }

    func start() {
        thread = NamedThread.start("hr-pg-writer", stackSize: 1 << 20) { [self] in run() }
    }

    /// Queues a write; false when stopped, or when `bounded` (an accept) and the queue is full.
    func submit(_ write: any PostgresWrite, bounded: Bool) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping, !bounded || queue.count < queueLimit else { return false }
        queue.append(write)
        if queue.count == 1 { condition.signal() }
        return true
    }

    var queueDepth: Int {
        condition.lock()
        defer { condition.unlock() }
        return queue.count
    }

    /// True while the writer runs and its last batch committed.
    var isHealthy: Bool {
        condition.lock()
        defer { condition.unlock() }
        return !stopping && lastFailure == nil
    }

    /// Commits what is queued, runs `last` (if any) on the writer's connection, then stops the thread.
    func stop(last: ((PGConnection) throws -> Void)? = nil) {
        condition.lock()
        if let last, !stopping, thread != nil {
            queue.append(FinalWrite(body: last))
        }
        stopping = true
        condition.broadcast()
        while !stopped && thread != nil { condition.wait() }
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if queue.isEmpty && stopping {
                stopped = true
                condition.broadcast()
                condition.unlock()
                session.drop()
                return
            }
            let count = min(queue.count, maxBatch)
            let batch = Array(queue.prefix(count))
            queue.removeFirst(count)
            condition.unlock()
            commit(batch)
        }
    }

    private func commit(_ batch: [any PostgresWrite]) {
        var failures = [StoreUnavailable?](repeating: nil, count: batch.count)
        do {
            try session.with { connection in
                var attempt = 0
                while true {
                    attempt += 1
                    do {
                        failures = try runBatch(batch, on: connection)
                        return
                    } catch let error as PostgresError where error.isRetryable && attempt < 5 {
                        try? connection.execute("ROLLBACK")
                    }
                }
            }
        } catch {
            fail(batch, error)
            return
        }
        condition.lock()
        lastFailure = nil
        condition.unlock()
        for (index, write) in batch.enumerated() { write.finish(failure: failures[index]) }
    }

    /// BEGIN, every write, COMMIT; when a write fails, the batch runs again with a savepoint
    /// per write so only that one fails. Throws when the batch as a whole cannot commit.
    private func runBatch(_ batch: [any PostgresWrite], on connection: PGConnection) throws -> [StoreUnavailable?] {
        var failures = [StoreUnavailable?](repeating: nil, count: batch.count)
        if connection.isInTransaction { try connection.execute("ROLLBACK") }
        try connection.execute("BEGIN")
        var failed = false
        do {
            try runPipelined(batch, on: connection)
        } catch let error as PostgresError where error.isRetryable || error.isUnavailable {
            throw error
        } catch {
            failed = true
        }
        if failed {
            try connection.execute("ROLLBACK")
            try connection.execute("BEGIN")
            for (index, write) in batch.enumerated() {
                try connection.execute("SAVEPOINT w")
                do {
                    try write.perform(on: connection)
                    try connection.execute("RELEASE w")
                } catch let error as PostgresError where error.isRetryable || error.isUnavailable {
                    throw error
                } catch {
                    failures[index] = StoreUnavailable(.unavailable, "\(error)")
                    try connection.execute("ROLLBACK TO w; RELEASE w")
                }
            }
        }
        try countSeries(batch, failures: failures, on: connection)
        let tag = try connection.command("COMMIT")
        guard tag == "COMMIT" else { throw PostgresError(message: "the transaction did not commit (\(tag))") }
        return failures
    }

    /// Adds the batch's stored outcomes to `attempt_minutes`, as the SQLite store's
    /// `OutcomeBatch` does: counted per (destination, minute) in memory, one upsert per pair
    /// (`ViewSQL.addMinutes`), in the batch's transaction.
    private func countSeries(_ batch: [any PostgresWrite], failures: [StoreUnavailable?], on connection: PGConnection) throws {
        var minutes: [SeriesKey: SeriesMinute] = [:]
        for (index, write) in batch.enumerated() where failures[index] == nil {
            guard let attempt = write.countedAttempt else { continue }
            let minute = SeriesMinute.start(of: attempt.time)
            minutes[SeriesKey(destination: attempt.destination, minute: minute), default: SeriesMinute(minute: minute)]
                .count(attempt.state, latencyMillis: attempt.latencyMillis)
        }
        guard !minutes.isEmpty else { return }
        _ = try connection.pipeline(ViewSQL.addMinutes(minutes))
    }

    /// The writes that must run alone first, then every pipelinable statement of the batch sent
    /// back to back (`PGConnection.pipeline`), each write handed its results.
    private func runPipelined(_ batch: [any PostgresWrite], on connection: PGConnection) throws {
        var statements: [(sql: String, parameters: [PGValue])] = []
        var spans: [(write: any PostgresWrite, count: Int)] = []
        for write in batch {
            if let pipelined = write.pipelined {
                statements.append(contentsOf: pipelined)
                spans.append((write, pipelined.count))
            } else {
                try write.perform(on: connection)
            }
        }
        guard !statements.isEmpty else { return }
        let results = try connection.pipeline(statements)
        var start = 0
        for (write, count) in spans {
            try write.receive(results[start..<(start + count)])
            start += count
        }
    }

    private func fail(_ batch: [any PostgresWrite], _ error: any Error) {
        let detail = "PostgreSQL: \(error)"
        condition.lock()
        lastFailure = detail
        condition.unlock()
        let failure = StoreUnavailable(.unavailable, detail)
        for write in batch { write.finish(failure: failure) }
    }
}

/// The last write before the writer stops (hand back this node's claims).
///
/// `@unchecked Sendable`: `body` is handed over once, then run on the writer thread only.
private struct FinalWrite: PostgresWrite, @unchecked Sendable {
    let body: (PGConnection) throws -> Void
    func perform(on connection: PGConnection) throws { try body(connection) }
    func finish(failure: StoreUnavailable?) {}
}

/// A write whose result is computed in the transaction and handed over after the commit.
final class PostgresResultWrite<T: Sendable>: PostgresWrite, @unchecked Sendable {
    private let body: (PGConnection) throws -> T
    private let answer: CommittedAnswer<T>

    init(_ body: @escaping (PGConnection) throws -> T, completion: @escaping @Sendable (Result<T, StoreUnavailable>) -> Void) {
        self.body = body
        answer = CommittedAnswer(completion)
    }

    func perform(on connection: PGConnection) throws {
        answer.computed(try body(connection))
    }

    func finish(failure: StoreUnavailable?) {
        answer.finish(failure: failure)
    }
}
