import HookrelayConfig
import HookrelayCore

/// The bodies of the fuzz targets (`FuzzTarget`). Each runs an input as the relay would: ingest
/// (`SourceVerifier.receive`), and for an accepted event the attempts of two destinations that
/// rewrite it (`DeliveryRequestBuilder.request`: JSON with redaction and Mailgun re-signing, and a
/// template with Standard Webhooks signing).
enum FuzzEntries {
    /// The clock of every target: timestamps in the seeds are this Unix time.
    static let now: Int64 = 1_700_000_000
    /// The signing key of every source.
    static let key = Array("fuzz-key".utf8)
    /// Where a signed target's input asks for a valid signature: in a header value (or, for
    /// Mailgun, in the body) this text is replaced by the signature of the input as it stands,
    /// so the fuzzer gets past the MAC to the parsing behind it.
    static let signaturePlaceholder = "{sig}"

    /// Builds every shared value below and uses it once (see `FuzzTarget.prepare`).
    static func prepare() {
        let body = Array(sampleEventText.utf8)
        for builder in destinations {
            _ = try? builder.request(url: builder.destination.url, eventID: "fuzz-id", attempt: 1, body: body, contentType: "application/json", now: now)
        }
        for verifier in unsignedVerifiers {
            _ = verifier.receive(WebhookRequest(method: "POST", path: "/fuzz", headers: [HeaderField(name: "Content-Type", value: "application/json")], body: body), now: now)
        }
        _ = legacyTemplate.render(sampleEvent)
    }

    // MARK: Targets

    static func json(_ bytes: [UInt8]) {
        let request = WebhookRequest(method: "POST", path: "/fuzz", headers: [HeaderField(name: "Content-Type", value: "application/json")], body: bytes)
        ingest(request, into: unsignedVerifiers)
        // A stored body is read again for each rewrite (lenient parse); read every input that way too.
        if let document = try? EventDocument(body: bytes, contentType: "application/json") {
            checkRoundTrip(document.value)
        }
    }

    static func form(_ bytes: [UInt8]) {
        let request = WebhookRequest(method: "POST", path: "/fuzz", headers: [HeaderField(name: "Content-Type", value: "application/x-www-form-urlencoded")], body: bytes)
        ingest(request, into: unsignedVerifiers)
    }

    static func multipart(_ bytes: [UInt8]) {
        ingest(requestWithContentType(bytes, default: "multipart/form-data; boundary=fuzz"), into: unsignedVerifiers)
    }

    static func legacy(_ bytes: [UInt8]) {
        let request = requestWithContentType(bytes, default: "application/x-www-form-urlencoded")
        ingest(request, into: unsignedVerifiers)
        let contentType = request.header("content-type") ?? ""
        guard var document = try? EventDocument(body: request.body, contentType: contentType) else { return }
        checkRoundTrip(document.value)
        document.redact()
        _ = legacyTemplate.render(document.value)
        try? document.setSignature(.object(JSONObject([JSONObject.Member("token", .string("t"))])))
        checkRoundTrip(document.value)
    }

    static func template(_ bytes: [UInt8]) {
        let input = FuzzSplitInput(bytes)
        guard let template = try? EventTemplate(parsing: String(decoding: input.before, as: UTF8.self)) else { return }
        var event = sampleEvent
        if let after = input.after, let document = try? EventDocument(body: after, contentType: "application/json") {
            event = document.value
        }
        _ = template.render(event)
    }

