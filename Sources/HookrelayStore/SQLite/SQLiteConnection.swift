import CSQLite

/// SQLite's process-wide settings (`csqlite_configure_process`), applied once, before anything
/// else in the process starts SQLite: every connection opens through `configure()`, and code
/// that calls SQLite directly (test helpers that register a VFS or open a file) must call it first.
/// `sqlite3_config` must not run while another thread starts SQLite; the once-only initializer
/// makes every caller of `configure()` wait for it.
public enum SQLiteLibrary {
    private static let settingsResult: Int32 = csqlite_configure_process()

    /// Applies the settings if no one has yet.
    public static func configure() { _ = settingsResult }

    /// True when the settings took effect (SQLite had not started before `configure()`).
    public static var settingsApplied: Bool { settingsResult == SQLITE_OK }
}

/// One SQLite database handle with the few operations the store needs.
///
/// `@unchecked Sendable`: every owner uses the handle from one thread at a time (the group-commit
/// writer thread, the checkpointer thread, or under the reader's lock), so it is opened without
/// SQLite's own per-call mutex (`SQLITE_OPEN_NOMUTEX`, SQLite's multi-thread mode).
final class SQLiteConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    let path: String

    /// `vfs`: a registered SQLite VFS by name (tests); nil for the default.
    init(path: String, readOnly: Bool = false, vfs: String? = nil) throws(SQLiteError) {
        SQLiteLibrary.configure()
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, vfs)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, message: "\(path): \(message)")
        }
        handle = db
        self.path = path
        sqlite3_busy_timeout(db, 5000)
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements that return no rows.
    func execute(_ sql: String) throws(SQLiteError) {
        var error: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &error)
        if rc != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? lastErrorMessage
            sqlite3_free(error)
            throw SQLiteError(code: rc, message: message)
        }
    }

    func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard rc == SQLITE_OK, let statement else { throw SQLiteError(code: rc, message: "\(lastErrorMessage) in: \(sql)") }
        return SQLiteStatement(statement, connection: self)
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    var changes: Int { Int(sqlite3_changes(handle)) }

    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// False when no transaction is open (SQLite may roll one back entirely on some errors).
    var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    var lastErrorMessage: String { String(cString: sqlite3_errmsg(handle)) }

    /// Calls `hook` after each commit with the number of pages in the WAL (`sqlite3_wal_hook`;
    /// replaces SQLite's automatic checkpoint). `context` must outlive the connection.
    func setWALHook(
        context: UnsafeMutableRawPointer,
        _ hook: @escaping @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UnsafePointer<CChar>?, Int32) -> Int32
    ) {
        sqlite3_wal_hook(handle, hook, context)
    }

    /// A PASSIVE checkpoint: copies what it can of the WAL into the database without waiting
    /// for the writer. Returns how many frames of the log are copied now (0 on an error: best
    /// effort, the next checkpoint tries again).
    func checkpoint() -> Int32 {
        var log: Int32 = 0, copied: Int32 = 0
        guard sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, &log, &copied) == SQLITE_OK else { return 0 }
        return max(0, copied)
    }

    /// Keeps the `-wal` and `-shm` files when the last connection closes (`SQLITE_FCNTL_PERSIST_WAL`;
    /// `journal_size_limit` still truncates the log): a relay restarted on a full disk finds the
    /// `-shm` it needs to open the store instead of having to allocate it.
    func persistWAL() {
        var on: Int32 = 1
        _ = sqlite3_file_control(handle, "main", SQLITE_FCNTL_PERSIST_WAL, &on)
    }

    /// The database's page size in bytes.
    func pageSize() throws -> Int64 {
        try prepare("PRAGMA page_size").firstRow { $0.integer(0) } ?? 4096
    }

    /// Flushes the database file to disk (`fdatasync`); false on an error. Only from the
    /// thread that owns this connection.
    func syncDatabaseFile() -> Bool {
        csqlite_sync_database_file(handle) == SQLITE_OK
    }

    func check(_ rc: Int32) throws(SQLiteError) {
        if rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW {
            throw SQLiteError(code: rc, message: lastErrorMessage)
        }
    }
}

/// An SQLite result code with its message.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    public let code: Int32
    public let message: String

    /// The disk or the database is full: refuse new work rather than lose it.
    public var isFull: Bool { code & 0xff == SQLITE_FULL }

    public var description: String { "sqlite error \(code): \(message)" }
}
