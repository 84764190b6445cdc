import Foundation
import Testing
@testable import HookrelayCore

private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// `{"a":"<raw bytes>"}`: a member whose string holds `raw` as is.
private func objectWithString(_ raw: [UInt8]) -> [UInt8] {
    bytes(#"{"a":""#) + raw + bytes(#""}"#)
}

private func ingest(_ body: [UInt8]) throws(BodyParseError) -> JSONObject {
    guard case .json(let object) = try WebhookBody.parse(body, kind: .json, contentType: "application/json") else {
        throw BodyParseError("not a JSON body")
    }
    return object
}

/// Ingest reads JSON with `JSONParser(strict: true)`; the rewrite path keeps the lenient mode.
@Suite struct IngestJSONStrictnessTests {
    static let invalidUTF8 = objectWithString([0x78, 0xC3, 0x28, 0x79])  // "x\xC3(y": 0xC3 needs a continuation byte
    static let loneSurrogate = bytes(#"{"a":"\ud800"}"#)

    @Test(arguments: [invalidUTF8, loneSurrogate, bytes(#"{"a":"\udc00"}"#), bytes(#"{"a":"\ud800\u0041"}"#),
                      objectWithString([0xC0, 0x80]), objectWithString([0xED, 0xA0, 0x80])])
    func ingestRefusesWhatRewriteReplaces(body: [UInt8]) throws {
        #expect(throws: BodyParseError("body is not valid JSON")) { try ingest(body) }
        #expect(throws: RewriteError.self) { try JSONParser.parse(body, strict: true) }
        // The rewrite path still reads it, with U+FFFD in place of what is broken.
        let value = try JSONParser.parse(body)
        #expect(value.objectValue?["a"]?.stringValue?.unicodeScalars.contains("\u{FFFD}") == true)
        #expect(try EventDocument(body: body, contentType: "application/json").value == value)
    }

    @Test func lenientReplacementsAreUnchanged() throws {
        #expect(try JSONParser.parse(Self.invalidUTF8).objectValue?["a"] == .string("x\u{FFFD}(y"))
        #expect(try JSONParser.parse(Self.loneSurrogate).objectValue?["a"] == .string("\u{FFFD}"))
        // A high surrogate followed by an escape that is not a low one: U+FFFD, then that escape.
        #expect(try JSONParser.parse(bytes(#"["\ud800\u0041"]"#)) == .array([.string("\u{FFFD}A")]))
        // Invalid bytes next to escapes are replaced the same way.
        let mixed = bytes(#"["\n"#) + [0xC3] + bytes(#"\u00e9"]"#)
        #expect(try JSONParser.parse(mixed) == .array([.string("\n\u{FFFD}é")]))
    }

    @Test func senderGets400() {
        let verifier = SourceVerifier(source: SourceConfig(name: "n", path: "/hook", scheme: .none, allowUnsigned: true))
        for body in [Self.invalidUTF8, Self.loneSurrogate] {
            let request = WebhookRequest(method: "POST", path: "/hook", headers: [HeaderField(name: "Content-Type", value: "application/json")], body: body)
            guard case .failure(let refusal) = verifier.receive(request, now: 0) else {
                Issue.record("accepted a body with broken text")
                continue
            }
            #expect(refusal == .malformed("body is not valid JSON") && refusal.status == 400)
        }
    }

    @Test func bodyParseErrors() {
        #expect(throws: BodyParseError("empty JSON body")) { try ingest([]) }
        #expect(throws: BodyParseError("body is not valid JSON")) { try ingest(bytes("{not json")) }
        #expect(throws: BodyParseError("body is not valid JSON")) { try ingest(bytes(" ")) }
        #expect(throws: BodyParseError("JSON body is not an object")) { try ingest(bytes("[1]")) }
        #expect(throws: BodyParseError("JSON body is not an object")) { try ingest(bytes(#""text""#)) }
    }

    @Test func validTextIsReadAlike() throws {
        let body = bytes(#"{"plain":"Grüße 😀","escaped":"a\"b\\c\/d\b\f\n\r\t\u00e9\u00E9\ud83d\ude00 é","empty":""}"#)
        let strict = try JSONParser.parse(body, strict: true)
        #expect(strict == (try JSONParser.parse(body)))
        let object = try #require(strict.objectValue)
        #expect(object["plain"] == .string("Grüße 😀"))
        #expect(object["escaped"] == .string("a\"b\\c/d\u{08}\u{0C}\n\r\téé😀 é"))
        #expect(object["empty"] == .string(""))
        let foundation = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: String])
        #expect(foundation["escaped"] == object["escaped"]?.stringValue && foundation["plain"] == object["plain"]?.stringValue)
    }

    /// Ingest takes the first member of a repeated name, as the rewrite path does
    /// (`JSONSerialization` took the last).
    @Test func duplicateNamesTakeTheFirstMember() throws {
        let object = try ingest(bytes(#"{"id":"first","type":"a","id":"second","nested":{"k":1,"k":2}}"#))
        #expect(JSONLookup.text(at: ["id"], in: object) == "first")
        #expect(JSONLookup.text(at: ["nested", "k"], in: object) == "1")
        #expect(object.members.count == 4)  // both kept, in order

        let verifier = SourceVerifier(source: SourceConfig(name: "n", path: "/hook", scheme: .none, allowUnsigned: true,
                                                           idFrom: .json(["id"]), typeFrom: .json(["type"])))
        let request = WebhookRequest(method: "POST", path: "/hook", headers: [HeaderField(name: "Content-Type", value: "application/json")],
                                     body: bytes(#"{"id":"first","type":"a","id":"second","type":"b"}"#))
        let event = try verifier.receive(request, now: 0).get()
        #expect(event.id == "first" && event.type == "a")
    }
}

/// `JSONParser(strict: true)` against `JSONSerialization` (swift-corelibs-foundation, fragments
/// allowed): each text is accepted or refused by both, except the cases marked below, where
/// Foundation departs from RFC 8259 and the parser keeps the RFC.
@Suite struct IngestJSONDifferentialTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let text: [UInt8]
        /// What RFC 8259 (UTF-8 only, as §8.1 requires between systems) says.
        let valid: Bool
        /// Why `JSONSerialization` answers the other way, when it does.
        let foundationDiffers: String?

        init(_ name: String, _ text: [UInt8], valid: Bool, foundationDiffers: String? = nil) {
            self.name = name
            self.text = text
            self.valid = valid
            self.foundationDiffers = foundationDiffers
        }

        init(_ name: String, _ text: String, valid: Bool, foundationDiffers: String? = nil) {
            self.init(name, Array(text.utf8), valid: valid, foundationDiffers: foundationDiffers)
        }

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case("nesting", #"{"a":{"b":[{"c":[[],{}]}],"d":[true,false,null]}}"#, valid: true),
        Case("simple escapes", #"["\"\\\/\b\f\n\r\t"]"#, valid: true),
        Case("\\u00e9", #"["caf\u00e9 \u00C9"]"#, valid: true),
        Case("surrogate pair", #"["\ud83d\ude00"]"#, valid: true),
        Case("raw UTF-8", "[\"Grüße 😀\"]", valid: true),
        Case("escaped NUL and U+FFFF", #"["\u0000\uffff"]"#, valid: true),
        Case("numbers", "[-0, 0, 1e3, 1.5E-2, 1E+2, 0e0, -12.5e-3, 123456789012345678901234567890]", valid: true),
        Case("whitespace", " \t\r\n{ \"a\" : [ 1 , 2 ] } \n", valid: true),
        Case("duplicate keys", #"{"a":1,"a":2}"#, valid: true),
        Case("empty key and DEL", "{\"\":\"\u{7F}\"}", valid: true),
        Case("512 levels", String(repeating: "[", count: 512) + String(repeating: "]", count: 512), valid: true),
        Case("1e400", "[1e400]", valid: true,
             foundationDiffers: "refuses a number a Double cannot hold; the RFC grammar allows it and JSONParser keeps numbers as text"),

        Case("leading zero", "01", valid: false),
        Case("negative leading zero", "[-01]", valid: false),
        Case("no digit after the dot", "[1.]", valid: false),
        Case("bare minus", "[-]", valid: false),
        Case("no exponent digits", "[1e+]", valid: false),
        Case("leading dot", "[.5]", valid: false),
        Case("plus sign", "[+1]", valid: false),
        Case("NaN", "[NaN]", valid: false),
        Case("trailing comma in an object", #"{"a":1,}"#, valid: false, foundationDiffers: "accepts a trailing comma"),
        Case("trailing comma in an array", "[1,2,]", valid: false, foundationDiffers: "accepts a trailing comma"),
        Case("unquoted key", "{a:1}", valid: false),
        Case("single quotes", "{'a':1}", valid: false),
        Case("form feed as whitespace", "\u{0C}{}", valid: false),
        Case("text after the value", "{} x", valid: false),
        Case("comment", "{/* c */}", valid: false),
        Case("raw control character", "[\"a\tb\"]", valid: false),
        Case("bad escape", #"["\x41"]"#, valid: false),
        Case("short \\u escape", #"["\u12"]"#, valid: false),
        Case("lone high surrogate", #"["\ud800"]"#, valid: false),
        Case("lone low surrogate", #"["\udc00x"]"#, valid: false),
        Case("invalid UTF-8", objectWithString([0xC3, 0x28]), valid: false),
        Case("overlong UTF-8", objectWithString([0xC0, 0x80]), valid: false),
        Case("UTF-8 encoded surrogate", objectWithString([0xED, 0xA0, 0x80]), valid: false),
        Case("513 levels", String(repeating: "[", count: 513) + String(repeating: "]", count: 513), valid: false),
        Case("UTF-8 byte order mark", [0xEF, 0xBB, 0xBF] + bytes("{}"), valid: false,
             foundationDiffers: "skips a BOM; RFC 8259 §8.1 lets a parser refuse it, and the rewrite path does"),
        Case("UTF-16", [0xFF, 0xFE, 0x7B, 0x00, 0x7D, 0x00], valid: false,
             foundationDiffers: "detects UTF-16/32; RFC 8259 §8.1 requires UTF-8, and the rewrite path reads only UTF-8"),
    ]

    @Test(arguments: cases)
    func strictParserAgreesWithFoundation(_ test: Case) {
        let parsed = try? JSONParser.parse(test.text, strict: true)
        let strict = parsed != nil
        let foundation = (try? JSONSerialization.jsonObject(with: Data(test.text), options: .fragmentsAllowed)) != nil
        #expect(strict == test.valid)
        if let parsed { #expect((try? JSONParser.parse(test.text)) == parsed) }  // the lenient mode reads valid text alike
        #expect(foundation == (test.foundationDiffers == nil ? test.valid : !test.valid), "\(test.foundationDiffers ?? "")")
    }
}

/// `JSONLookup.text(of:)` for numbers: integer text as is, other numbers through Double.
@Suite struct IngestJSONNumberTextTests {
    @Test(arguments: [
        ("1701388800", "1701388800"),
        ("-42", "-42"),
        ("-0", "-0"),
        ("123456789012345678901234567890", "123456789012345678901234567890"),
        ("1.7e9", "1700000000"),
        ("1701388800.0", "1701388800"),
        ("1e3", "1000"),
        ("1E+2", "100"),
        ("-2.0", "-2"),
        ("1.5", "1.5"),
        ("1.5E-2", "0.015"),
        ("1701388800.789", "1701388800.789"),
        ("9e15", "9000000000000000.0"),  // not below 9e15: the Double's own text
        ("1e17", "1e+17"),
        ("1e400", "1e400"),
    ])
    func numberText(json: String, text: String) throws {
        #expect(JSONLookup.text(of: .number(json)) == text)
        // The same through ingest.
        let object = try ingest(bytes(#"{"n":\#(json)}"#))
        #expect(JSONLookup.text(at: ["n"], in: object) == text)
    }

    @Test func otherValues() {
        #expect(JSONLookup.text(of: .string("x")) == "x")
        #expect(JSONLookup.text(of: .string("")) == nil)
        #expect(JSONLookup.text(of: .bool(true)) == "true")
        #expect(JSONLookup.text(of: .bool(false)) == "false")
        #expect(JSONLookup.text(of: .null) == nil)
        #expect(JSONLookup.text(of: .array([.string("x")])) == nil)
        #expect(JSONLookup.text(of: .object(JSONObject([.init("a", .string("x"))]))) == nil)
        #expect(JSONLookup.text(of: nil) == nil)
    }
}

/// Containers inside containers: each takes exactly its own members and elements, in order,
/// whatever it nests, whatever came before it and whatever follows it.
@Suite struct JSONContainerTests {
    private static func object(_ members: [(String, JSONValue)]) -> JSONValue {
        .object(JSONObject(members.map { JSONObject.Member($0.0, $0.1) }))
    }

    @Test func nestedContainersKeepTheirOwnMembers() throws {
        let text = #"{"a":{"b":1,"c":{"d":[]}},"e":[1,[2,{"f":3}],4],"g":{},"h":[{"i":[[],[5]]}],"a":"again"}"#
        let expected = Self.object([
            ("a", Self.object([("b", .number("1")), ("c", Self.object([("d", .array([]))]))])),
            ("e", .array([.number("1"), .array([.number("2"), Self.object([("f", .number("3"))])]), .number("4")])),
            ("g", Self.object([])),
            ("h", .array([Self.object([("i", .array([.array([]), .array([.number("5")])]))])])),
            ("a", .string("again")),
        ])
        #expect(try JSONParser.parse(bytes(text)) == expected)
        #expect(try JSONParser.parse(bytes(text), strict: true) == expected)
    }

    @Test func manyMembersAndDeepNesting() throws {
        // A hundred members in an object inside an array inside an object.
        let members = (0..<100).map { #""m\#($0)":\#($0)"# }.joined(separator: ",")
        let value = try JSONParser.parse(bytes(#"{"x":[{"# + members + #"}],"y":true}"#))
        let inner = value.objectValue?["x"].flatMap { if case .array(let a) = $0 { a.first } else { nil } }?.objectValue
        #expect(inner?.members.count == 100)
        #expect(inner?.members.last == JSONObject.Member("m99", .number("99")))
        #expect(value.objectValue?.members.map(\.name) == ["x", "y"])
        // As deep as the parser goes, and one level more refused.
        let deep = String(repeating: "[", count: JSONParser.maxDepth) + String(repeating: "]", count: JSONParser.maxDepth)
        #expect(throws: Never.self) { try JSONParser.parse(bytes(deep)) }
        #expect(throws: RewriteError.self) { try JSONParser.parse(bytes("[" + deep + "]")) }
    }

}
