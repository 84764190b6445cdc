import Foundation

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

    /// A JSON body; the top level is always an object (values as `JSONSerialization` gives them).
    case json([String: Any])
    /// A urlencoded or multipart body.
    case form(FormFields)

    /// Reads `body` as `kind`; `contentType` is the full header value (multipart needs its boundary).
    static func parse(_ body: [UInt8], kind: Kind, contentType: String) throws(BodyParseError) -> WebhookBody {
        switch kind {
        case .json:
            guard !body.isEmpty else { throw BodyParseError("empty JSON body") }
            let object: Any
            do {
                object = try JSONSerialization.jsonObject(with: Data(body))
            } catch {
                throw BodyParseError("body is not valid JSON")
            }
            guard let dictionary = object as? [String: Any] else { throw BodyParseError("JSON body is not an object") }
            return .json(dictionary)
        case .formURLEncoded:
            return .form(FormURLEncodedParser.parse(body))
        case .multipart:
            guard let boundary = HeaderParameters(parsing: contentType).parameter("boundary"), !boundary.isEmpty else {
                throw BodyParseError("multipart Content-Type has no boundary")
            }
            return .form(try MultipartFormParser.parse(body, boundary: boundary))
        }
    }

    /// The JSON object, if this is a JSON body.
    var jsonObject: [String: Any]? {
        if case .json(let object) = self { return object }
        return nil
    }

    /// The form fields, if this is a form body.
    var formFields: FormFields? {
        if case .form(let fields) = self { return fields }
        return nil
    }
}
