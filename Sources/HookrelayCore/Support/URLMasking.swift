/// A destination URL as an operator may see it printed: scheme, host, port and first path
/// segment kept, anything that may be a secret replaced by `***`.
///
/// - userinfo: `user:password@` becomes `user:***@`; a userinfo without a password (or with
///   an empty one, as in `https://sk_live_x:@api.example.com`) is often itself the credential,
///   so it becomes `***@`.
/// - path: with more than one segment only the first is kept: `/services/T0/B0/XX` becomes
///   `/services/***` (a trailing `/` alone counts as no further segment).
/// - query: each value becomes `***`, names are kept (`?token=***&v=***`); an item without `=`
///   becomes `***`.
/// - fragment: `#***` when not empty.
///
/// Works on the text as written (no percent-decoding, no normalisation), so an unusual or
/// invalid URL is masked the same way: whatever follows the authority is hidden as above.
public enum URLMasking {
    public static func mask(_ url: String) -> String {
        var rest = Substring(url)
        var fragment: Substring? = nil
        if let hash = rest.firstIndex(of: "#") {
            fragment = rest[rest.index(after: hash)...]
            rest = rest[..<hash]
        }
        var query: Substring? = nil
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var scheme: Substring = ""
        if let separator = rest.firstRange(of: "://") {
            scheme = rest[..<separator.upperBound]
            rest = rest[separator.upperBound...]
        }
        let pathStart = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<pathStart]
        let path = rest[pathStart...]

        var masked = String(scheme) + maskAuthority(authority) + maskPath(path)
        if let query { masked += "?" + maskQuery(query) }
        if let fragment { masked += fragment.isEmpty ? "#" : "#***" }
        return masked
    }

    /// `user:***@host:port`, `***@host:port` or `host:port` (IPv6 literals included: only the
    /// part before the last `@` is userinfo).
    private static func maskAuthority(_ authority: Substring) -> String {
        guard let at = authority.lastIndex(of: "@") else { return String(authority) }
        let userinfo = authority[..<at]
        let hostAndPort = String(authority[authority.index(after: at)...])
        if userinfo.isEmpty { return "@" + hostAndPort }
        if let colon = userinfo.firstIndex(of: ":"), colon != userinfo.startIndex,
           userinfo.index(after: colon) != userinfo.endIndex {
            return String(userinfo[..<colon]) + ":***@" + hostAndPort
        }
        return "***@" + hostAndPort
    }

    /// `""`, `/` and `/first` (or `/first/`) as they are; `/first/***` for anything longer.
    private static func maskPath(_ path: Substring) -> String {
        guard path.count > 1 else { return String(path) }
        let afterSlash = path.dropFirst()
        guard let slash = afterSlash.firstIndex(of: "/") else { return String(path) }
        let first = afterSlash[..<slash]
        if afterSlash.index(after: slash) == afterSlash.endIndex { return String(path) }
        return "/" + String(first) + "/***"
    }

    /// Names kept, values replaced: `a=***&b=***`; empty items stay empty.
    private static func maskQuery(_ query: Substring) -> String {
        query.split(separator: "&", omittingEmptySubsequences: false).map { item -> String in
            if item.isEmpty { return "" }
            guard let equals = item.firstIndex(of: "=") else { return "***" }
            return String(item[..<equals]) + "=***"
        }.joined(separator: "&")
    }
}
