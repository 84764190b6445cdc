import CSQLite
import Foundation


/// The relay's durable store in `data_dir`: events, their deliveries, and the Mailgun
/// tokens seen recently. One SQLite file in WAL mode; all writes go through one
/// group-commit writer thread; reads use their own connection.
public final class EventStore: Sendable {
    /// Path of the database file.
    public let path: String
    private let writer: GroupCommitWriter
    private let acceptStatements: AcceptStatements
    private let reader: LockedConnection

    /// Opens (creating if needed) the store in `directory`.
    public init(directory: String, queueLimit: Int = 10_000) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = (directory as NSString).appendingPathComponent("hookrelay.sqlite")
        let connection = try SQLiteConnection(path: path)
        try connection.execute(StoreSchema.pragmas)
        try Self.migrate(connection)
        acceptStatements = try AcceptStatements(connection)
        writer = GroupCommitWriter(connection: connection, queueLimit: queueLimit)
        let readConnection = try SQLiteConnection(path: path)
        try readConnection.execute("PRAGMA query_only = ON;")
        reader = LockedConnection(readConnection)
        writer.start()
    }

    private static func migrate(_ connection: SQLiteConnection) throws {
        let current = try connection.prepare("PRAGMA user_version").firstRow { Int($0.integer(0)) } ?? 0
        if current > StoreSchema.version {
            throw SQLiteError(code: SQLITE_ERROR, message: "\(connection.path) has schema version \(current), newer than this hookrelay (\(StoreSchema.version)); upgrade hookrelay")
        }
        if current < 1 {
            try connection.execute("BEGIN; \(StoreSchema.version1) PRAGMA user_version = 1; COMMIT;")
        }
    }

    /// Takes an event durably. `completion` runs on the writer thread after the commit
    /// that holds the event (with fsync), or with `StoreUnavailable` if it did not commit.
    public func accept(_ request: AcceptRequest, completion: @escaping @Sendable (Result<AcceptOutcome, StoreUnavailable>) -> Void) {
        let write = AcceptWrite(request, statements: acceptStatements, completion: completion)
        if !writer.submit(write) {
            completion(.failure(StoreUnavailable(.overloaded, "store write queue is full")))
        }
    }

    /// Async form of `accept(_:completion:)`.
    public func accept(_ request: AcceptRequest) async -> Result<AcceptOutcome, StoreUnavailable> {
        await withCheckedContinuation { continuation in
            accept(request) { continuation.resume(returning: $0) }
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
