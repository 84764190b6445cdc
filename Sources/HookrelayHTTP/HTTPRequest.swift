public import HookrelayCore

/// A complete inbound HTTP request, body included, as handed to a responder.
public struct HTTPRequest: Sendable {
    public var method: String
    /// The request target as sent (`/path?query`).
    public var uri: String
    public var headers: [HeaderField]
    public var body: [UInt8]
    /// Runs work on the thread that owns the connection (its event loop), so a responder
    /// whose answer arrives on another thread (the store's writer) can move logging and
    /// formatting off that thread.
    public var onConnectionThread: @Sendable (@escaping @Sendable () -> Void) -> Void

    public init(
        method: String, uri: String, headers: [HeaderField], body: [UInt8],
        onConnectionThread: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void = { $0() }
    ) {
        self.method = method
        self.uri = uri
        self.headers = headers
        self.body = body
        self.onConnectionThread = onConnectionThread
    }

    /// The path, without the query string. A target in absolute form (`http://host/path`, which
    /// servers must accept, RFC 9112 §3.2.2) gives its path too.
    public var path: String {
        guard let rest = Self.afterScheme(Substring(uri)) else {
            // The usual origin form, read per request: the uri itself when it has no query.
            guard let question = uri.utf8.firstIndex(of: UInt8(ascii: "?")) else { return uri }
            return String(uri[..<question])
        }
        // The authority ends at the first "/", "?" or "#"; only a "/" starts a path.
        let end = rest.utf8.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? rest.endIndex
        guard end < rest.endIndex, rest.utf8[end] == UInt8(ascii: "/") else { return "/" }
        let target = rest[end...]
        return String(target[..<(target.utf8.firstIndex(of: UInt8(ascii: "?")) ?? target.endIndex)])
    }

    /// The authority of a target in absolute form (`http://host:port/path` gives `host:port`);
    /// nil for the usual origin form. A server must take it over `Host` (RFC 9112 §3.2.2).
    public var targetAuthority: Substring? {
        guard let rest = Self.afterScheme(Substring(uri)) else { return nil }
        let end = rest.utf8.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? rest.endIndex
        return rest[..<end]
    }

    /// What follows `http://` or `https://` (any case) at the start of `target`, if either is there.
    private static func afterScheme(_ target: Substring) -> Substring? {
        guard target.utf8.first != UInt8(ascii: "/") else { return nil }  // the usual origin form
        for scheme in ["http://", "https://"] where target.utf8.count >= scheme.utf8.count
            && String(target.prefix(scheme.count)).caseInsensitiveEquals(scheme) {
            return target.dropFirst(scheme.count)
        }
        return nil
    }

    /// Query parameters, decoded as a form body is (`+` is a space, `%XX` a byte, a `%` without
    /// two hex digits kept as it is); the first value of a repeated name.
    public var query: [String: String] {
        guard let question = uri.utf8.firstIndex(of: UInt8(ascii: "?")) else { return [:] }
        return FormURLEncodedParser.firstValues(ofQuery: uri[uri.index(after: question)...])
    }

    /// The first value of a header, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveEquals(name) }?.value
    }

    /// The same request in the core's terms.
    public var webhookRequest: WebhookRequest {
        WebhookRequest(method: method, path: path, headers: headers, body: body)
    }
}
