import Foundation

/// A connection that comes back by itself: opened when first needed, dropped when the server
/// goes away, opened again on a later use — but not more often than a backoff allows (100 ms,
/// doubling up to 5 s, SPEC §10), so a use while PostgreSQL is down fails at once instead of
/// waiting for a connect.
///
/// `@unchecked Sendable`: not locked itself; its one owner serialises every use
/// (`LockedPGSession`, the writer thread, or the listening thread).
final class PGSession: @unchecked Sendable {
    private let url: String
    /// Run on each new connection before its first use (LISTEN, settings).
    private let prepare: (PGConnection) throws -> Void
    private var current: PGConnection?
    private var retryAt = ContinuousClock.now
    private var backoff: Duration = .milliseconds(100)
    static let maxBackoff: Duration = .seconds(5)
    /// The last failure to connect, for messages.
    private(set) var lastError: PostgresError?

    init(url: String, prepare: @escaping (PGConnection) throws -> Void = { _ in }) {
        self.url = url
        self.prepare = prepare
    }

    /// True while a connection is open.
    var isConnected: Bool { current.map { !$0.isBroken } ?? false }

    /// The open connection, or a new one; throws when none can be had now.
    func connection() throws -> PGConnection {
        if let current, !current.isBroken { return current }
        current = nil
        guard ContinuousClock.now >= retryAt else {
            throw PostgresError(message: "PostgreSQL unreachable (\(lastError?.message ?? "reconnecting")); next try within \(backoff)", connectionLost: true)
        }
        do {
            let fresh = try PGConnection(url: url)
            try Self.settings(fresh)
            try prepare(fresh)
            current = fresh
            backoff = .milliseconds(100)
            lastError = nil
            return fresh
        } catch {
            lastError = error as? PostgresError ?? PostgresError(message: "\(error)", connectionLost: true)
            retryAt = ContinuousClock.now + backoff
            backoff = min(backoff * 2, Self.maxBackoff)
            throw error
        }
    }

    /// Runs `body` on the connection; a lost connection is dropped (the next use reconnects).
    func with<T>(_ body: (PGConnection) throws -> T) throws -> T {
        let connection = try connection()
        do {
            return try body(connection)
        } catch {
            if (error as? PostgresError)?.isUnavailable == true || connection.isBroken { drop() }
            throw error
        }
    }

    /// Closes the connection (the next use opens another).
    func drop() {
        current = nil
    }

    /// Every connection commits durably (SPEC §10: `200` only after PostgreSQL committed).
    private static func settings(_ connection: PGConnection) throws(PostgresError) {
        try connection.execute("SET synchronous_commit TO on; SET client_min_messages TO warning;")
    }
}

/// A `PGSession` shared by threads: one use at a time.
///
/// `@unchecked Sendable`: every use of `session` holds `lock`.
final class LockedPGSession: @unchecked Sendable {
    private let session: PGSession
    private let lock = NSLock()

    init(_ session: PGSession) {
        self.session = session
    }

    func with<T>(_ body: (PGConnection) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try session.with(body)
    }

    func drop() {
        lock.lock()
        session.drop()
        lock.unlock()
    }
}
