/// Picks the destinations of one event: the union over the matching routes of a source,
/// deduplicated by URL (SPEC §4).
///
/// A route matches an event from `source` when its `events` contain `"*"` or any of the
/// event's `routableTypes`, and its `domains` are absent (account level) or contain the
/// event's sending domain (compared case-insensitively), and its `where` filter (if any) holds in
/// the event's JSON shape (`RouteFilter`). Destinations come out in config
/// order (route order, then `to` order); when two destinations share a URL the first one wins,
/// so the URL gets the event once.
///
/// Everything that does not depend on the event is worked out at init; `destinations` is
/// called once per accepted request and only walks the (few) routes of one source.
public struct Router: Sendable {
    struct CompiledRoute: Sendable {
        /// True when `events` contains `"*"`.
        var allEvents: Bool
        var events: Set<String>
        /// Lowercased; nil = account level.
        var domains: Set<String>?
        /// Resolved destinations of `to`, in order, already deduplicated by URL within the route.
        var destinations: [DestinationConfig]
        var urlKeys: [String]
        var filter: RouteFilter?
    }

    private let routesBySource: [String: [CompiledRoute]]

    public init(config: RelayConfig) {
        var byName: [String: DestinationConfig] = [:]
        for destination in config.destinations where byName[destination.name] == nil {
            byName[destination.name] = destination
        }
        var table: [String: [CompiledRoute]] = [:]
        for route in config.routes {
            var destinations: [DestinationConfig] = []
            var keys: [String] = []
            for name in route.to {
                guard let destination = byName[name] else { continue }
                let key = URLKey.make(destination.url)
                if keys.contains(key) { continue }
                keys.append(key)
                destinations.append(destination)
            }
            let compiled = CompiledRoute(
                allEvents: route.events.contains("*"),
                events: Set(route.events),
                domains: route.domains.map { Set($0.map { $0.lowercased() }) },
                destinations: destinations,
                urlKeys: keys,
                filter: route.filter
            )
            table[route.source, default: []].append(compiled)
        }
        routesBySource = table
    }

    /// The destinations an event received on `source` goes to; empty when no route wants it (406).
    /// `payload` is looked at only by a route with a `where` filter whose types and domains match;
    /// without one (nil) such a route does not match.
    public func destinations(source: String, event: ReceivedEvent, payload: EventPayload? = nil) -> [DestinationConfig] {
        guard let routes = routesBySource[source] else { return [] }
        var lowercasedDomain: String??  // computed at most once, only if a domain-level route is met
        var document: JSONValue??  // likewise, only if a filtered route is met
        var result: [DestinationConfig] = []
        var seen: [String] = []
        for route in routes {
            guard route.allEvents || matchesType(route.events, event) else { continue }
            if let domains = route.domains {
                if lowercasedDomain == nil { lowercasedDomain = .some(event.domain?.lowercased()) }
                guard let domain = lowercasedDomain!, domains.contains(domain) else { continue }
            }
            if let filter = route.filter {
                if document == nil { document = .some(payload?.document) }
                guard let value = document!, filter.matches(value) else { continue }
            }
            for (destination, key) in zip(route.destinations, route.urlKeys) where !seen.contains(key) {
                seen.append(key)
                result.append(destination)
            }
        }
        return result
    }

    /// True when some route of `source` exists at all (an unknown source routes nothing).
    public func hasRoutes(source: String) -> Bool { routesBySource[source] != nil }

    private func matchesType(_ events: Set<String>, _ event: ReceivedEvent) -> Bool {
        if events.contains(event.type) { return true }
        for alias in event.typeAliases where events.contains(alias) { return true }
        return false
    }
}

/// The form of a URL used to decide that two destinations are "the same URL": scheme and host
/// lowercased (they are case-insensitive), the rest kept byte for byte.
enum URLKey {
    static func make(_ url: String) -> String {
        guard let schemeEnd = url.firstRange(of: "://") else { return url }
        let afterScheme = url[schemeEnd.upperBound...]
        let authorityEnd = afterScheme.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? afterScheme.endIndex
        return url[..<authorityEnd].lowercased() + url[authorityEnd...]
    }
}
