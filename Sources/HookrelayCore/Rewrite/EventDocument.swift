/// A stored event read for the `json` and `template` rewrites: a JSON body as it is, a legacy
/// form event converted to Mailgun's JSON shape (`LegacyEventConverter`).
public struct EventDocument: Sendable, Equatable {
    public var value: JSONValue
    /// True when `value` no longer says what the stored bytes say (converted, redacted, re-signed),
    /// so it must be serialised; false lets a JSON body go out byte for byte.
    public var changed: Bool

    public init(value: JSONValue, changed: Bool) {
        self.value = value
        self.changed = changed
    }

    /// Reads `body` by its stored `contentType` (JSON, urlencoded or multipart form).
    public init(body: [UInt8], contentType: String) throws(RewriteError) {
        let mediaType = HeaderParameters(parsing: contentType)
        switch WebhookBody.Kind(mediaType: mediaType.value) {
        case .json:
            value = try JSONParser.parse(body)
            changed = false
        case .formURLEncoded:
            value = LegacyEventConverter.convert(FormURLEncodedParser.parse(body))
            changed = true
        case .multipart:
            guard let boundary = mediaType.parameter("boundary"), !boundary.isEmpty else {
                throw RewriteError("multipart body without a boundary")
            }
            do {
                value = LegacyEventConverter.convert(try MultipartFormParser.parse(body, boundary: boundary))
            } catch {
                throw RewriteError("multipart body cannot be read: \(error.reason)")
            }
            changed = true
        case nil:
            throw RewriteError("cannot rewrite a body of type \(mediaType.value.isEmpty ? "(none)" : mediaType.value)")
        }
    }

    /// Applies Mailgun's PII redaction table.
    public mutating func redact() {
        if PIIRedaction.redact(&value) { changed = true }
    }

    /// Sets the top-level `signature` object (Mailgun re-signing), in place of the first and with
    /// any repeated `signature` member removed: the source's must not go out beside it. A body
    /// that is not a JSON object cannot carry one.
    public mutating func setSignature(_ signature: JSONValue) throws(RewriteError) {
        guard case .object(var object) = value else { throw RewriteError("cannot sign a JSON body that is not an object") }
        if let first = object.members.firstIndex(where: { $0.name == "signature" }) {
            object.members[first].value = signature
            // In one pass (removing them one by one moved the rest each time: quadratic, SPEC §11).
            var kept = first + 1
            for index in kept..<object.members.count where object.members[index].name != "signature" {
                if index != kept { object.members[kept] = object.members[index] }
                kept += 1
            }
            if kept < object.members.count { object.members.removeSubrange(kept...) }
        } else {
            object["signature"] = signature
        }
        value = .object(object)
        changed = true
    }
}
