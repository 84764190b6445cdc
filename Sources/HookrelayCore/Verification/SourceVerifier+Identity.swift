import COpenSSL

/// Step d of `SourceVerifier`: the event's id, type, aliases and sending domain.
extension SourceVerifier {
    func identify(_ request: WebhookRequest, body: WebhookBody, contentType: String, token: String?) -> Result<ReceivedEvent, IngestRefusal> {
        identifyEvent(request, body: body, contentType: contentType, token: token).flatMap { event in
            // Every scheme's id and type pass the one rule (the legacy token as id included): a
            // control character or more than 512 bytes is refused (400), never accepted.
            if let problem = EventIdentifierRule.problem(event.id, what: "event id") { return .failure(.malformed(problem)) }
            if let problem = EventIdentifierRule.problem(event.type, what: "event type") { return .failure(.malformed(problem)) }
            return .success(event)
        }
    }

    private func identifyEvent(_ request: WebhookRequest, body: WebhookBody, contentType: String, token: String?) -> Result<ReceivedEvent, IngestRefusal> {
        switch (source.scheme, body) {
        case (.mailgun, .json(let object)):
            return identifyMailgun(object, contentType: contentType, token: token)
        case (.mailgun, .form(let fields)):
            return identifyMailgunLegacy(fields, contentType: contentType, token: token)
        case (.standardWebhooks, _):
            guard let id = nonEmpty(request.header("webhook-id")) else { return .failure(.malformed("missing webhook-id")) }
            return eventType(request, body).map { ReceivedEvent(id: id, type: $0, contentType: contentType) }
        default:
            let id: String
            if let idSelector {
                guard let value = text(of: idSelector, request, body) else {
                    return .failure(.malformed("missing event id (\(idSelector))"))
                }
                id = value
            } else {
                id = "sha256:" + Self.sha256Hex(request.body)
            }
            return eventType(request, body).map { ReceivedEvent(id: id, type: $0, contentType: contentType) }
        }
    }

    /// `type_from` (or the scheme default); without either, the literal type `event`.
    private func eventType(_ request: WebhookRequest, _ body: WebhookBody) -> Result<String, IngestRefusal> {
        guard let typeSelector else { return .success("event") }
        guard let type = text(of: typeSelector, request, body) else {
            return .failure(.malformed("missing event type (\(typeSelector))"))
        }
        return .success(type)
    }

    /// A Mailgun JSON event: `event-data.id`, `event-data.event`, severity aliases, sender domain.
    private func identifyMailgun(_ object: JSONObject, contentType: String, token: String?) -> Result<ReceivedEvent, IngestRefusal> {
        guard let eventData = object["event-data"]?.objectValue else {
            return .failure(.malformed("missing event-data"))
        }
        guard let id = JSONLookup.text(of: eventData["id"]) else { return .failure(.malformed("missing event-data.id")) }
        guard let type = JSONLookup.text(of: eventData["event"]) else { return .failure(.malformed("missing event-data.event")) }
        var aliases: [String] = []
        if type == "failed" {
            switch JSONLookup.text(of: eventData["severity"]) {
            case "permanent": aliases.append("permanent_fail")
            case "temporary": aliases.append("temporary_fail")
            default: break
            }
        }
        let domain = Self.domain(ofAddress: JSONLookup.text(at: ["envelope", "sender"], in: eventData))
            ?? Self.domain(ofAddress: JSONLookup.text(at: ["message", "headers", "message-id"], in: eventData))
        return .success(ReceivedEvent(id: id, type: type, typeAliases: aliases, domain: domain, token: token, contentType: contentType))
    }

    /// A legacy Mailgun form event: the token is the id; `event`; `domain` or the Message-Id's domain.
    private func identifyMailgunLegacy(_ fields: FormFields, contentType: String, token: String?) -> Result<ReceivedEvent, IngestRefusal> {
        guard let id = nonEmpty(token) else { return .failure(.malformed("missing token (the id of a legacy event)")) }
        guard let type = nonEmpty(fields.first("event")) else { return .failure(.malformed("missing field event")) }
        var domain = nonEmpty(fields.first("domain")).map { Self.domain(ofAddress: "@" + $0) } ?? nil
        if domain == nil { domain = Self.domain(ofAddress: fields.firstIgnoringCase("message-id")) }
        if domain == nil, let headers = fields.first("message-headers") {
            domain = Self.domain(ofAddress: LegacyMessageHeaders.value(of: "message-id", in: headers))
        }
        return .success(ReceivedEvent(id: id, type: type, domain: domain, token: token, contentType: contentType))
    }

    /// The text a selector picks: a request header, or a dotted path into the JSON body (on a form
    /// body, the field named by the whole path).
    private func text(of selector: FieldSelector, _ request: WebhookRequest, _ body: WebhookBody) -> String? {
        switch selector {
        case .header(let name):
            return nonEmpty(request.header(name))
        case .json(let path):
            switch body {
            case .json(let object): return JSONLookup.text(at: path, in: object)
            case .form(let fields): return nonEmpty(fields.first(path.joined(separator: ".")))
            }
        }
    }

    private func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }

    /// The part after the last `@` of an address or message id, without `<>` and spaces, lowercased.
    static func domain(ofAddress text: String?) -> String? {
        guard let text, let at = text.utf8.lastIndex(of: UInt8(ascii: "@")) else { return nil }
        var domain = text.utf8[text.utf8.index(after: at)...]
        while let last = domain.last, last == UInt8(ascii: ">") || last == 0x20 || last == 0x09 { domain = domain.dropLast() }
        while let first = domain.first, first == UInt8(ascii: "<") || first == 0x20 { domain = domain.dropFirst() }
        guard !domain.isEmpty else { return nil }
        return String(decoding: domain, as: UTF8.self).lowercased()
    }

    /// Lowercase hex SHA-256 of `bytes`: the content id of events from sources without `id_from`.
    static func sha256Hex(_ bytes: [UInt8]) -> String {
        var zero: UInt8 = 0
        let digest = [UInt8](unsafeUninitializedCapacity: Int(SHA256_DIGEST_LENGTH)) { output, initialized in
            bytes.withUnsafeBufferPointer { input in
                withUnsafePointer(to: &zero) { zeroPointer in
                    _ = SHA256(input.baseAddress ?? zeroPointer, input.count, output.baseAddress)
                }
            }
            initialized = Int(SHA256_DIGEST_LENGTH)
        }
        return HexEncoding.encode(digest)
    }
}