    static func config(_ bytes: [UInt8]) {
        // A path that does not exist: relative `file:` values and `data_dir` resolve under it, read nothing.
        guard let loaded = try? RelayConfigLoader.load(
            text: String(decoding: bytes, as: UTF8.self), path: "/nonexistent/hookrelay-fuzz/relay.conf",
            environment: ["FUZZ_KEY": "fuzz-key", "FUZZ_URL": "http://127.0.0.1:9/"]
        ) else { return }
        // What `serve` builds from an accepted config: a verifier per source, a request builder per destination.
        let body = Array(sampleEventText.utf8)
        for source in loaded.config.sources {
            let verifier = SourceVerifier(source: source)
            _ = verifier.receive(WebhookRequest(method: "POST", path: source.path, headers: [HeaderField(name: "Content-Type", value: "application/json")], body: body), now: now)
        }
        for destination in loaded.config.destinations {
            let builder = DeliveryRequestBuilder(destination: destination)
            _ = try? builder.request(url: destination.url, eventID: "fuzz-id", attempt: 1, body: body, contentType: "application/json", now: now)
        }
        _ = loaded.routingTable
    }

    /// A signed scheme: the input's header lines, an empty line, then the body.
    static func signed(_ scheme: VerificationScheme, _ bytes: [UInt8]) {
        let input = FuzzRequestInput(bytes)
        switch scheme {
        case .hmacHeader:
            for encoding in SignatureEncoding.allCases {
                let request = signing(input, with: HMACHeaderSignature.sign(key: key, body: input.body, encoding: encoding))
                ingest(request, into: [verifier(scheme, encoding: encoding), verifier(scheme, encoding: encoding, allowUnsigned: true)])
            }
        case .mailgun:
            let timestamp = input.header("Fuzz-Timestamp") ?? ""
            let signature = MailgunSignature.sign(key: key, timestamp: timestamp, token: input.header("Fuzz-Token") ?? "")
            var request = input.request
            request.body = replacing(Array(signaturePlaceholder.utf8), with: Array(signature.utf8), in: request.body)
            ingest(request, into: [verifier(scheme), verifier(scheme, allowUnsigned: true)])
        default:
            let signature: String
            switch scheme {
            case .standardWebhooks:
                signature = StandardWebhooksSignature.sign(secret: key, id: input.header("webhook-id") ?? "",
                                                           timestamp: input.header("webhook-timestamp") ?? "", body: input.body)
            case .github:
                signature = GitHubSignature.sign(key: key, body: input.body)
            case .stripe:
                signature = StripeSignature.sign(key: key, timestamp: input.header("Fuzz-Timestamp") ?? "", body: input.body)
            case .slack:
                signature = SlackSignature.sign(key: key, timestamp: input.header(SlackSignature.timestampHeaderName) ?? "", body: input.body)
            default:
                signature = ""
            }
            ingest(signing(input, with: signature), into: [verifier(scheme), verifier(scheme, allowUnsigned: true)])
        }
    }

    // MARK: The relay's path

    /// Receives `request` on each verifier; an accepted event goes through both destinations' attempts.
    static func ingest(_ request: WebhookRequest, into verifiers: [SourceVerifier]) {
        for verifier in verifiers {
            _ = verifier.refusal(headersOf: request)
            guard case .success(let event) = verifier.receive(request, now: now) else { continue }
            // What the store and every attempt's X-Hookrelay-Event-Id header rely on.
            precondition(!event.id.isEmpty && HeaderField.isSendableValue(event.id), "accepted an event id that cannot be sent")
            for builder in destinations {
                _ = try? builder.request(url: builder.destination.url, eventID: event.id, attempt: 1,
                                         body: request.body, contentType: event.contentType, now: now)
            }
        }
    }

    /// A value the rewriter serialises must read back as the same value.
    static func checkRoundTrip(_ value: JSONValue) {
        let text = value.serialized()
        guard let again = try? JSONValue(parsing: text) else {
            preconditionFailure("serialized JSON does not parse: \(String(decoding: text.prefix(200), as: UTF8.self))")
        }
        precondition(again == value, "serialized JSON reads back different")
    }

