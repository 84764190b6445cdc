/// One inbound HTTP request as the core sees it: no sockets, just bytes.
public struct WebhookRequest: Sendable {
    public var method: String
    public var path: String
    /// Header fields in arrival order; look them up with `header(_:)`.
    public var headers: [HeaderField]
    public var body: [UInt8]

    public init(method: String, path: String, headers: [HeaderField], body: [UInt8]) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
    }

    /// The first value of a header, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveEquals(name) }?.value
    }

    /// The media type of the body, lowercased, without parameters (`application/json`).
    public var mediaType: String? {
        header("content-type").flatMap(Self.mediaType(of:))
    }

    /// The media type of a Content-Type value: up to the first `;`, spaces and tabs trimmed,
    /// lowercased (as `HeaderParameters` reads it); nil when that is empty. Copies the type once
    /// (and lowercases only when it has capitals).
    public static func mediaType(of contentType: String) -> String? {
        let type = HeaderParameters.leadingValue(of: contentType)
        guard !type.isEmpty else { return nil }
        return type.utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) ? type.lowercased() : String(type)
    }
}

extension String {
    /// ASCII case-insensitive equality, without allocating.
    public func caseInsensitiveEquals(_ other: String) -> Bool {
        let a = utf8, b = other.utf8
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) where x != y {
            let lx = (x >= 65 && x <= 90) ? x + 32 : x
            let ly = (y >= 65 && y <= 90) ? y + 32 : y
            if lx != ly { return false }
        }
        return true
    }
}
