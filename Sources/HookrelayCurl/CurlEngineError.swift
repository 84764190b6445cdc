/// Why a `CurlEngine` could not be made.
public enum CurlEngineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `curl_global_init` failed (the message is curl's).
    case globalInitFailed(String)
    /// `curl_multi_init` returned nothing (out of memory).
    case multiInitFailed

    public var description: String {
        switch self {
        case .globalInitFailed(let message): "curl_global_init failed: \(message)"
        case .multiInitFailed: "curl_multi_init failed"
        }
    }
}
