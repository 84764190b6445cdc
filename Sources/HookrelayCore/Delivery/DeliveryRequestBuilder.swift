import Foundation

/// Makes the request for one attempt of one delivery (SPEC §5): the body per the destination's
/// rewrite, redaction and partner signature, the destination's extra headers, and on every
/// request `User-Agent`, `X-Hookrelay-Event-Id` and `X-Hookrelay-Attempt`.
///
/// `passthrough` sends the stored bytes and content type untouched (nothing is parsed). `json`
/// sends Mailgun's JSON shape (a JSON body as is unless redaction or signing changed it; a legacy
/// form event converted); `template` renders the destination's template, parsed once here, over
/// that shape. Mailgun re-signing replaces the `signature` object — in a template it is what
/// `{{signature.timestamp}}`, `{{signature.token}}` and `{{signature.signature}}` give.
public struct DeliveryRequestBuilder: Sendable {
    public let destination: DestinationConfig
    private let userAgent = "hookrelay/\(HookrelayVersion.current)"
    /// The parsed template (template rewrite only), or why it cannot be used.
    private let template: Result<EventTemplate, RewriteError>?
    /// The partner signer (with `sign`), or why its key cannot be used.
    private let signer: Result<PartnerSigner, RewriteError>?

    public init(destination: DestinationConfig) {
        self.destination = destination
        if destination.rewrite == .template {
            template = Result { () throws(RewriteError) in
                guard let text = destination.template else { throw RewriteError("rewrite = \"template\" without a template") }
                return try EventTemplate(text)
            }
        } else {
            template = nil
        }
        if let scheme = destination.sign {
            signer = Result { () throws(RewriteError) in
                return try PartnerSigner(scheme: scheme, keys: destination.signKeys)
            }
        } else {
            signer = nil
        }
    }

    /// The request for attempt number `attempt` (the first is 1) of event `eventID`, whose
    /// stored body and content type are given; `url` is the delivery's URL and `now` the Unix
    /// time in seconds (the timestamp of a partner signature). Throws when the body cannot be
    /// shaped for this destination: retrying would not help.
    public func request(
        url: String, eventID: String, attempt: Int, body: [UInt8], contentType: String, now: Int64
    ) throws(RewriteError) -> OutboundRequest {
        let signer = try self.signer?.get()
        var outBody = body
        var outType = contentType
        var signatureHeaders: [HeaderField] = []

        if destination.rewrite != .passthrough {
            var document = try EventDocument(body: body, contentType: contentType)
            if destination.redact { document.redact() }
            if case .mailgun(let mailgun)? = signer {
                try document.setSignature(mailgun.signatureBlock(eventID: eventID, url: url, timestamp: now))
            }
            switch destination.rewrite {
            case .template:
                guard let template else { throw RewriteError("rewrite = \"template\" without a template") }
                outBody = Array(try template.get().render(document.value).utf8)
            case .json, .passthrough:
                if document.changed { outBody = document.value.serialized() }
            }
            outType = "application/json"
        }
        // Signed last, over the exact bytes sent. With passthrough (which `check` refuses) only
        // headers could be signed, and they are: the body stays as received.
        if case .standardWebhooks(let standard)? = signer {
            signatureHeaders = standard.headers(eventID: eventID, url: url, timestamp: now, body: outBody)
        }

        var headers: [HeaderField] = []
        headers.reserveCapacity(destination.headers.count + 7)
        headers.append(HeaderField(name: "Content-Type", value: outType))
        headers.append(HeaderField(name: "User-Agent", value: userAgent))
        headers.append(HeaderField(name: "X-Hookrelay-Event-Id", value: eventID))
        headers.append(HeaderField(name: "X-Hookrelay-Attempt", value: String(attempt)))
        headers.append(contentsOf: signatureHeaders)
        headers.append(contentsOf: destination.headers)
        return OutboundRequest(url: url, headers: headers, body: outBody, timeout: destination.timeout, caFile: destination.caFile,
            httpVersion: destination.httpVersion
        )
    }
}
