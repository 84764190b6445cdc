/// What one delivery attempt came back with: an HTTP answer, or a transport failure.
public struct AttemptResult: Sendable, Equatable {
    /// The HTTP status; nil when no answer came (timeout, refused, TLS, DNS…).
    public var status: Int?
    /// The transport failure, when there was no HTTP answer.
    public var transportError: TransportError?
    /// The server's `Retry-After`, when it sent one.
    public var retryAfter: Duration?
    /// At most 1 KiB of the response body, for the failure log.
    public var responseSnippet: String
    /// How long the attempt took.
    public var latency: Duration

    public init(status: Int?, transportError: TransportError? = nil, retryAfter: Duration? = nil, responseSnippet: String = "", latency: Duration = .zero) {
        self.status = status
        self.transportError = transportError
        self.retryAfter = retryAfter
        self.responseSnippet = responseSnippet
        self.latency = latency
    }

    /// The failure log's `error` field: `http` when an answer came, else the transport error's kind.
    public var errorKind: String { transportError?.kind.rawValue ?? "http" }
}

/// Why an attempt got no HTTP answer.
public struct TransportError: Sendable, Equatable, CustomStringConvertible {
    /// A short stable name for the failure log and metric labels.
    public enum Kind: String, Sendable, CaseIterable {
        case timeout, connect, dns, tls, network, protocolError = "protocol", other
        /// The engine stopped before the attempt finished: not a failure of the destination.
        case cancelled
    }

    public var kind: Kind
    /// The transport's own words (curl's error buffer).
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}
