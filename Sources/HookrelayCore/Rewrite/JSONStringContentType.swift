import Mustache

/// The Mustache content type of event templates: `{{name}}` writes the value escaped as the
/// inside of a JSON string (quotes, backslashes, control characters), with no HTML escaping.
struct JSONStringContentType: MustacheContentType {
    /// The name it is registered under, for the `{{% CONTENT_TYPE: … }}` pragma.
    static let name = "HOOKRELAY_JSON_STRING"

    /// Registers the type with swift-mustache once per process (evaluated on first use, thread-safe).
    static let registered: Bool = {
        MustacheContentTypes.register(JSONStringContentType(), named: name)
        return true
    }()

    func escapeText(_ text: String) -> String {
        JSONWriter.escaped(text)
    }
}