    /// Sources without signatures, identified from the body (`json:` selectors), plus an unsigned
    /// Mailgun source (its JSON and legacy identification).
    static let unsignedVerifiers: [SourceVerifier] = [
        SourceVerifier(source: SourceConfig(name: "none", path: "/fuzz", scheme: .none, allowUnsigned: true,
                                            idFrom: FieldSelector(parsing: "json:data.id"), typeFrom: FieldSelector(parsing: "json:type"))),
        SourceVerifier(source: SourceConfig(name: "content-id", path: "/fuzz", scheme: .none, allowUnsigned: true)),
        verifier(.mailgun, allowUnsigned: true),
    ]

    static func verifier(_ scheme: VerificationScheme, encoding: SignatureEncoding = .hex, allowUnsigned: Bool = false) -> SourceVerifier {
        let keys = scheme == .standardWebhooks ? [Array("whsec_ZnV6ei1rZXk=".utf8)] : [key]  // base64 of "fuzz-key"
        return SourceVerifier(source: SourceConfig(name: scheme.rawValue, path: "/fuzz", scheme: scheme, keys: keys,
                                                   allowUnsigned: allowUnsigned, signatureEncoding: encoding))
    }

    static let destinations: [DeliveryRequestBuilder] = [
        DeliveryRequestBuilder(destination: DestinationConfig(
            name: "json", url: "http://127.0.0.1:9/json", rewrite: .json, redact: true, sign: .mailgun, signKey: "fuzz-key")),
        DeliveryRequestBuilder(destination: DestinationConfig(
            name: "template", url: "http://127.0.0.1:9/template", rewrite: .template,
            template: #"{"id":{{event-data.id}},"to":[{{#event-data.recipients}}{{.}},{{/event-data.recipients}}],"s":"{{{signature.token}}}","subject":{{event-data.message.headers.subject}}}"#,
            sign: .standardWebhooks, signKey: "whsec_ZnV6ei1rZXk=")),
    ]

    static let legacyTemplate = try! EventTemplate(
        parsing: #"{{event-data.event}} {{event-data.recipient}} {{#event-data.tags}}{{.}}{{/event-data.tags}} {{event-data.message.headers.message-id}} {{{event-data.user-variables}}}"#)

    static let sampleEventText = SampleEvent.mailgunJSON(type: "failed", id: "fuzz-id", key: key, timestamp: now, token: "fuzz-token")
    static let sampleEvent = try! JSONValue(parsing: Array(sampleEventText.utf8))

    // MARK: Input helpers

    /// The input's headers and body as a request; `fallback` as the Content-Type when it has none.
    static func requestWithContentType(_ bytes: [UInt8], default fallback: String) -> WebhookRequest {
        var request = FuzzRequestInput(bytes).request
        if request.header("content-type") == nil {
            request.headers.append(HeaderField(name: "Content-Type", value: fallback))
        }
        return request
    }

    /// The input as a request, the placeholder in its header values replaced by `signature`.
    static func signing(_ input: FuzzRequestInput, with signature: String) -> WebhookRequest {
        var request = input.request
        for index in request.headers.indices where request.headers[index].value.contains(signaturePlaceholder) {
            request.headers[index].value = request.headers[index].value.replacingPlaceholder(signaturePlaceholder, with: signature)
        }
        return request
    }

    /// `bytes` with each occurrence of `pattern` replaced by `replacement`.
    static func replacing(_ pattern: [UInt8], with replacement: [UInt8], in bytes: [UInt8]) -> [UInt8] {
        guard !pattern.isEmpty, bytes.count >= pattern.count else { return bytes }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if index + pattern.count <= bytes.count, bytes[index..<(index + pattern.count)].elementsEqual(pattern) {
                out.append(contentsOf: replacement)
                index += pattern.count
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return out
    }
}

extension String {
    /// This text with each occurrence of `placeholder` replaced by `value`.
    fileprivate func replacingPlaceholder(_ placeholder: String, with value: String) -> String {
        String(decoding: FuzzEntries.replacing(Array(placeholder.utf8), with: Array(value.utf8), in: Array(utf8)), as: UTF8.self)
    }
}
