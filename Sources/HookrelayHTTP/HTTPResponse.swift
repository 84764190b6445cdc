public import HookrelayCore

/// A complete HTTP response produced by a responder.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [HeaderField]
    public var body: [UInt8]

    public init(status: Int, headers: [HeaderField] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response whose body is JSON text.
    public static func json(_ status: Int, _ text: String, headers: [HeaderField] = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: [HeaderField(name: "Content-Type", value: "application/json")] + headers, body: Array(text.utf8))
    }

    /// A JSON error body: `{"status":"error","message":…}`.
    public static func error(_ status: Int, _ message: String, headers: [HeaderField] = []) -> HTTPResponse {
        json(status, #"{"status":"error","message":\#(JSONText.quote(message))}"#, headers: headers)
    }

    /// A plain-text response.
    public static func text(_ status: Int, _ text: String, contentType: String = "text/plain; charset=utf-8") -> HTTPResponse {
        HTTPResponse(status: status, headers: [HeaderField(name: "Content-Type", value: contentType)], body: Array(text.utf8))
    }
}

/// Answers complete requests. `completion` may be called on any thread, exactly once.
public protocol HTTPResponder: Sendable {
    func respond(to request: HTTPRequest, completion: @escaping @Sendable (HTTPResponse) -> Void)

    /// For a client that sent `Expect: 100-continue`: the answer its head alone already decides
    /// (wrong path, method or media type), sent instead of `100 Continue` so the body is never
    /// uploaded; nil to let it send the body. `request` has the head and an empty body. Runs on
    /// the connection's event loop: no blocking work.
    func refusal(beforeBody request: HTTPRequest) -> HTTPResponse?

    /// Told that the listener refused a request itself, for logs and metrics: 413 (the body is
    /// over `max_body`) or 400 (NIO could not parse the body). `request` has the head and an
    /// empty body. Runs on the connection's event loop.
    func refusedByListener(_ request: HTTPRequest, status: Int, reason: String)
}

extension HTTPResponder {
    public func refusal(beforeBody request: HTTPRequest) -> HTTPResponse? { nil }
    public func refusedByListener(_ request: HTTPRequest, status: Int, reason: String) {}
}
