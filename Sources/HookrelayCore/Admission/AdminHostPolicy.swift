/// Which requests the admin listener serves, by their `Host` and `Origin` (SPEC §11), so a web
/// page in an operator's browser cannot reach the admin API through DNS rebinding:
/// - `Host` (with or without a port) must be a loopback address, `localhost`, the host of
///   `admin_listen`, or one of `admin_hosts`; otherwise `421`, checked before the token.
/// - A state-changing call (`POST` to `/admin/…`) whose `Origin` is present and is not
///   `http://` + its own `Host` is refused with `403`.
public struct AdminHostPolicy: Sendable {
    /// Lowercased names (and IP literals, without brackets) allowed besides loopback.
    private let allowed: Set<String>

    public init(listenHost: String, adminHosts: [String]) {
        allowed = Set(([listenHost] + adminHosts).map { Self.normalized(Substring($0)) })
    }

    /// The answer `Host` alone already decides: nil to go on, else the status and reason.
    public func refusal(host: String?) -> (status: Int, reason: String)? {
        guard let host, let name = Self.hostName(host) else {
            return (421, "this admin listener answers only to a loopback Host or one in admin_hosts")
        }
        if LoopbackHost.isLoopback(name) || allowed.contains(name) { return nil }
        return (421, "this admin listener answers only to a loopback Host or one in admin_hosts")
    }

    /// The answer `Origin` decides for a state-changing call (`POST` to `/admin/…`): nil to go on.
    public func refusal(origin: String?, host: String?) -> (status: Int, reason: String)? {
        guard let origin else { return nil }
        guard let host, origin.utf8.count == host.utf8.count + 7,
              origin.lowercased() == "http://" + host.lowercased() else {
            return (403, "cross-origin request refused: Origin is not this admin listener")
        }
        return nil
    }

    /// The host part of a `Host` header value, lowercased, brackets and port removed; nil when
    /// the value is not `host`, `host:port`, `[v6]` or `[v6]:port`.
    static func hostName(_ value: String) -> String? {
        let text = Substring(value)
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let rest = text[text.index(after: close)...]
            guard rest.isEmpty || isPort(rest.dropFirst()) && rest.first == ":" else { return nil }
            return normalized(text[text.index(after: text.startIndex)..<close])
        }
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let name = parts.first, !name.isEmpty else { return nil }
        if parts.count == 2, !isPort(parts[1]) { return nil }
        return normalized(name)
    }

    /// True for what `admin_hosts` may list: a DNS name or an IP literal (a v6 one with or
    /// without brackets), no port, scheme or path.
    public static func isHostName(_ text: String) -> Bool {
        let name = Substring(text)
        if name.hasPrefix("["), name.hasSuffix("]") { return LoopbackHost.ipv6Words(name.dropFirst().dropLast()) != nil }
        if LoopbackHost.ipv6Words(name) != nil { return true }
        return !name.isEmpty && name.utf8.count <= 253 && name.utf8.allSatisfy {
            (0x30...0x39).contains($0) || (0x61...0x7A).contains($0 | 0x20) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".")
        }
    }

    private static func isPort(_ text: Substring) -> Bool {
        !text.isEmpty && text.count <= 5 && text.utf8.allSatisfy { (0x30...0x39).contains($0) }
    }

    /// Lowercased, brackets removed, one trailing dot dropped (`localhost.` is `localhost`).
    private static func normalized(_ name: Substring) -> String {
        var name = name
        if name.hasPrefix("["), name.hasSuffix("]") { name = name.dropFirst().dropLast() }
        if name.count > 1, name.hasSuffix(".") { name = name.dropLast() }
        return name.lowercased()
    }
}
