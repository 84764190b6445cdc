import Mustache

/// A destination's Mustache template (hummingbird-project/swift-mustache), parsed once, rendered
/// over an event's JSON shape with values JSON-escaped (`{{name}}`) or raw (`{{{name}}}`).
public struct EventTemplate: Sendable {
    private let template: MustacheTemplate

    /// Parses `text`; a syntax error is a `RewriteError` naming swift-mustache's complaint.
    public init(_ text: String) throws(RewriteError) {
        precondition(JSONStringContentType.registered)
        // The pragma sets the content type for the whole template; on a line of its own it is
        // "standalone", so the newline after it is dropped and the template starts exactly as given.
        let source = "{{% CONTENT_TYPE: \(JSONStringContentType.name) }}\n" + text
        do {
            template = try MustacheTemplate(string: source)
        } catch {
            throw RewriteError("template: \(error)")
        }
    }

    /// The template rendered over `event`.
    public func render(_ event: JSONValue) -> String {
        template.render(TemplateContext.wrap(event) ?? TemplateObject(object: JSONObject()))
    }
}
