/// What one client may hold of a listener (SPEC §11): the body size, the memory bodies share
/// across connections, the number of connections, and how long a head and a body may take.
public struct ListenerLimits: Sendable {
    /// Largest body accepted (`max_body`); past it `413`.
    public var maxBody: Int
    /// Shared by every connection (of both listeners, when they are given the same one).
    public var bodies: BodyBudget
    /// Open connections at most; past it a new connection is closed at once.
    public var maxConnections: Int
    /// A request's head must be complete this long after the connection's accept, or after the
    /// end of the previous answer on a kept-alive connection.
    public var headerTimeout: Duration
    /// A connection that reads nothing for this long is closed (between requests, or a body
    /// that stopped moving); one waiting for its answer is not.
    public var idleTimeout: Duration
    /// The largest head (request line and header fields) NIO's decoder takes; past it `400`.
    public var maxHeadBytes: Int

    public init(
        maxBody: Int, bodies: BodyBudget, maxConnections: Int = 10_000,
        headerTimeout: Duration = .seconds(10), idleTimeout: Duration = .seconds(60), maxHeadBytes: Int = 16 << 10
    ) {
        self.maxBody = maxBody
        self.bodies = bodies
        self.maxConnections = maxConnections
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        self.maxHeadBytes = maxHeadBytes
    }
}
