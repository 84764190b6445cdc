/// One HTTP POST to a destination, ready for the transport: what the curl engine sends.
public struct OutboundRequest: Sendable, Equatable {
    public var url: String
    /// Every header to send, Content-Type included.
    public var headers: [HeaderField]
    public var body: [UInt8]
    /// Limit for the whole attempt (connect, send, wait, read).
    public var timeout: Duration
    /// The PEM file of CA certificates to verify the server against; nil: the system's CAs.
    public var caFile: String?
    public var httpVersion: HTTPVersionPreference

    public init(
        url: String, headers: [HeaderField], body: [UInt8], timeout: Duration, caFile: String? = nil,
        httpVersion: HTTPVersionPreference = .auto
    ) {
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.caFile = caFile
        self.httpVersion = httpVersion
    }
}
