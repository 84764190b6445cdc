/// Standard Webhooks (standardwebhooks.com) signatures: `v1,` base64 HMAC-SHA256(secret, "id.timestamp.body").
public enum StandardWebhooksSignature {
    /// The prefix of a secret written as base64 (`whsec_<base64 of the key bytes>`).
    public static let secretPrefix = "whsec_"

    /// The key bytes of a secret as configured: a `whsec_`-prefixed secret is the base64 after
    /// the prefix; any other secret is its UTF-8 bytes. Throws for an empty secret and for a
    /// `whsec_` secret that is not base64 or decodes to no bytes. The one decoding of secrets:
    /// the verifier, the partner signer and the config loader (which refuses what this refuses).
    public static func secretBytes(_ s: String) throws(SigningKeyError) -> [UInt8] {
        guard !s.isEmpty else { throw SigningKeyError("the secret is empty") }
        guard s.hasPrefix(secretPrefix) else { return Array(s.utf8) }
        let encoded = String(s.dropFirst(secretPrefix.count))
        let expected = "a whsec_ secret is \"whsec_\" followed by the base64 (A-Z, a-z, 0-9, +, /, = padding) of the key bytes"
        guard !encoded.isEmpty else { throw SigningKeyError("nothing follows \"whsec_\"; \(expected)") }
        guard let bytes = Base64Encoding.decode(encoded) else {
            let problem = Base64Encoding.problem(in: encoded) ?? "it cannot be decoded"
            throw SigningKeyError("invalid base64 after \"whsec_\": \(problem); \(expected)")
        }
        guard !bytes.isEmpty else { throw SigningKeyError("the base64 after \"whsec_\" decodes to no bytes; \(expected)") }
        return bytes
    }

    /// The key bytes of a secret (`secretBytes`), or nil when it cannot be used.
    public static func decodeSecret(_ s: String) -> [UInt8]? {
        try? secretBytes(s)
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
