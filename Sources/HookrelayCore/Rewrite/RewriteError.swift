/// Why a stored body could not be shaped for a destination (unparseable body, bad template or
/// signing key); the scheduler records the delivery as dead with error `rewrite`.
public struct RewriteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, for the failure log (never the body's contents).
    public let reason: String
    /// The text was refused for holding more values than the parse allowed (`JSONParser`'s
    /// `maxValues`), not for being malformed.
    public let exceedsLimit: Bool

    public init(_ reason: String, exceedsLimit: Bool = false) {
        self.reason = reason
        self.exceedsLimit = exceedsLimit
    }

    public var description: String { reason }
}
