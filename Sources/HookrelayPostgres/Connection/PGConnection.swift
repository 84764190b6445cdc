import CPostgres
import Foundation

/// One libpq connection, used by one thread at a time (its owner: the writer thread, or a
/// `PGSession` under its lock). Statements run with parameters are prepared once per connection
/// and reused; results come back in text form.
///
/// `@unchecked Sendable`: the `PGconn` is touched only by the owner described above.
final class PGConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    /// Prepared statement names by SQL text.
    private var prepared: [String: String] = [:]

    /// Connects with `url` (a `postgres://` URI or a libpq keyword string). `connectTimeout`
    /// bounds the connect, so a refused or silent server becomes an error within that time;
    /// `tcp_user_timeout` (4 s) and keepalives turn a peer that vanished (a network partition, a
    /// powered-off host) into an error instead of a wait, so ingest can answer 503 (SPEC §10).
    init(url: String, connectTimeout: Int = 3) throws(PostgresError) {
        let keywords = [
            "dbname", "connect_timeout", "application_name", "tcp_user_timeout", "keepalives_idle", "keepalives_interval", "keepalives_count",
        ]
        let values = [url, "\(connectTimeout)", "hookrelay", "4000", "5", "2", "2"]
        let connection = Self.withCStrings(keywords) { keywordPointers in
            Self.withCStrings(values) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let connection else { throw PostgresError(message: "out of memory", connectionLost: true) }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(connection)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQfinish(connection)
            throw PostgresError(message: "cannot connect: \(message)", connectionLost: true)
        }
        // Server notices ("relation already exists, skipping") are not for the relay's stderr.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
        handle = connection
    }

    deinit {
        PQfinish(handle)
    }

    /// True once the server went away (the connection must be replaced).
    var isBroken: Bool { PQstatus(handle) != CONNECTION_OK }

    /// True while a transaction is open on the connection (or failed and not yet rolled back).
    var isInTransaction: Bool {
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE
    }

    /// The socket, for waiting on notifications.
    var socket: Int32 { PQsocket(handle) }

    /// Runs SQL without parameters (several statements allowed).
    func execute(_ sql: String) throws(PostgresError) {
        let result = PQexec(handle, sql)
        try check(result, sql: sql)
        PQclear(result)
    }

    /// Runs one statement without parameters; returns its command tag (`COMMIT`, `ROLLBACK`, …).
    func command(_ sql: String) throws(PostgresError) -> String {
        let result = PQexec(handle, sql)
        try check(result, sql: sql)
        defer { PQclear(result) }
        return String(cString: PQcmdStatus(result))
    }

    /// Runs `body` in a transaction of its own: committed when it returns, rolled back when it throws.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN")
        do {
            let result = try body()
            let tag = try command("COMMIT")
            guard tag == "COMMIT" else { throw PostgresError(message: "the transaction did not commit (\(tag))") }
            return result
        } catch {
            if isInTransaction { try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Runs one statement with `parameters` (`$1`…), prepared once on this connection.
    @discardableResult
    func query(_ sql: String, _ parameters: [PGValue] = []) throws(PostgresError) -> PGResult {
        let name = try preparedName(sql, parameterCount: parameters.count)
        let result = Self.withParameters(parameters) { values, lengths, formats in
            PQexecPrepared(handle, name, Int32(parameters.count), values, lengths, formats, 0)
        }
        try check(result, sql: sql)
        return PGResult(result!)
    }

    /// Runs `statements` in pipeline mode: sent back to back, their results read after, so a
    /// batch costs about one round trip per `chunk` statements instead of one each. Results
    /// come back in order; the first failure is thrown once the chunk is read (the statements
    /// after it were not run, and an open transaction is left failed: the caller rolls back).
    func pipeline(_ statements: [(sql: String, parameters: [PGValue])], chunk: Int = 128) throws(PostgresError) -> [PGResult] {
        var names: [String] = []
        names.reserveCapacity(statements.count)
        for statement in statements { names.append(try preparedName(statement.sql, parameterCount: statement.parameters.count)) }
        guard PQenterPipelineMode(handle) == 1 else {
            throw PostgresError(message: "cannot enter pipeline mode: \(String(cString: PQerrorMessage(handle)))", connectionLost: isBroken)
        }
        defer { PQexitPipelineMode(handle) }
        var results: [PGResult] = []
        results.reserveCapacity(statements.count)
        var start = 0
        while start < statements.count {
            let end = min(start + chunk, statements.count)
            for index in start..<end {
                let parameters = statements[index].parameters
                let sent = Self.withParameters(parameters) { values, lengths, formats in
                    PQsendQueryPrepared(handle, names[index], Int32(parameters.count), values, lengths, formats, 0)
                }
                guard sent == 1 else { throw PostgresError(message: String(cString: PQerrorMessage(handle)), connectionLost: true) }
            }
            guard PQpipelineSync(handle) == 1 else { throw PostgresError(message: String(cString: PQerrorMessage(handle)), connectionLost: true) }
            var failure: PostgresError?
            for index in start..<end {
                guard let result = PQgetResult(handle) else {
                    throw PostgresError(message: "pipeline: no result (\(String(cString: PQerrorMessage(handle))))", connectionLost: true)
                }
                let status = PQresultStatus(result)
                if status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK {
                    results.append(PGResult(result))
                } else {
                    if failure == nil && status != PGRES_PIPELINE_ABORTED {
                        let state = PQresultErrorField(result, cpostgres_diag_sqlstate()).map { String(cString: $0) }
                        let message = String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines)
                        failure = PostgresError(sqlState: state, message: "\(message) (in: \(statements[index].sql.prefix(60)))", connectionLost: isBroken)
                    }
                    PQclear(result)
                }
                // Each statement's results end with a NULL.
                if let extra = PQgetResult(handle) { PQclear(extra) }
            }
            guard let sync = PQgetResult(handle) else { throw PostgresError(message: "pipeline: no sync", connectionLost: true) }
            let synced = PQresultStatus(sync) == PGRES_PIPELINE_SYNC
            PQclear(sync)
            guard synced else { throw PostgresError(message: "pipeline: out of step", connectionLost: true) }
            if let failure { throw failure }
            start = end
        }
        return results
    }

    /// The name of `sql` prepared on this connection (prepared now if new).
    private func preparedName(_ sql: String, parameterCount: Int) throws(PostgresError) -> String {
        if let known = prepared[sql] { return known }
        let name = "s\(prepared.count)"
        let result = PQprepare(handle, name, sql, Int32(parameterCount), nil)
        try check(result, sql: sql)
        PQclear(result)
        prepared[sql] = name
        return name
    }

    /// Waits up to `timeout` for notifications (LISTEN) and returns their payloads by channel.
    func notifications(waiting timeout: Duration) throws(PostgresError) -> [(channel: String, payload: String)] {
        var found = drainNotifications()
        if !found.isEmpty { return found }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let millis = Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        _ = poll(&descriptor, 1, millis)
        guard PQconsumeInput(handle) == 1 else {
            throw PostgresError(message: String(cString: PQerrorMessage(handle)), connectionLost: true)
        }
        found = drainNotifications()
        return found
    }

    private func drainNotifications() -> [(channel: String, payload: String)] {
        var found: [(channel: String, payload: String)] = []
        while let notice = PQnotifies(handle) {
            found.append((String(cString: notice.pointee.relname), String(cString: notice.pointee.extra)))
            PQfreemem(notice)
        }
        return found
    }

    /// Throws (and frees `result`) unless it is a success.
    private func check(_ result: OpaquePointer?, sql: String) throws(PostgresError) {
        guard let result else {
            throw PostgresError(message: String(cString: PQerrorMessage(handle)), connectionLost: isBroken)
        }
        let status = PQresultStatus(result)
        if status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK { return }
        let state = PQresultErrorField(result, cpostgres_diag_sqlstate()).map { String(cString: $0) }
        let message = String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines)
        PQclear(result)
        throw PostgresError(sqlState: state, message: message.isEmpty ? String(cString: PQerrorMessage(handle)) : message, connectionLost: isBroken)
    }

    private static func withCStrings<T>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> T) -> T {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        return body(copies.map { UnsafePointer($0) } + [nil])
    }

    /// The parameters as libpq takes them: text for all but bytes (binary), nil for NULL.
    private static func withParameters<T>(
        _ parameters: [PGValue], _ body: ([UnsafePointer<CChar>?], [Int32], [Int32]) -> T
    ) -> T {
        var buffers: [UnsafeMutablePointer<CChar>?] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        buffers.reserveCapacity(parameters.count)
        defer { buffers.forEach { free($0) } }
        for parameter in parameters {
            switch parameter.encoded {
            case .none:
                buffers.append(nil)
                lengths.append(0)
                formats.append(0)
            case .text(let text):
                buffers.append(strdup(text))
                lengths.append(0)
                formats.append(0)
            case .binary(let bytes):
                let copy = malloc(max(1, bytes.count))!
                bytes.withUnsafeBytes { raw in
                    if let base = raw.baseAddress { copy.copyMemory(from: base, byteCount: bytes.count) }
                }
                buffers.append(copy.assumingMemoryBound(to: CChar.self))
                lengths.append(Int32(bytes.count))
                formats.append(1)
            }
        }
        return body(buffers.map { UnsafePointer($0) }, lengths, formats)
    }
}
