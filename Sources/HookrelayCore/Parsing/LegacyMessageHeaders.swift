import Foundation

/// Mailgun legacy `message-headers`: a JSON string holding a list of `[name, value]` pairs.
enum LegacyMessageHeaders {
    /// The first string value of the header `name` (case-insensitive); nil when the text is not
    /// such a list, the header is absent, or its value is not a string.
    static func value(of name: String, in json: String) -> String? {
        guard let list = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [Any] else { return nil }
        for case let pair as [Any] in list where pair.count >= 2 {
            guard let key = pair[0] as? String, key.caseInsensitiveEquals(name) else { continue }
            if let value = pair[1] as? String { return value }
        }
        return nil
    }
}
