/// Mailgun legacy `message-headers`: a JSON string holding a list of `[name, value]` pairs.
enum LegacyMessageHeaders {
    /// The pairs whose name and value are strings, in order; none when the text is not such a
    /// list, or holds more than `BodyElementLimit.maxElements` values (it is one form field of a
    /// body the element limit counted as one, read when the event is identified and converted).
    static func pairs(_ json: String) -> [(name: String, value: String)] {
        guard case .array(let list)? = try? JSONParser.parse(Array(json.utf8), maxValues: BodyElementLimit.maxElements) else { return [] }
        return list.compactMap { entry in
            guard case .array(let pair) = entry, pair.count >= 2, case .string(let name) = pair[0], case .string(let value) = pair[1] else {
                return nil
            }
            return (name, value)
        }
    }

    /// The value of the first pair named `name` (case-insensitive) whose value is a string; nil
    /// when there is none (see `pairs`).
    static func value(of name: String, in json: String) -> String? {
        pairs(json).first { $0.name.caseInsensitiveEquals(name) }?.value
    }
}
