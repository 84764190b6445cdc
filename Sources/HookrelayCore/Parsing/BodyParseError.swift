/// Why a request body could not be read; the verifier answers it with 400 (`IngestRefusal.malformed`),
/// or 413 (`IngestRefusal.tooLarge`) for a body over `BodyElementLimit`.
struct BodyParseError: Error, Sendable, Equatable {
    /// What is wrong, for logs and the response body (never the body's contents).
    let reason: String
    /// The body holds more elements than `BodyElementLimit.maxElements`.
    let tooLarge: Bool

    init(_ reason: String, tooLarge: Bool = false) {
        self.reason = reason
        self.tooLarge = tooLarge
    }
}
