/// Why a stored body could not be shaped for a destination (unparseable body, bad template or
/// signing key); the scheduler records the delivery as dead with error `rewrite`.
public struct RewriteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, for the failure log (never the body's contents).
    public let reason: String

    public init(_ reason: String) { self.reason = reason }

    public var description: String { reason }
}
