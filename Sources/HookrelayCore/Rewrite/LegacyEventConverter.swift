/// Converts a legacy Mailgun form event (urlencoded or multipart) into the JSON shape
/// `{"signature":{…},"event-data":{…}}`; attachments are dropped.
///
/// `event`: `bounced` → `failed` (severity `permanent`, reason `bounce`), `dropped` → `failed`
/// (severity `permanent`, reason the legacy `reason` or `generic`), others unchanged.
/// `message-headers` → `message.headers` (`message-id` without `<>`, `to`, `from`, `subject`);
/// `token` → `id`; `timestamp` as a number; `domain` as a string; `ip`; `country`/`region`/`city`
/// → `geolocation`; `client-*`, `device-type`, `user-agent` → `client-info`; `url`;
/// `code`/`error`/`notification`/`description` → `delivery-status` (code, message, description);
/// `tag` → `tags`; `campaign-id`/`campaign-name` → `campaigns`; `mailing-list` →
/// `mailing-list.address`; any other field → `user-variables`, merged with the message's
/// `X-Mailgun-Variables` header.
enum LegacyEventConverter {
    static let geolocationFields = ["country", "region", "city"]
    static let clientInfoFields = ["client-type", "client-os", "client-name", "device-type", "user-agent"]
    static let signatureFields = ["timestamp", "token", "signature"]
    /// Fields read into a place of their own (or dropped on purpose); the rest are user variables.
    static let knownFields: Set<String> = Set(
        ["event", "recipient", "domain", "message-headers", "Message-Id", "message-id", "ip", "url", "code", "error",
         "notification", "description", "reason", "tag", "campaign-id", "campaign-name", "mailing-list",
         "attachment-count", "body-plain", "h"] + geolocationFields + clientInfoFields + signatureFields
    )
    static let keptHeaders = ["message-id", "to", "from", "subject"]
    /// The message header a legacy event repeats as a field for each of its tags.
    static let tagHeader = "X-Mailgun-Tag"

    /// The legacy event's JSON shape. Linear in the number of fields (SPEC §11): one pass picks
    /// the first value of each known field, the tags and the user variables (a set of the names
    /// taken, not a search of the object built so far: 80,000 fields took 26 s that way).
    static func convert(_ form: FormFields) -> JSONValue {
        var known: [String: String] = [:]
        var tags: [JSONValue] = []
        var variables = JSONObject()
        var variableNames = Set<String>()
        for field in form.fields {
            // Tags come as `tag` or as the `X-Mailgun-Tag` fields of the message (seed 002), once per tag.
            if field.name == "tag" || field.name.caseInsensitiveEquals(tagHeader) {
                tags.append(.string(field.value))
            }
            if knownFields.contains(field.name) {
                if known[field.name] == nil { known[field.name] = field.value }
            } else if !field.name.caseInsensitiveEquals(tagHeader), variableNames.insert(field.name).inserted {
                variables.members.append(.init(field.name, .string(field.value)))
            }
        }

        var data = JSONObject()
        if let token = known["token"] { data["id"] = .string(token) }

        let legacyEvent = known["event"] ?? ""
        switch legacyEvent {
        case "bounced":
            data["event"] = .string("failed")
            data["severity"] = .string("permanent")
            data["reason"] = .string("bounce")
        case "dropped":
            data["event"] = .string("failed")
            data["severity"] = .string("permanent")
            data["reason"] = .string(nonEmpty(known["reason"]) ?? "generic")
        default:
            data["event"] = .string(legacyEvent)
        }
        if let timestamp = known["timestamp"] { data["timestamp"] = numberOrString(timestamp) }
        if let recipient = known["recipient"] { data["recipient"] = .string(recipient) }
        if let domain = known["domain"] { data["domain"] = .string(domain) }
        if let ip = known["ip"] { data["ip"] = .string(ip) }
        if let geolocation = group(geolocationFields, from: known) { data["geolocation"] = geolocation }
        if let clientInfo = group(clientInfoFields, from: known) { data["client-info"] = clientInfo }
        if let url = known["url"] { data["url"] = .string(url) }

        if !tags.isEmpty { data["tags"] = .array(tags) }
        var campaign = JSONObject()
        if let id = known["campaign-id"] { campaign["id"] = .string(id) }
        if let name = known["campaign-name"] { campaign["name"] = .string(name) }
        if !campaign.isEmpty { data["campaigns"] = .array([.object(campaign)]) }
        if let list = known["mailing-list"] { data["mailing-list"] = .object(JSONObject([.init("address", .string(list))])) }

        var status = JSONObject()
        if let code = known["code"] { status["code"] = numberOrString(code) }
        if let error = known["error"] { status["message"] = .string(error) }
        if let description = known["notification"] ?? known["description"] { status["description"] = .string(description) }
        if !status.isEmpty { data["delivery-status"] = .object(status) }

        let rawHeaders = known["message-headers"].map(LegacyMessageHeaders.pairs) ?? []
        var headers = JSONObject()
        for name in keptHeaders {
            if let value = rawHeaders.first(where: { $0.name.caseInsensitiveEquals(name) })?.value {
                headers[name] = .string(name == "message-id" ? withoutAngleBrackets(value) : value)
            }
        }
        if headers["message-id"] == nil, let id = known["Message-Id"] ?? known["message-id"] {
            headers["message-id"] = .string(withoutAngleBrackets(id))
        }
        if !headers.isEmpty { data["message"] = .object(JSONObject([.init("headers", .object(headers))])) }

        for pair in rawHeaders where pair.name.caseInsensitiveEquals("X-Mailgun-Variables") {
            guard case .object(let declared)? = try? JSONParser.parse(Array(pair.value.utf8), maxValues: BodyElementLimit.maxElements) else { continue }
            for member in declared.members where variableNames.insert(member.name).inserted { variables.members.append(member) }
        }
        if !variables.isEmpty { data["user-variables"] = .object(variables) }

        var signature = JSONObject()
        for name in signatureFields {
            if let value = known[name] { signature[name] = .string(value) }
        }
        var event = JSONObject()
        if !signature.isEmpty { event["signature"] = .object(signature) }
        event["event-data"] = .object(data)
        return .object(event)
    }

    /// An object of the listed fields that are present (nil if none is).
    private static func group(_ names: [String], from known: [String: String]) -> JSONValue? {
        var object = JSONObject()
        for name in names {
            if let value = known[name] { object[name] = .string(value) }
        }
        return object.isEmpty ? nil : .object(object)
    }

    /// A JSON number when `text` is one (`1701388800`, `550`), else the text as a string (`5.1.1`).
    static func numberOrString(_ text: String) -> JSONValue {
        if case .number(let number)? = try? JSONParser.parse(Array(text.utf8)), number == text { return .number(text) }
        return .string(text)
    }

    static func withoutAngleBrackets(_ text: String) -> String {
        var value = Substring(text)
        while value.first == " " || value.first == "<" { value = value.dropFirst() }
        while value.last == " " || value.last == ">" { value = value.dropLast() }
        return String(value)
    }

    private static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }
}
