/// Why a request body could not be read; the verifier answers it with 400 (`IngestRefusal.malformed`).
struct BodyParseError: Error, Sendable, Equatable {
    /// What is wrong, for logs and the response body (never the body's contents).
    let reason: String

    init(_ reason: String) { self.reason = reason }
}
