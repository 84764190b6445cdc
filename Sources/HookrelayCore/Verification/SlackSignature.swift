/// Slack's request signature: `X-Slack-Signature: v0=<hex HMAC-SHA256(secret, "v0:{ts}:{body}")>`
/// with the timestamp in `X-Slack-Request-Timestamp`.
public enum SlackSignature {
    /// The header carrying the signature.
    public static let signatureHeaderName = "X-Slack-Signature"
    /// The header carrying the Unix timestamp that is signed.
    public static let timestampHeaderName = "X-Slack-Request-Timestamp"

    /// The `X-Slack-Signature` value for `body` sent at `timestamp`: `"v0=<hex>"`.
    public static func sign(key: [UInt8], timestamp: String, body: [UInt8]) -> String {
        "v0=" + HexEncoding.encode(HMACSHA256.authenticationCode(key: key, message: baseString(timestamp: timestamp, body: body)))
    }

    /// True when `signature` (`v0=<hex>`) signs `timestamp` and `body` under any of `keys`.
    /// Freshness of `timestamp` is judged by `SourceVerifier`.
    public static func verify(keys: [[UInt8]], timestamp: String, body: [UInt8], signature: String) -> Bool {
        let value = signature.utf8
        guard value.starts(with: "v0=".utf8),
              let given = HexEncoding.decode(value.dropFirst(3)), given.count == HMACSHA256.byteCount else { return false }
        return HMACSHA256.anyKey(keys, message: baseString(timestamp: timestamp, body: body), matchesAnyOf: [given])
    }

    static func baseString(timestamp: String, body: [UInt8]) -> [UInt8] {
        HMACSHA256.concatenate("v0:" + timestamp + ":", body)
    }
}
