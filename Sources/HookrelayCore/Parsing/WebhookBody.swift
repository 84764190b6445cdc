/// A request body read according to its media type: a JSON object or form fields.
enum WebhookBody {
    /// The body kinds hookrelay accepts; any other media type is answered 415.
    enum Kind: Sendable, Equatable {
        case json
        case formURLEncoded
        case multipart

        /// The kind for a lowercased media type without parameters (`WebhookRequest.mediaType`).
        init?(mediaType: String?) {
            switch mediaType {
            case "application/json": self = .json
            case "application/x-www-form-urlencoded": self = .formURLEncoded
            case "multipart/form-data": self = .multipart
            default: return nil
            }
        }
    }

    /// A JSON body; the top level is always an object. Read by `JSONParser` in strict mode, so a
    /// body accepted here reads back the same way on the rewrite path; as there, a duplicate member
    /// name keeps every member in order and lookups take the first (`{"id":"a","id":"b"}` has id `a`).
    case json(JSONObject)
    /// A urlencoded or multipart body.
    case form(FormFields)

    /// Reads `body` as `kind`; `contentType` is the full header value (multipart needs its boundary).
    /// A body of more than `maxElements` JSON values, or form fields and files, is refused with
    /// `tooLarge` set (`BodyElementLimit`).
    static func parse(
        _ body: [UInt8], kind: Kind, contentType: String, maxElements: Int = BodyElementLimit.maxElements
    ) throws(BodyParseError) -> WebhookBody {
        switch kind {
        case .json:
            guard !body.isEmpty else { throw BodyParseError("empty JSON body") }
            let value: JSONValue
            do {
                // Strict: invalid UTF-8 and lone surrogate escapes are refused (400), not replaced.
                value = try JSONParser.parse(body, strict: true, maxValues: maxElements)
            } catch {
                if error.exceedsLimit { throw BodyParseError(error.reason, tooLarge: true) }
                throw BodyParseError("body is not valid JSON")
            }
            guard case .object(let object) = value else { throw BodyParseError("JSON body is not an object") }
            return .json(object)
        case .formURLEncoded:
            guard let form = FormURLEncodedParser.parse(body, maxFields: maxElements) else {
                throw BodyParseError("body has more than \(maxElements) form fields", tooLarge: true)
            }
            return .form(form)
        case .multipart:
            guard let boundary = HeaderParameters(parsing: contentType).parameter("boundary"), !boundary.isEmpty else {
                throw BodyParseError("multipart Content-Type has no boundary")
            }
            return .form(try MultipartFormParser.parse(body, boundary: boundary, maxParts: maxElements))
        }
    }

    /// The JSON object, if this is a JSON body.
    var jsonObject: JSONObject? {
        if case .json(let object) = self { return object }
        return nil
    }

    /// The form fields, if this is a form body.
    var formFields: FormFields? {
        if case .form(let fields) = self { return fields }
        return nil
    }
}
