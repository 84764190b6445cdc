/// One HTTP POST to a destination, ready for the transport: what the curl engine sends.
public struct OutboundRequest: Sendable, Equatable {
    public var url: String
    /// Every header to send, Content-Type included.
    public var headers: [HeaderField]
    public var body: [UInt8]
    /// Limit for the whole attempt (connect, send, wait, read).
    public var timeout: Duration

    public init(url: String, headers: [HeaderField], body: [UInt8], timeout: Duration) {
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}
