/// Standard Webhooks (standardwebhooks.com) signatures: `v1,` base64 HMAC-SHA256(secret, "id.timestamp.body").
public enum StandardWebhooksSignature {
    /// The key bytes of a secret: a `whsec_`-prefixed secret is base64 after the prefix (nil if that
    /// is not base64); any other secret is used as its UTF-8 bytes.
    public static func decodeSecret(_ s: String) -> [UInt8]? {
        if s.hasPrefix("whsec_") { return Base64Encoding.decode(String(s.dropFirst(6))) }
        return Array(s.utf8)
    }

    /// The `webhook-signature` entry for one message: `"v1,<base64>"`.
    public static func sign(secret: [UInt8], id: String, timestamp: String, body: [UInt8]) -> String {
        let mac = HMACSHA256.authenticationCode(key: secret, message: signedContent(id: id, timestamp: timestamp, body: body))
        return "v1," + Base64Encoding.encode(mac)
    }

    /// True when any `v1,` entry of the space-separated `signatureHeader` is the signature of the
    /// message under any of `secrets` (entries of other versions are ignored). Constant-time compare.
    /// Does not judge freshness: `SourceVerifier` does that after the signature holds.
    public static func verify(secrets: [[UInt8]], id: String, timestamp: String, body: [UInt8], signatureHeader: String) -> Bool {
        let given = signatures(in: signatureHeader)
        guard !given.isEmpty else { return false }
        return HMACSHA256.anyKey(secrets, message: signedContent(id: id, timestamp: timestamp, body: body), matchesAnyOf: given)
    }

    /// Decoded MACs of the `v1,` entries in a `webhook-signature` header; undecodable entries dropped.
    static func signatures(in header: String) -> [[UInt8]] {
        var out: [[UInt8]] = []
        for entry in header.utf8.split(separator: UInt8(ascii: " ")) {
            guard entry.count > 3, entry.starts(with: "v1,".utf8) else { continue }
            let text = String(decoding: entry.dropFirst(3), as: UTF8.self)
            if let mac = Base64Encoding.decode(text), mac.count == HMACSHA256.byteCount { out.append(mac) }
        }
        return out
    }

    /// The signed content: `id.timestamp.body`.
    static func signedContent(id: String, timestamp: String, body: [UInt8]) -> [UInt8] {
        var content = [UInt8]()
        content.reserveCapacity(id.utf8.count + timestamp.utf8.count + body.count + 2)
        content.append(contentsOf: id.utf8)
        content.append(UInt8(ascii: "."))
        content.append(contentsOf: timestamp.utf8)
        content.append(UInt8(ascii: "."))
        content.append(contentsOf: body)
        return content
    }
}
