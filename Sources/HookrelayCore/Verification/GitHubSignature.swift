/// GitHub's webhook signature: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>`.
public enum GitHubSignature {
    /// The header carrying the signature.
    public static let headerName = "X-Hub-Signature-256"

    /// The header value for `body`: `"sha256=<hex>"`.
    public static func sign(key: [UInt8], body: [UInt8]) -> String {
        "sha256=" + HexEncoding.encode(HMACSHA256.authenticationCode(key: key, message: body))
    }

    /// True when `signatureHeader` (`sha256=<hex>`) is the signature of `body` under any of `keys`.
    public static func verify(keys: [[UInt8]], body: [UInt8], signatureHeader: String) -> Bool {
        let value = signatureHeader.utf8
        guard value.starts(with: "sha256=".utf8),
              let given = HexEncoding.decode(value.dropFirst(7)), given.count == HMACSHA256.byteCount else { return false }
        return HMACSHA256.anyKey(keys, message: body, matchesAnyOf: [given])
    }
}
