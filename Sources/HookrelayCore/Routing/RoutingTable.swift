/// The routing of a configuration spelled out, as `hookrelay check` prints and validates it.
///
/// For each source: each event type its routes name, plus `*` (any other type); each sending
/// domain its routes name, plus account level (any other domain); and for each such pair the
/// distinct destination URLs an event would be delivered to. An event type that has aliases
/// (`failed` → `permanent_fail`, `temporary_fail`; see `EventTypeAliases`) gets one row per
/// alias named in the routes, e.g. `failed/permanent_fail`, since such an event matches routes
/// naming either name.
public struct RoutingTable: Sendable, Equatable {
    /// One URL an event is delivered to, and the destinations (sharing that URL) that lead there.
    public struct Target: Sendable, Equatable {
        public var url: String
        /// Destination names with this URL, first the one whose settings are used.
        public var names: [String]
        /// Index into `RelayConfig.routes` of the first route that reaches this URL.
        public var routeIndex: Int
    }

    /// One source × event type × domain combination.
    public struct Entry: Sendable, Equatable {
        public var source: String
        /// The type, or `*` for any type the routes do not name.
        public var event: String
        /// The alias this row's event carries (`permanent_fail` for `failed/permanent_fail`), if any.
        public var alias: String?
        /// The sending domain (lowercased), or nil for account level (any other domain).
        public var domain: String?
        /// Distinct URLs, in delivery order.
        public var targets: [Target]
        /// Indexes into `RelayConfig.routes` of the routes that match, in order.
        public var routeIndices: [Int]

        /// `failed`, `failed/permanent_fail` or `*`.
        public var eventLabel: String { eventLabel { $0 } }
        /// The domain, or `*` for account level.
        public var domainLabel: String { domain ?? "*" }

        /// `eventLabel` with each name shown by `showing`.
        func eventLabel(_ showing: (String) -> String) -> String {
            event == "*" ? event : alias.map { "\(showing(event))/\(showing($0))" } ?? showing(event)
        }
    }

    /// A combination with more distinct URLs than `max_urls_per_event` allows.
    public struct Violation: Sendable, Equatable, CustomStringConvertible {
        public var entry: Entry
        public var limit: Int
        /// Index into `RelayConfig.routes` of the route that brings the count over the limit.
        public var routeIndex: Int

        public var description: String {
            // Printed by `check` and at start: URLs masked (`URLMasking`), as they may carry secrets.
            description(showingName: { $0 }, showingURL: URLMasking.mask)
        }

        /// The description with names, event types and domains shown by `showingName` and URLs by
        /// `showingURL` (the config loader shows a value read from `env:`/`file:` as that reference).
        public func description(showingName: (String) -> String, showingURL: (String) -> String) -> String {
            let domain = entry.domain.map { "domain \"\(showingName($0))\"" } ?? "account level"
            let urls = entry.targets.map { showingURL($0.url) }.joined(separator: ", ")
            return "source \"\(showingName(entry.source))\", event \"\(entry.eventLabel(showingName))\", \(domain): "
                + "\(entry.targets.count) destination URLs (\(urls)), more than max_urls_per_event = \(limit)"
        }
    }

    public let entries: [Entry]

