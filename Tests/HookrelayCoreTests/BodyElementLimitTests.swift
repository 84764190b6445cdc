import Testing
@testable import HookrelayCore

/// SPEC §11: reading a body costs memory per element, so a body may hold at most
/// `BodyElementLimit.maxElements` JSON values, or form fields and files; past it, 413.
@Suite struct BodyElementLimitTests {
    private static let limit = BodyElementLimit.maxElements

    private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// `{"a":[0,0,…]}` with `zeros` zeros: 2 + zeros values.
    private func jsonArrayBody(zeros: Int) -> [UInt8] {
        var body = bytes(#"{"a":["#)
        body.reserveCapacity(body.count + zeros * 2 + 2)
        for index in 0..<zeros { body += index == 0 ? [0x30] : [0x2C, 0x30] }
        return body + bytes("]}")
    }

    @Test func jsonCountsEveryValueNestedOrNot() throws {
        // 1 object + 2 members (a string, an array) + 3 elements (a number, an empty object, null) = 6.
        let body = bytes(#"{"s":"x","a":[1,{},null]}"#)
        _ = try JSONParser.parse(body, strict: true, maxValues: 6)
        #expect(throws: RewriteError("body has more than 5 JSON values", exceedsLimit: true)) {
            try JSONParser.parse(body, strict: true, maxValues: 5)
        }
        // Malformed text stays malformed, not too large.
        let error = #expect(throws: RewriteError.self) { try JSONParser.parse(bytes(#"{"a":"#), strict: true, maxValues: 100) }
        #expect(error?.exceedsLimit == false)
    }

    @Test func jsonBodyAtTheLimitIsReadAndOneMoreIsTooLarge() throws {
        let atLimit = try WebhookBody.parse(jsonArrayBody(zeros: Self.limit - 2), kind: .json, contentType: "application/json")
        #expect(atLimit.jsonObject?["a"] != nil)
        #expect(throws: BodyParseError("body has more than \(Self.limit) JSON values", tooLarge: true)) {
            try WebhookBody.parse(jsonArrayBody(zeros: Self.limit - 1), kind: .json, contentType: "application/json")
        }
    }

    @Test func urlencodedFieldsAreCountedEmptyPairsAreNot() throws {
        let body = bytes("a=1&&b&&c=")
        #expect(try WebhookBody.parse(body, kind: .formURLEncoded, contentType: "application/x-www-form-urlencoded", maxElements: 3).formFields?.fields.count == 3)
        #expect(throws: BodyParseError("body has more than 2 form fields", tooLarge: true)) {
            try WebhookBody.parse(body, kind: .formURLEncoded, contentType: "application/x-www-form-urlencoded", maxElements: 2)
        }
        // The unbounded form (query strings, the rewrite path) reads them all.
        #expect(FormURLEncodedParser.parse(body).fields.count == 3)
    }

    @Test func urlencodedBodyAtTheLimitIsReadAndOneMoreIsTooLarge() throws {
        func form(_ fields: Int) -> [UInt8] { Array(repeating: bytes("a&"), count: fields).flatMap { $0 } }
        let atLimit = try WebhookBody.parse(form(Self.limit), kind: .formURLEncoded, contentType: "application/x-www-form-urlencoded")
        #expect(atLimit.formFields?.fields.count == Self.limit)
        let refused = #expect(throws: BodyParseError.self) {
            try WebhookBody.parse(form(Self.limit + 1), kind: .formURLEncoded, contentType: "application/x-www-form-urlencoded")
        }
        #expect(refused?.tooLarge == true)
    }

    @Test func multipartFieldsAndFilesAreCountedTogether() throws {
        let body = parsingMultipartBody(boundary: "xyz", fields: [("a", "1"), ("b", "2")], file: (name: "attachment-1", filename: "m.eml", content: bytes("data")))
        let contentType = "multipart/form-data; boundary=xyz"
        let form = try #require(try WebhookBody.parse(body, kind: .multipart, contentType: contentType, maxElements: 3).formFields)
        #expect(form.fields.count == 2 && form.files.count == 1)
        #expect(throws: BodyParseError("body has more than 2 multipart fields and files", tooLarge: true)) {
            try WebhookBody.parse(body, kind: .multipart, contentType: contentType, maxElements: 2)
        }
    }

    /// Mailgun's signature is inside the body, so the limit applies before it is checked: an
    /// unsigned body over the limit is 413, at the limit it is read and then refused as unsigned.
    @Test func theVerifierAnswers413BeforeTheSignature() {
        let verifier = SourceVerifier(source: SourceConfig(name: "mailgun", path: "/hook", scheme: .mailgun, keys: [bytes("key")]))
        func receive(_ body: [UInt8]) -> IngestRefusal? {
            let request = WebhookRequest(method: "POST", path: "/hook", headers: [HeaderField(name: "Content-Type", value: "application/json")], body: body)
            if case .failure(let refusal) = verifier.receive(request, now: 1_701_388_800) { return refusal }
            return nil
        }
        let over = receive(jsonArrayBody(zeros: Self.limit - 1))
        #expect(over?.status == 413 && over?.shortName == "too_large")
        #expect(over?.reason == "body has more than \(Self.limit) JSON values")
        #expect(receive(jsonArrayBody(zeros: Self.limit - 2))?.shortName == "unsigned")
    }
}

/// A multipart part's headers are split into lines and parameters before the signature is known,
/// so they are bounded too (`MultipartFormParser.maxPartHeaderBytes`); past it, 413.
@Suite struct MultipartPartHeaderLimitTests {
    private let limit = MultipartFormParser.maxPartHeaderBytes

    /// One part whose header section is exactly `headerBytes` long.
    private func body(headerBytes: Int) -> [UInt8] {
        let start = "Content-Disposition: form-data; name=x; a="
        let header = start + String(repeating: "v", count: headerBytes - start.utf8.count)
        #expect(header.utf8.count == headerBytes)
        return Array("--b\r\n\(header)\r\n\r\nv\r\n--b--\r\n".utf8)
    }

    @Test func partHeadersAtTheLimitAreReadAndLongerOnesAreTooLarge() throws {
        let contentType = "multipart/form-data; boundary=b"
        let atLimit = try WebhookBody.parse(body(headerBytes: limit), kind: .multipart, contentType: contentType)
        #expect(atLimit.formFields?.first("x") == "v")
        #expect(throws: BodyParseError("multipart part headers over 8 KiB", tooLarge: true)) {
            try WebhookBody.parse(body(headerBytes: limit + 1), kind: .multipart, contentType: contentType)
        }
    }

    /// `message-headers` is read when a legacy event is identified; it is one form field, so
    /// its JSON is bounded on its own.
    @Test func legacyMessageHeadersOverTheLimitAreNotRead() {
        let pairs = #"[["Message-Id","<a@mg.example.com>"]"#
        #expect(LegacyMessageHeaders.value(of: "message-id", in: pairs + "]") == "<a@mg.example.com>")
        // 1 list + 3 values in the first pair + 2 per [0] = over the limit.
        let many = pairs + String(repeating: ",[0]", count: BodyElementLimit.maxElements / 2) + "]"
        #expect(LegacyMessageHeaders.value(of: "message-id", in: many) == nil)
        #expect(LegacyMessageHeaders.pairs(many).isEmpty)
    }
}
