import HookrelayCore
import TOMLKit

private typealias Key = RouteKey

/// `[[route]]`.
extension Loader {
    // MARK: [[route]]

    func routeLocation(_ index: Int) -> ConfigLocation { ConfigLocation(section: .arrayElement(TopKey.route.rawValue, index)) }

    mutating func loadRoutes(sources: [SourceConfig], destinations: [DestinationConfig]) throws(ConfigError) -> [RouteConfig] {
        var routes: [RouteConfig] = []
        for (index, table) in try tables(TopKey.route.rawValue).enumerated() {
            let location = routeLocation(index)
            let r = TableReader(table, at: location, context: context)
            try r.checkKeys(Key.names)
            let sourceName = try r.requiredString(Key.source)
            guard let source = sources.first(where: { $0.name == sourceName }) else {
                throw context.error(.unknownReference, location.key(Key.source),
                                    "unknown source \(context.shown(sourceName))" + didYouMean(sourceName, sources.map(\.name)))
            }
            guard let events = try r.stringArray(Key.events) else { throw r.missing(Key.events) }
            guard !events.isEmpty else {
                throw context.error(.invalidValue, location.key(Key.events), "events is empty; use [\"*\"] for every event type")
            }
            if let empty = events.firstIndex(of: "") {
                throw context.error(.invalidValue, location.key(Key.events).element(empty), "event type is empty")
            }
            var domains: [String]? = nil
            if let list = try r.stringArray(Key.domains) {
                guard !list.isEmpty else {
                    throw context.error(.invalidValue, location.key(Key.domains),
                                        "domains is empty; leave it out for an account-level route")
                }
                if let empty = list.firstIndex(where: { $0.isEmpty || $0.contains(" ") }) {
                    throw context.error(.invalidValue, location.key(Key.domains).element(empty), "\(context.shown(list[empty])) is not a domain")
                }
                domains = list.map { $0.lowercased() }
            }
            guard let to = try r.stringArray(Key.to) else { throw r.missing(Key.to) }
            guard !to.isEmpty else {
                throw context.error(.invalidValue, location.key(Key.to), "to is empty; name at least one destination")
            }
            for name in to where !destinations.contains(where: { $0.name == name }) {
                throw context.error(.unknownReference, location.key(Key.to),
                                    "unknown destination \(context.shown(name))" + didYouMean(name, destinations.map(\.name)))
            }
            if source.scheme == .mailgun {
                for event in events where event != "*" && !knownMailgunEventTypes.contains(event) {
                    warnings.append("route[\(index + 1)]: \(context.shown(event)) is not a Mailgun event type; source \(context.shown(source.name)) never sends it")
                }
            }
            routes.append(RouteConfig(source: sourceName, events: events, domains: domains, to: to))
        }
        return routes
    }
}
