/// A key of one table of relay.conf. Each table's keys are declared once, as the cases of one
/// enum below: `checkKeys` refuses what is not a case, and the loader reads each key through
/// its case (`r.string(ServerKey.listen)`), so a key misspelled in the loader does not compile.
protocol ConfigKey: RawRepresentable, CaseIterable where RawValue == String {}

extension ConfigKey {
    /// Every key of the table, as written in the file.
    static var names: [String] { allCases.map(\.rawValue) }
}

/// The top level of the file: its tables, and the `[server]` keys that may be written there.
enum TopKey: String, ConfigKey {
    case server, defaults, source, destination, route

    /// Keys of `[server]` that may also be written at the top level (not both).
    static let serverKeys: [ServerKey] = [.maxURLsPerEvent, .dedupWindow, .failureLogRetention]
}

/// `[server]` (SPEC §9–§11; ServerConfig says what each is).
enum ServerKey: String, ConfigKey {
    case listen
    case adminListen = "admin_listen"
    case adminToken = "admin_token"
    case dataDir = "data_dir"
    case maxBody = "max_body"
    case maxURLsPerEvent = "max_urls_per_event"
    case dedupWindow = "dedup_window"
    case failureLogRetention = "failure_log_retention"
    case idleTimeout = "idle_timeout"
    case queueLimit = "queue_limit"
    case maxBuffered = "max_buffered"
    case maxConnections = "max_connections"
    case headerTimeout = "header_timeout"
    case adminHosts = "admin_hosts"
    case store
    case claimLease = "claim_lease"
}

/// `[[source]]`.
enum SourceKey: String, ConfigKey {
    case name, path, verify, keys
    case maxAge = "max_age"
    case allowUnsigned = "allow_unsigned"
    case idFrom = "id_from"
    case typeFrom = "type_from"
    case header, encoding
}

/// `[[destination]]`; all but `name` and `url` may also be set in `[defaults]`.
enum DestinationKey: String, ConfigKey {
    case name, url
    case rewrite, template, redact, sign
    case signKey = "sign_key"
    case headers, timeout, retry, success
    case maxInFlight = "max_in_flight"
    case rate
    case caFile = "ca_file"
    case httpVersion = "http_version"
    case pauseAfter = "pause_after"
    case probeEvery = "probe_every"

    /// The keys `[defaults]` takes.
    static var settings: [String] { names.filter { $0 != DestinationKey.name.rawValue && $0 != DestinationKey.url.rawValue } }
}

/// `[[route]]`.
enum RouteKey: String, ConfigKey {
    case source, events, domains, to
    case filter = "where"
}

/// Request headers a destination may not set: hookrelay or the HTTP layer writes them.
enum ReservedHeaders {
    static let names: Set<String> = ["host", "content-length", "transfer-encoding", "connection",
                                     "user-agent", "x-hookrelay-event-id", "x-hookrelay-attempt"]
}
