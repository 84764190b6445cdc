/// Why an inbound request is refused before it reaches the store, with the status to answer.
public struct IngestRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// Raw values are the metric label and log name: snake_case, as every other outcome label.
    private enum Code: String, Sendable {
        case malformed, unsigned, stale
        case tooLarge = "too_large"
        case badSignature = "bad_signature"
        case unsupportedMediaType = "unsupported_media_type"
    }

    private let code: Code
    /// Human-readable detail for logs and the response body; never contains key material.
    public let reason: String

    private init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// 400: the body cannot be read or lacks what the event needs (id, type).
    public static func malformed(_ reason: String) -> IngestRefusal { .init(.malformed, reason) }
    /// 401: no signature where one is required.
    public static func unsigned(_ reason: String) -> IngestRefusal { .init(.unsigned, reason) }
    /// 401: a signature that matches no key.
    public static func badSignature(_ reason: String) -> IngestRefusal { .init(.badSignature, reason) }
    /// 401: a timestamp further than `max_age` from now.
    public static func stale(_ reason: String) -> IngestRefusal { .init(.stale, reason) }
    /// 413: a body of more elements than `BodyElementLimit` allows (the listener answers 413 for
    /// one over `max_body` itself).
    public static func tooLarge(_ reason: String) -> IngestRefusal { .init(.tooLarge, reason) }
    /// 415: a content type the source does not take.
    public static func unsupportedMediaType(_ reason: String) -> IngestRefusal { .init(.unsupportedMediaType, reason) }

    /// The HTTP status answered to the sender.
    public var status: Int {
        switch code {
        case .malformed: return 400
        case .tooLarge: return 413
        case .unsigned, .badSignature, .stale: return 401
        case .unsupportedMediaType: return 415
        }
    }

    /// A short stable name for logs and metric labels.
    public var shortName: String { code.rawValue }

    public var description: String { "\(code.rawValue): \(reason)" }
}
