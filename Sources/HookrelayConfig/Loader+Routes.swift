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
            let filter = try routeFilter(r)
            routes.append(RouteConfig(source: sourceName, events: events, domains: domains, to: to, filter: filter))
        }
        return routes
    }

    /// `where = { "event-data.severity" = "permanent", … }`: dotted paths to TOML strings,
    /// integers, floats or booleans, in key order. An unquoted dotted key (`event-data.severity`
    /// without quotes) makes TOML tables; they are read as the same paths.
    private func routeFilter(_ r: TableReader) throws(ConfigError) -> RouteFilter? {
        guard let value = r.table[Key.filter.rawValue] else { return nil }
        let at = r.location.key(Key.filter)
        guard let inner = value.table else { throw r.wrongType(at, expected: "a table of dotted path = value", found: value) }
        var conditions: [RouteFilter.Condition] = []
        try collectConditions(inner, prefix: [], at: at, reader: r, into: &conditions)
        guard !conditions.isEmpty else {
            throw context.error(.invalidValue, at, "where is empty; leave it out for a route without a filter")
        }
        return RouteFilter(conditions)
    }

    private func collectConditions(_ table: TOMLTable, prefix: [String], at: ConfigLocation, reader r: TableReader,
                                   into conditions: inout [RouteFilter.Condition]) throws(ConfigError) {
        for key in table.keys.sorted() {
            guard let element = table[key] else { continue }
            let path = prefix + key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            let pathAt = at.subkey(path.joined(separator: "."))
            guard !path.contains(where: \.isEmpty) else {
                throw context.error(.invalidValue, pathAt, "\(context.shown(path.joined(separator: "."))) is not a dotted path (an empty name between dots)")
            }
            let filterValue: RouteFilter.Value
            switch element.type {
            case .table:
                guard let nested = element.table else { continue }
                try collectConditions(nested, prefix: path, at: at, reader: r, into: &conditions)
                continue
            case .string: filterValue = .string(element.string ?? "")
            case .int: filterValue = .integer(Int64(element.int ?? 0))
            case .double: filterValue = .float(element.double ?? 0)
            case .bool: filterValue = .bool(element.bool ?? false)
            default: throw r.wrongType(pathAt, expected: "a string, integer, float or boolean", found: element)
            }
            conditions.append(RouteFilter.Condition(path: path, value: filterValue))
        }
    }
}
