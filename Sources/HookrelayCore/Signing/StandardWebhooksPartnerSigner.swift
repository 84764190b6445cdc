/// Signs deliveries for a Standard Webhooks consumer: `webhook-id` stable per (event id,
/// destination URL), `webhook-timestamp` fresh per attempt, `webhook-signature` = `v1,<base64>`
/// HMAC-SHA256 over `id.timestamp.body`, one per secret, space-separated (the standard allows
/// several, so a consumer verifies with either key while a key is being rotated).
public struct StandardWebhooksPartnerSigner: Sendable {
    /// The first secret: it makes `webhook-id`.
    private let secret: [UInt8]
    /// Every secret, the first included, in order: one signature each.
    private let secrets: [[UInt8]]

    /// `secret` as configured: `whsec_<base64>` is decoded, anything else used as UTF-8 bytes.
    /// Throws when the secret is empty or a `whsec_` secret is not base64 of at least one byte.
    public init(secret: String) throws(RewriteError) {
        do {
            try self.init(checkingSecret: secret)
        } catch {
            throw error.rewriteError
        }
    }

    /// The same, with the problem as the config loader reports it
    /// (`StandardWebhooksSignature.secretBytes`, which the verifier uses too).
    public init(checkingSecret secret: String) throws(SigningKeyError) {
        try self.init(checkingSecrets: [secret])
    }

    /// Several secrets (at least one), each checked as `init(checkingSecret:)` does.
    public init(checkingSecrets secrets: [String]) throws(SigningKeyError) {
        var decoded: [[UInt8]] = []
        for secret in secrets { decoded.append(try StandardWebhooksSignature.secretBytes(secret)) }
        guard let first = decoded.first else { throw SigningKeyError("the key is empty") }
        self.secret = first
        self.secrets = decoded
    }

    /// The message id for one delivery: `msg_` and 32 hex digits of HMAC-SHA256(secret, eventID "\n" url).
    public func webhookID(eventID: String, url: String) -> String {
        let mac = HMACSHA256.authenticationCode(key: secret, message: Array((eventID + "\n" + url).utf8))
        return "msg_" + HexEncoding.encode(mac).prefix(32)
    }

    /// The three headers for one attempt sending `body`.
    public func headers(eventID: String, url: String, timestamp: Int64, body: [UInt8]) -> [HeaderField] {
        let id = webhookID(eventID: eventID, url: url)
        let timestampText = String(timestamp)
        return [
            HeaderField(name: "webhook-id", value: id),
            HeaderField(name: "webhook-timestamp", value: timestampText),
            HeaderField(name: "webhook-signature", value: signatures(id: id, timestamp: timestampText, body: body)),
        ]
    }

    /// `v1,<sig>` per secret, space-separated.
    private func signatures(id: String, timestamp: String, body: [UInt8]) -> String {
        if secrets.count == 1 { return StandardWebhooksSignature.sign(secret: secret, id: id, timestamp: timestamp, body: body) }
        return secrets.map { StandardWebhooksSignature.sign(secret: $0, id: id, timestamp: timestamp, body: body) }.joined(separator: " ")
    }
}
