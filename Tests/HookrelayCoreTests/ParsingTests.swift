import Testing
@testable import HookrelayCore

private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// A multipart body with CRLF line breaks, a text field and a file part holding arbitrary bytes.
func parsingMultipartBody(boundary: String, fields: [(String, String)], file: (name: String, filename: String, content: [UInt8])?) -> [UInt8] {
    var out: [UInt8] = bytes("preamble to ignore\r\n")
    for (name, value) in fields {
        out += bytes("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
    }
    if let file {
        out += bytes("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.name)\"; filename=\"\(file.filename)\"\r\nContent-Type: message/rfc822\r\n\r\n")
        out += file.content
        out += bytes("\r\n")
    }
    out += bytes("--\(boundary)--\r\nepilogue")
    return out
}

@Suite struct ParsingFormURLEncodedTests {
    @Test func decodesPlusPercentAndKeepsRepeats() {
        let form = FormURLEncodedParser.parse(bytes("a=1+2&b=%41%62%e2%82%ac&tag=x&tag=y&empty=&flag&&c=100%&d=%zz"))
        #expect(form.first("a") == "1 2")
        #expect(form.first("b") == "Ab€")
        #expect(form.all("tag") == ["x", "y"])
        #expect(form.first("tag") == "x")
        #expect(form.first("empty") == "")
        #expect(form.first("flag") == "")
        #expect(form.first("c") == "100%")   // a lone % stays literal (WHATWG)
        #expect(form.first("d") == "%zz")
        #expect(form.fields.count == 8)
        #expect(FormURLEncodedParser.parse([]).fields.isEmpty)
    }
}

@Suite struct ParsingHeaderParametersTests {
    @Test func quotedAndBareParameters() {
        let p = HeaderParameters(parsing: #"Multipart/Form-Data; charset=utf-8; boundary="a b;\"c\"""#)
        #expect(p.value == "multipart/form-data")
        #expect(p.parameter("boundary") == #"a b;"c""#)
        #expect(p.parameter("charset") == "utf-8")
        let d = HeaderParameters(parsing: #"form-data; name="attachment-1"; filename="bounce.eml""#)
        #expect(d.value == "form-data" && d.parameter("name") == "attachment-1" && d.parameter("filename") == "bounce.eml")
        #expect(HeaderParameters(parsing: "multipart/form-data; boundary=XyZ").parameter("boundary") == "XyZ")
    }
}

@Suite struct ParsingMultipartTests {
    @Test func fieldsAndBinaryFileWithCRLF() throws {
        var content: [UInt8] = bytes("Received: by mx\r\n\r\n--not-the-boundary\r\n")
        content += (0...255).map(UInt8.init)
        content += bytes("\r\n-\r\n--")
        let body = parsingMultipartBody(
            boundary: "b0undary-Xy", fields: [("event", "bounced"), ("multi", "line one\r\nline two"), ("empty", "")],
            file: ("attachment-1", "message.mime", content))
        let form = try MultipartFormParser.parse(body, boundary: "b0undary-Xy")
        #expect(form.first("event") == "bounced")
        #expect(form.first("multi") == "line one\r\nline two")
        #expect(form.first("empty") == "")
        #expect(form.first("attachment-1") == nil)
        #expect(form.files.count == 1)
        let file = try #require(form.files.first)
        #expect(file.name == "attachment-1" && file.filename == "message.mime" && file.contentType == "message/rfc822")
        #expect(Array(body[file.range]) == content)
    }

    @Test func bodyWithoutPreambleAndQuotedBoundaryInContentType() throws {
        let body = bytes("--q\r\ncontent-disposition: form-data; name=\"a\"\r\n\r\n1\r\n--q--")
        let parsed = try WebhookBody.parse(body, kind: .multipart, contentType: #"multipart/form-data; boundary="q""#)
        #expect(parsed.formFields?.first("a") == "1")
    }

    @Test func malformedBodiesThrow() {
        let missingClose = bytes("--q\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n")
        #expect(throws: BodyParseError.self) { try MultipartFormParser.parse(missingClose, boundary: "q") }
        #expect(throws: BodyParseError.self) { try MultipartFormParser.parse(bytes("no boundary here"), boundary: "q") }
        let unterminatedHeaders = bytes("--q\r\nContent-Disposition: form-data; name=\"a\"")
        #expect(throws: BodyParseError.self) { try MultipartFormParser.parse(unterminatedHeaders, boundary: "q") }
        #expect(throws: BodyParseError.self) { try WebhookBody.parse(bytes("--q--"), kind: .multipart, contentType: "multipart/form-data") }
    }
}

@Suite struct ParsingJSONTests {
    @Test func objectRequired() throws {
        #expect(throws: BodyParseError.self) { try WebhookBody.parse(bytes("[1,2]"), kind: .json, contentType: "application/json") }
        #expect(throws: BodyParseError.self) { try WebhookBody.parse(bytes("{\"a\":"), kind: .json, contentType: "application/json") }
        #expect(throws: BodyParseError.self) { try WebhookBody.parse([], kind: .json, contentType: "application/json") }
        let body = try WebhookBody.parse(bytes(#"{"a":{"b":"x","n":1701388800,"f":1.5,"t":true,"z":null}}"#), kind: .json, contentType: "application/json")
        let object: JSONObject = try #require(body.jsonObject)
        #expect(object["a"]?.objectValue?.members.map(\.name) == ["b", "n", "f", "t", "z"])  // in order
        #expect(JSONLookup.value(at: ["a", "n"], in: object) == .number("1701388800"))
        #expect(JSONLookup.text(at: ["a", "b"], in: object) == "x")
        #expect(JSONLookup.text(at: ["a", "n"], in: object) == "1701388800")
        #expect(JSONLookup.text(at: ["a", "f"], in: object) == "1.5")
        #expect(JSONLookup.text(at: ["a", "t"], in: object) == "true")
        #expect(JSONLookup.text(at: ["a", "z"], in: object) == nil)
        #expect(JSONLookup.text(at: ["a"], in: object) == nil)
        #expect(JSONLookup.text(at: ["a", "missing"], in: object) == nil)
    }

    @Test func mediaTypeOfContentType() {
        #expect(WebhookRequest.mediaType(of: "application/json") == "application/json")
        #expect(WebhookRequest.mediaType(of: "Application/JSON; charset=UTF-8") == "application/json")
        #expect(WebhookRequest.mediaType(of: "  multipart/form-data ;boundary=AbC") == "multipart/form-data")
        #expect(WebhookRequest.mediaType(of: "application/JSON") == "application/json")
        #expect(WebhookRequest.mediaType(of: "\tapplication/json\t; charset=utf-8") == "application/json")
        #expect(HeaderParameters(parsing: "\tMultipart/Form-Data \t; boundary=b").value == "multipart/form-data")
        #expect(WebhookRequest.mediaType(of: "text/plain;") == "text/plain")
        // Nothing before the first `;` is no media type (as `HeaderParameters` reads it), not the
        // first parameter taken for one.
        #expect(WebhookRequest.mediaType(of: ";application/json") == nil)
        #expect(WebhookRequest.mediaType(of: " ; charset=utf-8") == nil)
        #expect(WebhookRequest.mediaType(of: "") == nil)
        let request = WebhookRequest(method: "POST", path: "/", headers: [HeaderField(name: "CONTENT-TYPE", value: "Application/X-WWW-Form-Urlencoded")], body: [])
        #expect(request.mediaType == "application/x-www-form-urlencoded")
        #expect(WebhookRequest(method: "POST", path: "/", headers: [], body: []).mediaType == nil)
    }

    @Test func mediaTypes() {
        #expect(WebhookBody.Kind(mediaType: "application/json") == .json)
        #expect(WebhookBody.Kind(mediaType: "application/x-www-form-urlencoded") == .formURLEncoded)
        #expect(WebhookBody.Kind(mediaType: "multipart/form-data") == .multipart)
        #expect(WebhookBody.Kind(mediaType: "text/plain") == nil)
        #expect(WebhookBody.Kind(mediaType: nil) == nil)
    }

    @Test func legacyMessageHeaders() {
        let json = #"[["Content-Type", ["text/plain", {"charset": "ascii"}]], ["MESSAGE-ID", "<1@x.org>"], ["Message-Id", "<2@y.org>"]]"#
        #expect(LegacyMessageHeaders.value(of: "message-id", in: json) == "<1@x.org>")
        #expect(LegacyMessageHeaders.value(of: "content-type", in: json) == nil)
        #expect(LegacyMessageHeaders.value(of: "message-id", in: "not json") == nil)
    }
}
