/// Process-wide settings (`[server]` in relay.conf).
///
/// Keys: `listen` (host:port, default 127.0.0.1:8080), `admin_listen` (host:port, default
/// 127.0.0.1:9090), `admin_token` (string, required when admin_listen is not loopback),
/// `data_dir` (path, default ./data), `max_body` (size, default 10MiB), `max_urls_per_event`
/// (int, default 3), `dedup_window` (duration, default 72h), `failure_log_retention` (duration,
/// default 30d = 720h), `idle_timeout` (duration, default 60s), `queue_limit` (int, default
/// 10000: accepts waiting for a commit before 503), and the limits of SPEC §11: `max_buffered`
/// (size, default 256MiB: request bodies held across all connections), `max_connections` (int,
/// default 10000 per listener), `header_timeout` (duration, default 10s), `admin_hosts` (names
/// the admin listener answers to besides loopback and `admin_listen`'s host, default none), and
/// for several nodes (SPEC §10): `store` (a `postgres://user:pw@host:5432/db` URL, `env:`/`file:`
/// allowed; absent = SQLite in `data_dir`) and `claim_lease` (duration, default 30s: how long a
/// node's claim on a delivery holds before another node may take it).
public struct ServerConfig: Sendable, Equatable {
    public var listen: SocketAddressSpec
    public var adminListen: SocketAddressSpec
    public var adminToken: String?
    public var dataDirectory: String
    public var maxBody: Int
    public var maxURLsPerEvent: Int
    public var dedupWindow: Duration
    public var failureLogRetention: Duration
    public var idleTimeout: Duration
    public var queueLimit: Int
    public var maxBuffered: Int
    public var maxConnections: Int
    public var headerTimeout: Duration
    public var adminHosts: [String]
    /// The shared PostgreSQL store's URL; nil = SQLite in `dataDirectory`.
    public var store: String?
    public var claimLease: Duration

    /// Added to the longest destination `timeout` for the shortest `claim_lease` allowed.
    public static let claimLeaseMargin: Duration = .seconds(5)

    public init(
        listen: SocketAddressSpec = SocketAddressSpec(host: "127.0.0.1", port: 8080),
        adminListen: SocketAddressSpec = SocketAddressSpec(host: "127.0.0.1", port: 9090),
        adminToken: String? = nil,
        dataDirectory: String = "./data",
        maxBody: Int = 10 * 1024 * 1024,
        maxURLsPerEvent: Int = 3,
        dedupWindow: Duration = .seconds(72 * 3600),
        failureLogRetention: Duration = .seconds(30 * 24 * 3600),
        idleTimeout: Duration = .seconds(60),
        queueLimit: Int = 10_000,
        maxBuffered: Int = 256 * 1024 * 1024,
        maxConnections: Int = 10_000,
        headerTimeout: Duration = .seconds(10),
        adminHosts: [String] = [],
        store: String? = nil,
        claimLease: Duration = .seconds(30)
    ) {
        self.listen = listen
        self.adminListen = adminListen
        self.adminToken = adminToken
        self.dataDirectory = dataDirectory
        self.maxBody = maxBody
        self.maxURLsPerEvent = maxURLsPerEvent
        self.dedupWindow = dedupWindow
        self.failureLogRetention = failureLogRetention
        self.idleTimeout = idleTimeout
        self.queueLimit = queueLimit
        self.maxBuffered = maxBuffered
        self.maxConnections = maxConnections
        self.headerTimeout = headerTimeout
        self.adminHosts = adminHosts
        self.store = store
        self.claimLease = claimLease
    }
}

/// A `host:port` to listen on (`[::1]:8080` for IPv6).
public struct SocketAddressSpec: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` or `[v6]:port`; port 0 asks the system for a free one.
    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.host = host
        self.port = port
    }

    /// True for an IP literal in 127.0.0.0/8, `::1`, or the name `localhost` (SPEC §11); any
    /// other name, `127.evil.example` among them, is not loopback.
    public var isLoopback: Bool { LoopbackHost.isLoopback(host) }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
