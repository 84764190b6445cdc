/// A rule sending a source's events of some types (and optionally some sending domains) to destinations.
///
/// Keys (`[[route]]`): `source` (string), `events` ([string], `"*"` = all), `domains`
/// ([string], absent = account level), `to` ([destination name]), `where` (table of dotted path
/// → value, see `RouteFilter`; absent = every event of those types).
public struct RouteConfig: Sendable, Equatable {
    public var source: String
    public var events: [String]
    /// nil = account level (every domain).
    public var domains: [String]?
    public var to: [String]
    /// nil = no `where`: the route does not look at the payload.
    public var filter: RouteFilter?

    public init(source: String, events: [String], domains: [String]? = nil, to: [String], filter: RouteFilter? = nil) {
        self.filter = filter
        self.source = source
        self.events = events
        self.domains = domains
        self.to = to
    }
}
