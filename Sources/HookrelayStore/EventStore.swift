import CSQLite
import Foundation


/// The relay's durable store in `data_dir`: events, their deliveries, and the Mailgun
/// tokens seen recently. One SQLite file in WAL mode; all writes go through one
/// group-commit writer thread; reads use their own connection.
public final class EventStore: Sendable {
    /// Path of the database file.
    public let path: String
    /// Deliveries that were in flight when the previous process stopped, made due again at open.
    public let recoveredInFlight: Int
    private let writer: GroupCommitWriter
    private let checkpointer: WALCheckpointer
    private let acceptStatements: AcceptStatements
    let deliveryStatements: DeliveryStatements
    let outcomeBatch: OutcomeBatch
    private let reader: LockedConnection

    /// Opens (creating if needed) the store in `directory`. The serving relay passes
    /// `recoverInFlight: true` (deliveries claimed by a dead process become due again); the
    /// operator's commands (`failures`, `replay`, `stats`) pass false so they never disturb
    /// a running relay's attempts.
    ///
    /// `checkpointPages`: WAL size (pages) past which the checkpointer thread copies the log
    /// into the database, and past which the writer does it inline (see `WALCheckpointer`).
    public init(
        directory: String, queueLimit: Int = 10_000, recoverInFlight: Bool = true,
        checkpointPages: (background: Int32, inline: Int32) = (4096, 16384)
    ) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = (directory as NSString).appendingPathComponent("hookrelay.sqlite")
        let connection = try SQLiteConnection(path: path)
        try connection.execute(StoreSchema.pragmas)
        try Self.migrate(connection)
        acceptStatements = try AcceptStatements(connection)
        deliveryStatements = try DeliveryStatements(connection)
        outcomeBatch = OutcomeBatch(statements: deliveryStatements)
        // Deliveries claimed when the last process died are due again (at-least-once).
        if recoverInFlight {
            let now = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
            try connection.execute("""
                UPDATE deliveries SET claimed = 0, next_attempt_at = \(now) WHERE id IN (
                    SELECT id FROM deliveries INDEXED BY deliveries_open WHERE state IN ('pending', 'retrying') AND claimed = 1)
                """)
            recoveredInFlight = connection.changes
        } else {
            recoveredInFlight = 0
        }
        writer = try GroupCommitWriter(connection: connection, queueLimit: queueLimit)
        checkpointer = try WALCheckpointer(path: path, threshold: checkpointPages.background, limit: checkpointPages.inline)
        checkpointer.attach(to: connection)
        let readConnection = try SQLiteConnection(path: path)
        try readConnection.execute("PRAGMA query_only = ON;")
        reader = LockedConnection(readConnection)
        checkpointer.start()
        writer.start()
    }

    private static func migrate(_ connection: SQLiteConnection) throws {
        let current = try connection.prepare("PRAGMA user_version").firstRow { Int($0.integer(0)) } ?? 0
        if current > StoreSchema.version {
            throw SQLiteError(code: SQLITE_ERROR, message: "\(connection.path) has schema version \(current), newer than this hookrelay (\(StoreSchema.version)); upgrade hookrelay")
        }
        if current < 1 {
            try connection.execute("BEGIN; \(StoreSchema.version2) PRAGMA user_version = 2; COMMIT;")
        } else if current == 1 {
            try connection.execute("BEGIN; \(StoreSchema.version2Upgrade) PRAGMA user_version = 2; COMMIT;")
        }
    }

    /// Takes an event durably. `completion` runs on the writer thread after the commit
    /// that holds the event (with fsync), or with `StoreUnavailable` if it did not commit.
    public func accept(_ request: AcceptRequest, completion: @escaping @Sendable (Result<AcceptOutcome, StoreUnavailable>) -> Void) {
        let statements = acceptStatements
        submit(ResultWrite({ connection in try AcceptWrite.perform(request, statements: statements, on: connection) }, completion: completion), bounded: true)
    }

    /// Async form of `accept(_:completion:)`.
    public func accept(_ request: AcceptRequest) async -> Result<AcceptOutcome, StoreUnavailable> {
        await withCheckedContinuation { continuation in
            accept(request) { continuation.resume(returning: $0) }
        }
    }

    /// Queues a write; answers `overloaded` at once when the store is closed or, for a
    /// `bounded` write (an accept), when the queue is full.
    func submit(_ write: any GroupedWrite, bounded: Bool = false) {
        if !writer.submit(write, bounded: bounded) {
            write.finish(failure: StoreUnavailable(.overloaded, "store write queue is full or the store is closed"))
        }
    }

    /// Writes waiting for their commit.
    public var writeQueueDepth: Int { writer.queueDepth }

    /// True when the writer runs, its last commit succeeded and the file answers a read.
    public func isReady() -> Bool {
        guard writer.isHealthy else { return false }
        return (try? reader.withConnection { try $0.prepare("SELECT count(*) FROM sqlite_master").firstRow { $0.integer(0) } }) != nil
    }

    /// Commits what is queued and stops the writer; later accepts answer `unavailable`.
    public func close() {
        writer.stop()
        checkpointer.stop()
    }

    /// Runs a read on the reader connection (serialised by a lock; blocking: keep it off event loops).
    func read<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try reader.withConnection(body)
    }
}

/// A connection used by one caller at a time.
///
/// `@unchecked Sendable`: every use of `connection` holds `lock`.
final class LockedConnection: @unchecked Sendable {
    private let connection: SQLiteConnection
    private let lock = NSLock()

    init(_ connection: SQLiteConnection) {
        self.connection = connection
    }

    func withConnection<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(connection)
    }
}
