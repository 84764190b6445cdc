/// Which HTTP a destination is spoken to with (`http_version`).
///
/// - `auto` (default): HTTP/2 over TLS whenever the partner offers it (ALPN), with concurrent
///   attempts multiplexed on one connection; HTTP/1.1 on plain http.
/// - `1.1`: HTTP/1.1 always, one connection per attempt in flight (for a partner whose HTTP/2
///   misbehaves).
///
/// Cleartext HTTP/2 (h2c) is not offered: libcurl 7.88 fails concurrent uploads multiplexed on an
/// h2c connection ("Error in the HTTP2 framing layer"; docs/DECISIONS.md).
public enum HTTPVersionPreference: String, Sendable, CaseIterable {
    case auto
    case http1_1 = "1.1"
}
