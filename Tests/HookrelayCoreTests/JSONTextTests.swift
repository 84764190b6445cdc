import HookrelayCore
import Testing

/// `JSONText.quote`: the JSON string literal written into answers by hand, escaped as
/// `JSONWriter` escapes (one escaper).
@Suite("JSON text")
struct JSONTextTests {
    static let cases: [(text: String, quoted: String)] = [
        // Nothing to escape (the usual event id): the text between quotes, as it is.
        ("a6Q4Zzl3RbOW4b8MZf2lZg", #""a6Q4Zzl3RbOW4b8MZf2lZg""#),
        ("", #""""#),
        ("héllo wörld ✉️", #""héllo wörld ✉️""#),
        ("DEL\u{7f}/slash", "\"DEL\u{7f}/slash\""),
        // Quote, backslash and control characters are escaped, wherever they are.
        (#"say "hi""#, #""say \"hi\"""#),
        (#"C:\temp\"#, #""C:\\temp\\""#),
        ("line1\nline2\r\ttab", #""line1\nline2\r\ttab""#),
        ("\u{0}\u{1}\u{1f}", #""\u0000\u0001\u001f""#),
        ("é\"\u{1b}[0m", #""é\"\u001b[0m""#),
        // Backspace and form feed in their short forms, as JSONWriter writes them (the one escaper).
        ("a\u{8}b\u{c}c", #""a\bb\fc""#),
    ]

    @Test("quotes and escapes", arguments: cases)
    func quotes(text: String, quoted: String) {
        #expect(JSONText.quote(text) == quoted)
        #expect(JSONValue.string(text).serialized() == Array(quoted.utf8), "the same as JSONWriter")
    }
}
