/// Mailgun legacy `message-headers`: a JSON string holding a list of `[name, value]` pairs.
enum LegacyMessageHeaders {
    /// The first string value of the header `name` (case-insensitive); nil when the text is not
    /// such a list (or holds more than `BodyElementLimit.maxElements` values: it is read when the
    /// event is identified, a field of a body the element limit counted as one), the header is
    /// absent, or its value is not a string.
    static func value(of name: String, in json: String) -> String? {
        guard case .array(let list)? = try? JSONParser.parse(Array(json.utf8), maxValues: BodyElementLimit.maxElements) else { return nil }
        for case .array(let pair) in list where pair.count >= 2 {
            guard case .string(let key) = pair[0], key.caseInsensitiveEquals(name) else { continue }
            if case .string(let value) = pair[1] { return value }
        }
        return nil
    }
}
