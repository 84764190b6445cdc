import Mustache

/// A destination's Mustache template (hummingbird-project/swift-mustache), parsed once, rendered
/// over an event's JSON shape with values JSON-escaped (`{{name}}`) or raw (`{{{name}}}`).
public struct EventTemplate: Sendable {
    /// Why swift-mustache refuses a template, and where its parser stopped.
    public struct SyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
        /// swift-mustache's name for the problem, e.g. `expectedSectionEnd`.
        public let problem: String
        /// The problem in words.
        public let explanation: String
        /// 1-based line and column in the template text (not counting the pragma added here).
        public let line: Int
        public let column: Int

        /// `a section is never closed (…) (swift-mustache: expectedSectionEnd) at line 1, column 8 of the template`.
        /// Never quotes the template text.
        public var description: String {
            "\(explanation) (swift-mustache: \(problem)) at line \(line), column \(column) of the template"
        }
    }

    private let template: MustacheTemplate

    /// The content-type pragma put before the template text. It sets the content type for the
    /// whole template; on a line of its own it is "standalone", so the newline after it is
    /// dropped and the template starts exactly as given.
    private static var pragma: String { "{{% CONTENT_TYPE: \(JSONStringContentType.name) }}\n" }

    /// How deep sections (`{{#…}}`, `{{^…}}`, `{{$…}}`, `{{<…}}`) may nest. swift-mustache parses
    /// and renders them by recursion: 600 levels overflowed the stack of `hookrelay check`.
    static let maxSectionDepth = 100

    /// Parses `text`; throws swift-mustache's complaint with its position in `text`, or
    /// `sectionsNestedTooDeep` (before swift-mustache sees it) past `maxSectionDepth`.
    public init(parsing text: String) throws(SyntaxError) {
        precondition(JSONStringContentType.registered)
        if let (line, column) = Self.sectionTooDeep(in: text) {
            throw SyntaxError(problem: "sectionsNestedTooDeep", explanation: "sections are nested more than \(Self.maxSectionDepth) deep",
                              line: line, column: column)
        }
        do {
            template = try MustacheTemplate(string: Self.pragma + text)
        } catch let error as MustacheTemplate.ParserError {
            let (problem, explanation) = Self.explain(error.error)
            // The pragma is line 1 of what swift-mustache parsed.
            throw SyntaxError(problem: problem, explanation: explanation,
                              line: max(1, error.context.lineNumber - 1), column: error.context.columnNumber)
        } catch {
            throw SyntaxError(problem: String(describing: error), explanation: "the template cannot be parsed", line: 1, column: 1)
        }
    }

    /// Parses `text`; a syntax error is a `RewriteError` naming swift-mustache's complaint.
    public init(_ text: String) throws(RewriteError) {
        do {
            self = try EventTemplate(parsing: text)
        } catch {
            throw RewriteError("template: \(error)")
        }
    }

    /// The template rendered over `event`.
    public func render(_ event: JSONValue) -> String {
        let memo = TemplateRenderMemo()
        return template.render(TemplateContext.wrap(event, memo: memo) ?? TemplateObject(object: JSONObject(), memo: memo))
    }

    /// The line and column of the tag that opens a section deeper than `maxSectionDepth`, or nil.
    /// Reads tags as swift-mustache does, set-delimiter tags (`{{=<% %>=}}`) included; a sigil
    /// may follow spaces. A tag without its end stops the scan (swift-mustache reports it).
    static func sectionTooDeep(in text: String) -> (line: Int, column: Int)? {
        let bytes = Array(text.utf8)
        var open = Array("{{".utf8), close = Array("}}".utf8)
        var depth = 0, line = 1, lineStart = 0, index = 0
        func matches(_ pattern: [UInt8], at position: Int) -> Bool {
            position + pattern.count <= bytes.count && bytes[position..<(position + pattern.count)].elementsEqual(pattern)
        }
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\n") {
                line += 1
                lineStart = index + 1
            }
            guard matches(open, at: index) else {
                index += 1
                continue
            }
            let tagStart = index
            var contentStart = index + open.count
            var end = contentStart
            while end < bytes.count, !matches(close, at: end) { end += 1 }
            guard end < bytes.count else { return nil }
            let tagEnd = end + close.count
            while contentStart < end, bytes[contentStart] == 0x20 || bytes[contentStart] == 0x09 { contentStart += 1 }
            let content = bytes[contentStart..<end]
            switch content.first {
            case UInt8(ascii: "#"), UInt8(ascii: "^"), UInt8(ascii: "$"), UInt8(ascii: "<"):
                depth += 1
                if depth > maxSectionDepth {
                    return (line, String(decoding: bytes[lineStart..<tagStart], as: UTF8.self).count + 1)
                }
            case UInt8(ascii: "/"):
                depth = max(0, depth - 1)
            case UInt8(ascii: "="):
                // `=OPEN CLOSE=`: the delimiters from here on.
                var inner = content.dropFirst()
                if inner.last == UInt8(ascii: "=") { inner = inner.dropLast() }
                let parts = inner.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 })
                if parts.count == 2 {
                    open = Array(parts[0])
                    close = Array(parts[1])
                }
            default:
                break
            }
            for position in tagStart..<end where bytes[position] == UInt8(ascii: "\n") {
                line += 1
                lineStart = position + 1
            }
            index = tagEnd
        }
        return nil
    }

    private static func explain(_ error: any Error) -> (problem: String, explanation: String) {
        guard let error = error as? MustacheTemplate.Error else {
            let problem = String(describing: error)
            // swift-mustache's internal `Parser.Error.overflow`: it read past the end inside a tag.
            return (problem, problem == "overflow" ? "the template ends inside a tag" : "the template cannot be parsed")
        }
        let explanation: String
        switch error {
        case .sectionCloseNameIncorrect: explanation = "a {{/name}} does not close the section open at that point"
        case .unfinishedName: explanation = "a tag is not finished or its name is malformed"
        case .expectedSectionEnd: explanation = "a section is never closed (a {{#name}} or {{^name}} without its {{/name}})"
        case .invalidSetDelimiter: explanation = "a set-delimiter tag ({{=<% %>=}}) is malformed"
        case .transformAppliedToInheritanceSection: explanation = "a transform is applied to an inheritance section"
        case .illegalTokenInsideInheritSection: explanation = "an inheritance section holds a tag other than a block"
        case .textInsideInheritSection: explanation = "an inheritance section holds text outside its blocks"
        case .invalidConfigVariableSyntax: explanation = "a {{% … }} pragma is malformed"
        case .unrecognisedConfigVariable: explanation = "a {{% … }} pragma is not recognised"
        }
        return (String(describing: error), explanation)
    }
}
