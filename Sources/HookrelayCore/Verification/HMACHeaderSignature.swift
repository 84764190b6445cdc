/// A generic signature: HMAC-SHA256 of the body, hex or base64, in a header the source names
/// (an optional `sha256=` prefix is accepted).
public enum HMACHeaderSignature {
    /// The header used when a source names none.
    public static let defaultHeaderName = "X-Signature"

    /// The bare signature of `body` (no prefix) in `encoding`.
    public static func sign(key: [UInt8], body: [UInt8], encoding: SignatureEncoding) -> String {
        let mac = HMACSHA256.authenticationCode(key: key, message: body)
        switch encoding {
        case .hex: return HexEncoding.encode(mac)
        case .base64: return Base64Encoding.encode(mac)
        }
    }

    /// True when `signature` (optionally `sha256=`-prefixed, surrounding spaces ignored) signs `body`
    /// under any of `keys`. Hex is accepted in either case.
    public static func verify(keys: [[UInt8]], body: [UInt8], signature: String, encoding: SignatureEncoding) -> Bool {
        var text = Substring(signature)
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        if text.utf8.starts(with: "sha256=".utf8) { text = text.dropFirst(7) }
        let given: [UInt8]?
        switch encoding {
        case .hex: given = HexEncoding.decode(text.utf8)
        case .base64: given = Base64Encoding.decode(String(text))
        }
        guard let given, given.count == HMACSHA256.byteCount else { return false }
        return HMACSHA256.anyKey(keys, message: body, matchesAnyOf: [given])
    }
}
