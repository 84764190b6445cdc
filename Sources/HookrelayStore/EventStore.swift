import CSQLite
public import HookrelayCore
import Foundation


/// The relay's durable store in `data_dir`: events, their deliveries, and the Mailgun
/// tokens seen recently. One SQLite file in WAL mode; all writes go through one
/// group-commit writer thread; reads use their own connection.
public final class EventStore: Sendable {
    /// Path of the database file.
    public let path: String
    /// Deliveries that were in flight when the previous process stopped, made due again at open.
    public let recoveredInFlight: Int
    /// True when the disk was full at open: the deliveries in flight at the last stop become
    /// due with the first commit that succeeds (`recoveredInFlight` is 0 then).
    public let recoveryDeferred: Bool
    /// `data_dir` and the files in it that others could read before this open made them
    /// private (SPEC §11; only when serving, `recoverInFlight`); the relay logs a warning for each.
    public let tightenedModes: [TightenedMode]
    let writer: GroupCommitWriter
    private let checkpointer: WALCheckpointer
    private let acceptStatements: AcceptStatements
    let deliveryStatements: DeliveryStatements
    let outcomeBatch: OutcomeBatch
    /// Deliveries claimed by `claimDue` and in flight (in memory only; see `InFlightClaims`).
    let claims: InFlightClaims
    private let reader: LockedConnection
    /// Held by the serving relay (`recoverInFlight`): one `serve` per data directory.
    private let directoryLock: DataDirectoryLock?

    /// Opens (creating if needed) the store in `directory`. The serving relay passes
    /// `recoverInFlight: true` (deliveries claimed by a dead process become due again); the
    /// operator's commands (`failures`, `replay`, `stats`) pass false so they never disturb
    /// a running relay's attempts, and `allowUpgrade: false`: an older store is refused rather
    /// than rewritten under a relay that may still be running.
    ///
    /// `checkpointPages`: WAL size (pages) past which the checkpointer thread copies the log
    /// into the database, and past which the writer does it inline; `checkpointCopyBytes`: log
    /// appended since the last copy past which the thread copies it, below the threshold too
    /// (see `WALCheckpointer`).
    ///
    /// On a full disk the store still opens (SPEC §11: the relay starts and answers 503): the
    /// only write of an open, making in-flight deliveries due again, then waits for the first
    /// commit that succeeds (`recoveryDeferred`).
    public init(
        directory: String, queueLimit: Int = 10_000, recoverInFlight: Bool = true, allowUpgrade: Bool = true,
        checkpointPages: (background: Int32, inline: Int32) = (4096, 16384), checkpointCopyBytes: Int64 = 2 << 20
    ) throws {
        // The serving relay makes data_dir private; the operator's commands (perhaps run as
        // another user, beside a running relay) leave modes alone.
        if recoverInFlight {
            tightenedModes = try DataDirectoryModes.secure(directory)
        } else {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            tightenedModes = []
        }
        path = (directory as NSString).appendingPathComponent("hookrelay.sqlite")
        let directoryLock = recoverInFlight ? try DataDirectoryLock(directory: directory) : nil
        self.directoryLock = directoryLock
        do {
            // Created private before SQLite opens it: its -wal and -shm take its mode.
            try DataDirectoryModes.createPrivateFile(path)
            let claims = InFlightClaims()
            self.claims = claims
            (acceptStatements, deliveryStatements, outcomeBatch, recoveredInFlight, recoveryDeferred, writer, checkpointer, reader) =
                try Self.open(claims: claims, 
                    path: path, queueLimit: queueLimit, recoverInFlight: recoverInFlight, allowUpgrade: allowUpgrade,
                    checkpointPages: checkpointPages, checkpointCopyBytes: checkpointCopyBytes
                )
        } catch {
            directoryLock?.release()
            throw error
        }
    }

