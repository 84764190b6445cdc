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
        guard let value = header("content-type") else { return nil }
        let type = value.split(separator: ";", maxSplits: 1).first.map { $0.trimmingSpaces } ?? ""
        return type.isEmpty ? nil : type.lowercased()
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
