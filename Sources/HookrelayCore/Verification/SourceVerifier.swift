/// Turns one inbound request on a source into a `ReceivedEvent` or the refusal to answer:
/// media type (415), signature and freshness (401), body (400), then event identity (400).
/// Mailgun's signature is inside the body, so for it the body is read (400) before the signature.
//
// Decisions beyond SPEC §2:
// - A timestamp that is not 1–18 ASCII digits is refused as `badSignature` (401), before any MAC.
// - `allow_unsigned = true` on a signed scheme lets a request that carries *no* signature through;
//   a present but wrong or stale signature is still refused. `verify = "none"` without
//   `allow_unsigned` refuses everything as `unsigned` (fail closed).
// - For `standard-webhooks`, a key whose bytes read `whsec_…` is base64-decoded here, so config may
//   pass secrets as text or already decoded; one that does not decode is never used.
// - Without `id_from` (and no scheme default), the id is `sha256:<hex of the body>`.
// - `json:` selectors on a form body read the field named by the whole dotted path.
public struct SourceVerifier: Sendable {
    public let source: SourceConfig
    /// Keys as the scheme uses them (`whsec_` secrets decoded).
    let keys: [[UInt8]]
    /// `max_age` in whole seconds.
    let maxAgeSeconds: Int64
    /// `id_from`, or the scheme's default.
    let idSelector: FieldSelector?
    /// `type_from`, or the scheme's default.
    let typeSelector: FieldSelector?

    public init(source: SourceConfig) {
        self.source = source
        maxAgeSeconds = max(0, source.maxAge.components.seconds)
        switch source.scheme {
        case .standardWebhooks:
            let prefix = Array("whsec_".utf8)
            keys = source.keys.compactMap { key in
                guard key.starts(with: prefix) else { return key }
                // The config loader refuses a secret that does not decode; one built in code is
                // dropped rather than used as its text (fail closed: its requests get 401).
                return StandardWebhooksSignature.decodeSecret(String(decoding: key, as: UTF8.self))
            }
            idSelector = nil  // webhook-id
            typeSelector = source.typeFrom ?? .json(["type"])
        case .github:
            keys = source.keys
            idSelector = source.idFrom ?? .header("X-GitHub-Delivery")
            typeSelector = source.typeFrom ?? .header("X-GitHub-Event")
        case .stripe:
            keys = source.keys
            idSelector = source.idFrom ?? .json(["id"])
            typeSelector = source.typeFrom ?? .json(["type"])
        case .mailgun, .slack, .hmacHeader, .none:
            keys = source.keys
            idSelector = source.idFrom
            typeSelector = source.typeFrom
        }
    }

    /// The refusal the headers alone decide (415: no or an unsupported Content-Type), or nil;
    /// lets a client waiting for `100 Continue` hear it before sending its body.
    public func refusal(headersOf request: WebhookRequest) -> IngestRefusal? {
        if case .failure(let refusal) = bodyKind(request) { return refusal }
        return nil
    }

    private func bodyKind(_ request: WebhookRequest) -> Result<(WebhookBody.Kind, contentType: String), IngestRefusal> {
        guard let contentType = request.header("content-type") else {
            return .failure(.unsupportedMediaType("missing Content-Type"))
        }
        let mediaType = WebhookRequest.mediaType(of: contentType)
        guard let kind = WebhookBody.Kind(mediaType: mediaType) else {
            return .failure(.unsupportedMediaType("unsupported media type \(Self.clipped(mediaType ?? contentType))"))
        }
        return .success((kind, contentType))
    }

    /// Verifies and identifies `request`; `now` is the current Unix time in seconds.
    public func receive(_ request: WebhookRequest, now: Int64) -> Result<ReceivedEvent, IngestRefusal> {
        receiveWithPayload(request, now: now).map(\.event)
    }

    /// `receive`, with the body as read on the way, for route filters (so it is parsed once).
    public func receiveWithPayload(_ request: WebhookRequest, now: Int64) -> Result<(event: ReceivedEvent, payload: EventPayload), IngestRefusal> {
        let kind: WebhookBody.Kind, contentType: String
        switch bodyKind(request) {
        case .success(let found): (kind, contentType) = found
        case .failure(let refusal): return .failure(refusal)
        }
        // Signatures in headers cover the raw body: checked before the body is read, so a request
        // that is not the sender's is 401 whatever its body holds. Mailgun's is inside the body.
        let signedInBody = source.scheme == .mailgun
        if !signedInBody, case .failure(let refusal) = authenticate(request, body: nil, now: now) {
            return .failure(refusal)
        }
        let body: WebhookBody
        do {
            body = try WebhookBody.parse(request.body, kind: kind, contentType: contentType)
        } catch {
            return .failure(error.tooLarge ? .tooLarge(error.reason) : .malformed(error.reason))
        }
        var token: String?
        if signedInBody {
            switch authenticate(request, body: body, now: now) {
            case .success(let value): token = value
            case .failure(let refusal): return .failure(refusal)
            }
        }
        return identify(request, body: body, contentType: contentType, token: token).map { ($0, EventPayload(body)) }
    }

    /// At most 64 characters of sender-supplied text, for refusal reasons.
    static func clipped(_ text: String) -> String {
        text.count <= 64 ? text : String(text.prefix(64)) + "…"
    }
}