    private static func open(
        claims: InFlightClaims, path: String, queueLimit: Int, recoverInFlight: Bool, allowUpgrade: Bool, checkpointPages: (background: Int32, inline: Int32),
        checkpointCopyBytes: Int64
    ) throws -> (AcceptStatements, DeliveryStatements, OutcomeBatch, Int, Bool, GroupCommitWriter, WALCheckpointer, LockedConnection) {
        let connection = try SQLiteConnection(path: path)
        connection.persistWAL()
        try connection.execute(StoreSchema.pragmas)
        let pageSize = try connection.pageSize()
        // The log file shrinks back after a spike (the checkpointer fell behind): truncated to
        // this when it starts over. Above its usual size (threshold and a tail), so not every cycle.
        try connection.execute("PRAGMA journal_size_limit = \(Int64(checkpointPages.background) * pageSize * 3 / 2);")
        try migrate(connection, allowUpgrade: allowUpgrade)
        try connection.execute(ViewSchema.tables)
        let acceptStatements = try AcceptStatements(connection)
        let deliveryStatements = try DeliveryStatements(connection)
        let outcomeBatch = OutcomeBatch(statements: deliveryStatements, series: try AttemptSeriesStatements(connection), claims: claims)
        // Deliveries claimed when the last process died are due again (at-least-once).
        var recovered = 0
        var deferred: RecoverInFlightWrite?
        if recoverInFlight {
            let write = try RecoverInFlightWrite(connection)
            do {
                recovered = try write.recover(on: connection)
            } catch let error as SQLiteError where error.isFull {
                deferred = write
            }
        }
        let writer = try GroupCommitWriter(connection: connection, queueLimit: queueLimit)
        if let deferred { writer.carry(deferred) }
        let copyInterval = Int32(clamping: max(1, checkpointCopyBytes / max(512, pageSize)))
        let checkpointer = try WALCheckpointer(
            path: path, threshold: checkpointPages.background, limit: checkpointPages.inline, copyInterval: copyInterval
        )
        checkpointer.attach(to: connection)
        writer.whenFull { [checkpointer] in checkpointer.storeFull() }
        let readConnection = try SQLiteConnection(path: path)
        readConnection.persistWAL()
        try readConnection.execute("PRAGMA query_only = ON;")
        let reader = LockedConnection(readConnection)
        checkpointer.start()
        writer.start()
        return (acceptStatements, deliveryStatements, outcomeBatch, recovered, deferred != nil, writer, checkpointer, reader)
    }

