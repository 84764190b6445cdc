/// A rule sending a source's events of some types (and optionally some sending domains) to destinations.
///
/// Keys (`[[route]]`): `source` (string), `events` ([string], `"*"` = all), `domains`
/// ([string], absent = account level), `to` ([destination name]).
public struct RouteConfig: Sendable, Equatable {
    public var source: String
    public var events: [String]
    /// nil = account level (every domain).
    public var domains: [String]?
    public var to: [String]

    public init(source: String, events: [String], domains: [String]? = nil, to: [String]) {
        self.source = source
        self.events = events
        self.domains = domains
        self.to = to
    }
}