    public init(config: RelayConfig, typeAliases: [String: [String]] = EventTypeAliases.mailgun) {
        var aliasBase: [String: String] = [:]
        for (base, aliases) in typeAliases { for alias in aliases { aliasBase[alias] = base } }
        var destinationsByName: [String: DestinationConfig] = [:]
        for destination in config.destinations where destinationsByName[destination.name] == nil {
            destinationsByName[destination.name] = destination
        }

        var sourceNames = config.sources.map(\.name)
        for route in config.routes where !sourceNames.contains(route.source) { sourceNames.append(route.source) }

        var entries: [Entry] = []
        for source in sourceNames {
            let routes = config.routes.indices.filter { config.routes[$0].source == source }
            var named: [String] = []
            var domains: [String] = []
            for index in routes {
                for event in config.routes[index].events where event != "*" && !named.contains(event) { named.append(event) }
                for domain in config.routes[index].domains ?? [] {
                    let lower = domain.lowercased()
                    if !domains.contains(lower) { domains.append(lower) }
                }
            }
            // Event rows: (type, alias) pairs in the order the routes name them, then "*".
            var variants: [(type: String, alias: String?)] = []
            for name in named {
                if let base = aliasBase[name] {
                    if !variants.contains(where: { $0.type == base && $0.alias == name }) { variants.append((base, name)) }
                } else if !variants.contains(where: { $0.type == name && $0.alias == nil }) {
                    variants.append((name, nil))
                    for alias in typeAliases[name] ?? [] where named.contains(alias)
                        && !variants.contains(where: { $0.type == name && $0.alias == alias }) {
                        variants.append((name, alias))
                    }
                }
            }
            variants.append(("*", nil))

            for variant in variants {
                let types: [String] = variant.type == "*" ? [] : [variant.type] + (variant.alias.map { [$0] } ?? [])
                for domain in domains.map(Optional.some) + [nil] {
                    var matched: [Int] = []
                    var targets: [Target] = []
                    var keys: [String] = []
                    for index in routes {
                        let route = config.routes[index]
                        guard route.events.contains("*") || types.contains(where: route.events.contains) else { continue }
                        if let routeDomains = route.domains {
                            guard let domain, routeDomains.contains(where: { $0.lowercased() == domain }) else { continue }
                        }
                        matched.append(index)
                        for name in route.to {
                            guard let destination = destinationsByName[name] else { continue }
                            let key = URLKey.make(destination.url)
                            if let at = keys.firstIndex(of: key) {
                                if !targets[at].names.contains(name) { targets[at].names.append(name) }
                            } else {
                                keys.append(key)
                                targets.append(Target(url: destination.url, names: [name], routeIndex: index))
                            }
                        }
                    }
                    entries.append(Entry(source: source, event: variant.type, alias: variant.alias, domain: domain,
                                         targets: targets, routeIndices: matched))
                }
            }
        }
        self.entries = entries
    }

    /// The combinations with more than `maxURLsPerEvent` distinct URLs, in table order.
    public func violations(maxURLsPerEvent: Int) -> [Violation] {
        let maxURLsPerEvent = max(0, maxURLsPerEvent)
        return entries.compactMap { entry in
            guard entry.targets.count > maxURLsPerEvent else { return nil }
            return Violation(entry: entry, limit: maxURLsPerEvent, routeIndex: entry.targets[maxURLsPerEvent].routeIndex)
        }
    }

    /// Plain text with aligned columns: source, event, domain, destinations (`name <url>`,
    /// several names when destinations share a URL). `*` = any other type / account level.
    /// `showingURL` gives the text shown for a URL (`hookrelay check` passes `URLMasking.mask`),
    /// `showingName` for a source or destination name, event type or domain (`check` shows one
    /// read from `env:`/`file:` as that reference).
    public func rendered(showingURL: (String) -> String = { $0 }, showingName: (String) -> String = { $0 }) -> String {
        let header = ["SOURCE", "EVENT", "DOMAIN", "DESTINATIONS"]
        let rows: [[String]] = entries.map { entry in
            let destinations = entry.targets.isEmpty
                ? "(none: answered 406)"
                : entry.targets.map { "\($0.names.map(showingName).joined(separator: ", ")) <\(showingURL($0.url))>" }.joined(separator: ", ")
            return [showingName(entry.source), entry.eventLabel(showingName), entry.domain.map(showingName) ?? "*", destinations]
        }
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() where i < 3 { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            var text = ""
            for (i, cell) in cells.enumerated() {
                if i < 3 { text += cell + String(repeating: " ", count: widths[i] - cell.count + 2) } else { text += cell }
            }
            return text
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n") + "\n"
    }
}