    /// Creates the tables, or upgrades an older store in place (only when `allowUpgrade`: the
    /// serving relay, not the operator's commands, which may run beside an older relay).
    private static func migrate(_ connection: SQLiteConnection, allowUpgrade: Bool) throws {
        let version = { try connection.prepare("PRAGMA user_version").firstRow { Int($0.integer(0)) } ?? 0 }
        if try version() == StoreSchema.version { return }
        // Decided again inside the write lock: two processes opening at once upgrade once.
        try connection.execute("BEGIN IMMEDIATE")
        do {
            let current = try version()
            if current > StoreSchema.version {
                throw SQLiteError(code: SQLITE_ERROR, message: "\(connection.path) has schema version \(current), newer than this hookrelay (\(StoreSchema.version)); upgrade hookrelay")
            }
            if current >= 1 && !allowUpgrade {
                throw SQLiteError(code: SQLITE_ERROR, message: "\(connection.path) has schema version \(current); stop the old relay and start `hookrelay serve` of this release once to upgrade it (OPERATIONS.md, Upgrades)")
            }
            if current == 1 {
                try connection.execute(StoreSchema.version1Upgrade)
                let (before, after) = try connection.prepare("SELECT (SELECT count(*) FROM deliveries_v1), (SELECT count(*) FROM deliveries)")
                    .firstRow { ($0.integer(0), $0.integer(1)) } ?? (0, 0)
                guard before == after else {
                    throw SQLiteError(code: SQLITE_ERROR, message: "\(connection.path): \(before - after) of \(before) deliveries have no event row; the version-1 store is damaged and was left as it was")
                }
                try connection.execute(StoreSchema.version1UpgradeCleanup)
            } else if current == 2 {
                try connection.execute(StoreSchema.version3Upgrade)
            }
            if current >= 1 && current <= 3 {
                try connection.execute(StoreSchema.version4Upgrade)
            }
            if current >= 1 {
                try connection.execute(StoreSchema.version5Upgrade)
            } else {
                try connection.execute(StoreSchema.current)
            }
            try connection.execute("PRAGMA user_version = \(StoreSchema.version); COMMIT;")
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }

    /// Takes an event durably. `completion` runs on the writer thread after the commit
    /// that holds the event (with fsync), or with `StoreUnavailable` if it did not commit.
    public func accept(_ request: AcceptRequest, completion: @escaping @Sendable (Result<AcceptOutcome, StoreUnavailable>) -> Void) {
        let statements = acceptStatements
        submit(ResultWrite({ connection in try AcceptWrite.perform(request, statements: statements, on: connection) }, completion: completion), bounded: true)
    }

    /// Queues a write; answers `overloaded` at once when the store is closed or, for a
    /// `bounded` write (an accept), when the queue is full.
    func submit(_ write: any GroupedWrite, bounded: Bool = false) {
        if !writer.submit(write, bounded: bounded) {
            write.finish(failure: StoreUnavailable(.overloaded, "store write queue is full or the store is closed"))
        }
    }

    /// How many copy rounds the checkpointer thread has run, and how many times it fsynced the
    /// database file after one.
    var checkpointerRounds: Int { checkpointer.roundCount }
    var checkpointerDatabaseSyncs: Int { checkpointer.databaseSyncCount }

    /// Writes waiting for their commit.
    public var writeQueueDepth: Int { writer.queueDepth }

    /// True when the writer runs, its last commit succeeded and the file answers a read.
    public func isReady() -> Bool {
        guard writer.isHealthy else { return false }
        return (try? reader.withConnection { try $0.prepare("SELECT count(*) FROM sqlite_master").firstRow { $0.integer(0) } }) != nil
    }

    /// A store dropped without `close()` is closed here: freeing its statements on this thread
    /// while the writer thread still ran would give the writer's connection two owners
    /// (DECISIONS.md). Unless the last reference went on the writer thread itself, which cannot
    /// wait for itself to stop: the statements are then freed by their owner, and the writer
    /// stays, idle, until the process ends.
    deinit {
        if !writer.hasStopped && !writer.isCurrentThread { close() }
    }

    /// Commits what is queued and stops the writer; later accepts answer `unavailable`.
    public func close() {
        writer.stop()
        checkpointer.stop()
        directoryLock?.release()
    }

    /// Runs a read on the reader connection (serialised by a lock; blocking: keep it off event loops).
    func read<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try reader.withConnection(body)
    }

    /// Runs `sql` on the reader connection, prepared at its first use and kept: for reads that
    /// run all the time (the scheduler's look-up of the next due delivery), not the operator's.
    func read<T>(prepared sql: String, _ body: (SQLiteStatement) throws -> T) throws -> T {
        try reader.withStatement(sql, body)
    }
}

extension EventStore: RelayStore {
    public var location: String { path }

    /// Nothing to follow: on SQLite a destination's `rate` is the scheduler's alone.
    public func destinationsChanged(_ destinations: [DestinationConfig]) {}

    /// Only this process writes the file: nothing becomes due behind the scheduler's back.
    public func watchForDueWork(_ wake: @escaping @Sendable () -> Void) {}
}

/// A connection used by one caller at a time.
///
/// `@unchecked Sendable`: every use of `connection` and `prepared` holds `lock`.
final class LockedConnection: @unchecked Sendable {
    private let connection: SQLiteConnection
    private let lock = NSLock()
    /// Statements kept by `withStatement`, by their SQL. Each is reset after every use
    /// (`SQLiteStatement`), so none keeps a read transaction open between uses.
    private var prepared: [String: SQLiteStatement] = [:]

    init(_ connection: SQLiteConnection) {
        self.connection = connection
    }

    func withConnection<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(connection)
    }

    func withStatement<T>(_ sql: String, _ body: (SQLiteStatement) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        let statement: SQLiteStatement
        if let kept = prepared[sql] {
            statement = kept
        } else {
            statement = try connection.prepare(sql)
            prepared[sql] = statement
        }
        // Reset whatever the body did: a statement left stepping would hold its read transaction,
        // and the log could never start over.
        defer { statement.reset() }
        return try body(statement)
    }
}
