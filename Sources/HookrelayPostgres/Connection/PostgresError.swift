/// A failed PostgreSQL call: the server's SQLSTATE and message, or a lost connection.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// The five-character SQLSTATE (`40P01` deadlock, `23505` unique violation, …); nil when
    /// the server gave none (the connection failed).
    public let sqlState: String?
    public let message: String
    /// True when the connection is gone and must be replaced.
    public let connectionLost: Bool

    init(sqlState: String? = nil, message: String, connectionLost: Bool = false) {
        self.sqlState = sqlState
        self.message = message
        self.connectionLost = connectionLost
    }

    /// A deadlock or serialization failure: the transaction may simply be run again.
    var isRetryable: Bool { sqlState == "40P01" || sqlState == "40001" }

    /// The server is shutting down or unreachable (connection errors, admin shutdown, 57Pxx, 08xxx).
    var isUnavailable: Bool {
        connectionLost || sqlState?.hasPrefix("08") == true || sqlState?.hasPrefix("57P") == true
    }

    public var description: String {
        sqlState.map { "\(message) (SQLSTATE \($0))" } ?? message
    }
}
