/// Re-signs events for a partner that verifies Mailgun signatures with its own key: a fresh
/// timestamp per attempt, and a token derived from (event id, destination URL) so every attempt
/// of one delivery carries the same token and the partner can deduplicate on it.
public struct MailgunPartnerSigner: Sendable {
    private let key: [UInt8]

    /// `key` is the partner's signing key, used as its UTF-8 bytes (as Mailgun's keys are).
    public init(key: String) {
        self.key = Array(key.utf8)
    }

    /// The token for one delivery: the first 50 hex digits of HMAC-SHA256(key, eventID "\n" url).
    public func token(eventID: String, url: String) -> String {
        let mac = HMACSHA256.authenticationCode(key: key, message: Array((eventID + "\n" + url).utf8))
        return String(HexEncoding.encode(mac).prefix(50))
    }

    /// The `signature` object for one attempt: `timestamp` (Unix seconds as text), `token`, and
    /// `signature` = hex HMAC-SHA256(key, timestamp ‖ token).
    public func signatureBlock(eventID: String, url: String, timestamp: Int64) -> JSONValue {
        let timestampText = String(timestamp)
        let token = token(eventID: eventID, url: url)
        let signature = MailgunSignature.sign(key: key, timestamp: timestampText, token: token)
        return .object(JSONObject([
            .init("timestamp", .string(timestampText)),
            .init("token", .string(token)),
            .init("signature", .string(signature)),
        ]))
    }
}
