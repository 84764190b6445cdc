import CSQLite

/// A prepared statement, reused across executions (reset before each).
///
/// `@unchecked Sendable`: used only by the thread that owns its connection.
final class SQLiteStatement: @unchecked Sendable {
    private let statement: OpaquePointer
    private unowned let connection: SQLiteConnection

    init(_ statement: OpaquePointer, connection: SQLiteConnection) {
        self.statement = statement
        self.connection = connection
    }

    deinit {
        sqlite3_finalize(statement)
    }

    /// Binds values to `?` parameters in order, after resetting the statement.
    @discardableResult
    func bind(_ values: SQLiteValue...) throws(SQLiteError) -> SQLiteStatement {
        try bind(values)
    }

    @discardableResult
    func bind(_ values: [SQLiteValue]) throws(SQLiteError) -> SQLiteStatement {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let rc: Int32
            switch value {
            case .null: rc = sqlite3_bind_null(statement, index)
            case .integer(let v): rc = sqlite3_bind_int64(statement, index, v)
            // With its length: a NUL inside the text is kept, not an end (a token "a\0b" is not "a").
            case .text(let v): rc = sqlite3_bind_text64(statement, index, v, sqlite3_uint64(v.utf8.count), csqlite_transient(), UInt8(SQLITE_UTF8))
            case .blob(let v):
                rc = v.withUnsafeBytes { raw in
                    sqlite3_bind_blob64(statement, index, raw.baseAddress, sqlite3_uint64(raw.count), csqlite_transient())
                }
            }
            try connection.check(rc)
        }
        return self
    }

    /// Ends an execution in progress (its rows, its read of the file); bindings stay.
    func reset() {
        sqlite3_reset(statement)
    }

    /// Runs a statement that returns no rows.
    func run() throws(SQLiteError) {
        let rc = sqlite3_step(statement)
        defer { sqlite3_reset(statement) }
        guard rc == SQLITE_DONE || rc == SQLITE_ROW else { throw SQLiteError(code: rc, message: connection.lastErrorMessage) }
    }

    /// Steps through the rows, handing each to `body`.
    func forEachRow(_ body: (SQLiteRow) throws -> Void) throws {
        defer { sqlite3_reset(statement) }
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_DONE { return }
            guard rc == SQLITE_ROW else { throw SQLiteError(code: rc, message: connection.lastErrorMessage) }
            try body(SQLiteRow(statement: statement))
        }
    }

    /// The first row mapped by `body`, or nil.
    func firstRow<T>(_ body: (SQLiteRow) throws -> T) throws -> T? {
        defer { sqlite3_reset(statement) }
        let rc = sqlite3_step(statement)
        if rc == SQLITE_DONE { return nil }
        guard rc == SQLITE_ROW else { throw SQLiteError(code: rc, message: connection.lastErrorMessage) }
        return try body(SQLiteRow(statement: statement))
    }
}

/// A value bound to a statement parameter.
enum SQLiteValue {
    case null
    case integer(Int64)
    case text(String)
    case blob([UInt8])

    static func optionalText(_ value: String?) -> SQLiteValue { value.map { .text($0) } ?? .null }
    static func optionalInteger(_ value: Int64?) -> SQLiteValue { value.map { .integer($0) } ?? .null }
}

/// The current row of a statement; valid only inside the callback that receives it.
struct SQLiteRow {
    let statement: OpaquePointer

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }
    func integer(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }
    func optionalInteger(_ column: Int32) -> Int64? { isNull(column) ? nil : integer(column) }

    func text(_ column: Int32) -> String {
        guard let pointer = sqlite3_column_text(statement, column) else { return "" }
        // Length after the pointer (SQLite's order); all bytes, as they were bound.
        let count = Int(sqlite3_column_bytes(statement, column))
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }

    func blob(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(statement, column))
        guard count > 0, let pointer = sqlite3_column_blob(statement, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}
