import Mustache

/// The Mustache content type of the admin HTML templates: `{{name}}` writes text safe inside
/// HTML elements and double- or single-quoted attribute values (`& < > " '` as entities).
///
/// swift-mustache's own HTML escaping goes by `Character`: a quote followed by a combining mark
/// is one Character that is not `"`, and would go out raw and end the attribute holding an
/// event id (fixed here once already, b1eef4c). This one goes scalar by scalar.
struct AdminHTMLContentType: MustacheContentType {
    /// The name it is registered under, for the `{{% CONTENT_TYPE: … }}` pragma.
    static let name = "HOOKRELAY_ADMIN_HTML"

    /// Registers the type with swift-mustache once per process (evaluated on first use, thread-safe).
    static let registered: Bool = {
        MustacheContentTypes.register(AdminHTMLContentType(), named: name)
        return true
    }()

    func escapeText(_ text: String) -> String {
        Self.escape(text)
    }

    static func escape(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">")
            || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "'") })
        else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
