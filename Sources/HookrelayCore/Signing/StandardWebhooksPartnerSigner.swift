/// Signs deliveries for a Standard Webhooks consumer: `webhook-id` stable per (event id,
/// destination URL), `webhook-timestamp` fresh per attempt, `webhook-signature` = `v1,<base64>`
/// HMAC-SHA256 over `id.timestamp.body`.
public struct StandardWebhooksPartnerSigner: Sendable {
    private let secret: [UInt8]

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
        self.secret = try StandardWebhooksSignature.secretBytes(secret)
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
            HeaderField(name: "webhook-signature", value: StandardWebhooksSignature.sign(secret: secret, id: id, timestamp: timestampText, body: body)),
        ]
    }
}
