/// Step c of `SourceVerifier`: the signature of each scheme, then freshness.
extension SourceVerifier {
    /// Checks the request's signature and timestamp; on success gives the Mailgun token (nil for other schemes).
    /// `body` is the parsed body for Mailgun (its signature is in it); the other schemes read
    /// headers and the raw body only, and are called with nil, before the body is parsed.
    func authenticate(_ request: WebhookRequest, body: WebhookBody?, now: Int64) -> Result<String?, IngestRefusal> {
        switch source.scheme {
        case .mailgun:
            guard let body else { return .failure(.malformed("body not read")) }
            return authenticateMailgun(body, now: now)
        case .standardWebhooks:
            guard let id = request.header("webhook-id"), let timestamp = request.header("webhook-timestamp"),
                  let signature = request.header("webhook-signature") else {
                return unsigned("missing webhook-id, webhook-timestamp or webhook-signature header")
            }
            return check(timestamp: timestamp, now: now) {
                StandardWebhooksSignature.verify(secrets: keys, id: id, timestamp: timestamp, body: request.body, signatureHeader: signature)
            }
        case .github:
            guard let signature = request.header(GitHubSignature.headerName) else {
                return unsigned("missing \(GitHubSignature.headerName) header")
            }
            return GitHubSignature.verify(keys: keys, body: request.body, signatureHeader: signature)
                ? .success(nil) : .failure(.badSignature("signature matches no key"))
        case .stripe:
            guard let header = request.header(StripeSignature.headerName) else {
                return unsigned("missing \(StripeSignature.headerName) header")
            }
            guard let timestamp = StripeSignature.timestamp(in: header) else {
                return .failure(.badSignature("\(StripeSignature.headerName) has no t="))
            }
            return check(timestamp: timestamp, now: now) {
                StripeSignature.verify(keys: keys, body: request.body, signatureHeader: header)
            }
        case .slack:
            guard let signature = request.header(SlackSignature.signatureHeaderName),
                  let timestamp = request.header(SlackSignature.timestampHeaderName) else {
                return unsigned("missing \(SlackSignature.signatureHeaderName) or \(SlackSignature.timestampHeaderName) header")
            }
            return check(timestamp: timestamp, now: now) {
                SlackSignature.verify(keys: keys, timestamp: timestamp, body: request.body, signature: signature)
            }
        case .hmacHeader:
            let name = source.signatureHeader ?? HMACHeaderSignature.defaultHeaderName
            guard let signature = request.header(name) else { return unsigned("missing \(name) header") }
            return HMACHeaderSignature.verify(keys: keys, body: request.body, signature: signature, encoding: source.signatureEncoding)
                ? .success(nil) : .failure(.badSignature("signature matches no key"))
        case .none:
            return source.allowUnsigned ? .success(nil) : .failure(.unsigned("source does not allow unsigned requests"))
        }
    }

    /// Mailgun: `signature.{timestamp,token,signature}` in JSON, or the legacy form fields.
    private func authenticateMailgun(_ body: WebhookBody, now: Int64) -> Result<String?, IngestRefusal> {
        let timestamp: String?, token: String?, signature: String?
        let prefix: String
        switch body {
        case .json(let object):
            let block = object["signature"]?.objectValue
            timestamp = JSONLookup.text(of: block?["timestamp"])
            token = JSONLookup.text(of: block?["token"])
            signature = JSONLookup.text(of: block?["signature"])
            prefix = "signature."
        case .form(let fields):
            timestamp = fields.first("timestamp")
            token = fields.first("token")
            signature = fields.first("signature")
            prefix = ""
        }
        guard let timestamp, let token, let signature else {
            let missing = timestamp == nil ? "timestamp" : token == nil ? "token" : "signature"
            return unsigned("missing \(prefix)\(missing)")
        }
        return check(timestamp: timestamp, now: now) {
            MailgunSignature.verify(keys: keys, timestamp: timestamp, token: token, signature: signature)
        }.map { _ in token }
    }

    /// A missing signature: refused, unless the source allows unsigned requests.
    private func unsigned(_ reason: String) -> Result<String?, IngestRefusal> {
        source.allowUnsigned ? .success(nil) : .failure(.unsigned(reason))
    }

    /// The timestamp must be a Unix time, the signature must hold, then the time must be fresh.
    private func check(timestamp: String, now: Int64, signatureHolds: () -> Bool) -> Result<String?, IngestRefusal> {
        guard let seconds = Self.unixTime(timestamp) else {
            return .failure(.badSignature("timestamp is not a Unix time"))
        }
        guard signatureHolds() else { return .failure(.badSignature("signature matches no key")) }
        let (difference, overflow) = now.subtractingReportingOverflow(seconds)
        if overflow || difference.magnitude > UInt64(maxAgeSeconds) {
            return .failure(.stale("timestamp \(seconds) is more than \(maxAgeSeconds)s from now (\(now))"))
        }
        return .success(nil)
    }

    /// 1–18 ASCII digits as seconds; nil for anything else (signs, spaces, fractions, overflow).
    static func unixTime(_ text: String) -> Int64? {
        let digits = text.utf8
        guard (1...18).contains(digits.count) else { return nil }
        var value: Int64 = 0
        for c in digits {
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(c - UInt8(ascii: "0"))
        }
        return value
    }
}
