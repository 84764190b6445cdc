/// Why a configured signing key or secret cannot be used. The reason never quotes the key.
///
/// The config loader refuses such a key (exit 2, naming the key); the signer and the verifier
/// decode keys with the same functions, so a key that loads never fails at send time.
public struct SigningKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, e.g. `the key is empty`.
    public let reason: String

    public init(_ reason: String) { self.reason = reason }

    public var description: String { reason }

    /// The same problem met when an attempt builds its request (a config built in code, not loaded).
    var rewriteError: RewriteError { RewriteError("sign_key: \(reason)") }
}
