/// Stripe's webhook signature: `Stripe-Signature: t=<ts>,v1=<hex>[,v1=…]`, HMAC-SHA256 of `"{t}.{body}"`.
public enum StripeSignature {
    /// The header carrying timestamp and signatures.
    public static let headerName = "Stripe-Signature"

    /// The header value for `body` signed at `timestamp`: `"t=<timestamp>,v1=<hex>"`.
    public static func sign(key: [UInt8], timestamp: String, body: [UInt8]) -> String {
        let mac = HMACSHA256.authenticationCode(key: key, message: HMACSHA256.concatenate(timestamp + ".", body))
        return "t=" + timestamp + ",v1=" + HexEncoding.encode(mac)
    }

    /// The `t=` value of a header, or nil.
    public static func timestamp(in signatureHeader: String) -> String? {
        parse(signatureHeader).timestamp
    }

    /// True when any `v1=` entry of `signatureHeader` signs its `t=` and `body` under any of `keys`
    /// (other schemes such as `v0=` are ignored). Freshness of `t` is judged by `SourceVerifier`.
    public static func verify(keys: [[UInt8]], body: [UInt8], signatureHeader: String) -> Bool {
        let header = parse(signatureHeader)
        guard let timestamp = header.timestamp else { return false }
        return HMACSHA256.anyKey(keys, message: HMACSHA256.concatenate(timestamp + ".", body), matchesAnyOf: header.signatures)
    }

    /// The first `t=` and the decoded `v1=` MACs of a header (undecodable entries dropped).
    static func parse(_ header: String) -> (timestamp: String?, signatures: [[UInt8]]) {
        var timestamp: String?
        var signatures: [[UInt8]] = []
        for item in header.utf8.split(separator: UInt8(ascii: ",")) {
            var entry = item[...]
            while entry.first == 0x20 { entry.removeFirst() }
            while entry.last == 0x20 { entry.removeLast() }
            if entry.starts(with: "t=".utf8) {
                if timestamp == nil { timestamp = String(decoding: entry.dropFirst(2), as: UTF8.self) }
            } else if entry.starts(with: "v1=".utf8) {
                if let mac = HexEncoding.decode(entry.dropFirst(3)), mac.count == HMACSHA256.byteCount { signatures.append(mac) }
            }
        }
        return (timestamp, signatures)
    }
}
