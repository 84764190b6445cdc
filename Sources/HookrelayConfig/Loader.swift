import HookrelayCore
import TOMLKit

/// Reads a parsed relay.conf into a `RelayConfig`, section by section (one file per section:
/// `Loader+Server`, `Loader+Destinations`, `Loader+Sources`, `Loader+Routes`), refusing the
/// first problem with file, line and key.
struct Loader {
    let root: TOMLTable
    let context: LoadContext
    var warnings: [String] = []

    init(root: TOMLTable, context: LoadContext) {
        self.root = root
        self.context = context
    }

    mutating func load() throws(ConfigError) -> LoadedConfig {
        let top = TableReader(root, at: .top, context: context)
        try top.checkKeys(TopKey.names + TopKey.serverKeys.map(\.rawValue), hints: [
            "store": "write it in [server] (server.store); absent, the store is SQLite under server.data_dir",
            "sources": "write each source as a [[source]] table",
            "destinations": "write each destination as a [[destination]] table",
            "routes": "write each route as a [[route]] table",
        ])
        let server = try loadServer(top)
        let defaults = try loadDefaults()
        let sources = try loadSources()
        let destinations = try loadDestinations(defaults: defaults)
        let routes = try loadRoutes(sources: sources, destinations: destinations)
        try checkClaimLease(server, destinations: destinations)
        let config = RelayConfig(server: server, sources: sources, destinations: destinations, routes: routes)

        if let violation = RoutingTable(config: config).violations(maxURLsPerEvent: server.maxURLsPerEvent).first {
            throw context.error(.tooManyURLs, routeLocation(violation.routeIndex).key("to"),
                                violation.description(showingName: { context.reference(of: $0) ?? $0 },
                                                      showingURL: { context.reference(of: $0) ?? URLMasking.mask($0) }))
        }
        collectWarnings(config)
        return LoadedConfig(config: config, warnings: warnings, references: context.referenced.referenceByValue)
    }

    // MARK: Warnings

    mutating func collectWarnings(_ config: RelayConfig) {
        if config.sources.isEmpty { warnings.append("no [[source]] is configured: every request will be answered 404") }
        for source in config.sources {
            if source.scheme == .none { warnings.append("source \(context.shown(source.name)) accepts unsigned requests (verify = \"none\")") }
            if !config.routes.contains(where: { $0.source == source.name }) {
                warnings.append("source \(context.shown(source.name)) has no route: its events will be answered 406")
            }
        }
        for (index, destination) in config.destinations.enumerated() {
            if !config.routes.contains(where: { $0.to.contains(destination.name) }) {
                warnings.append("destination \(context.shown(destination.name)) is not used by any route")
            }
            let key = destination.url.lowercased()
            if let earlier = config.destinations[..<index].first(where: { $0.url.lowercased() == key }) {
                warnings.append("destinations \(context.shown(earlier.name)) and \(context.shown(destination.name)) have the same URL; an event routed to both is delivered there once")
            }
        }
    }

    // MARK: Helpers

    func tables(_ key: String) throws(ConfigError) -> [TOMLTable] {
        guard let value = root[key] else { return [] }
        let expected = "an array of tables ([[\(key)]])"
        guard let array = value.array else {
            throw context.error(.wrongType, ConfigLocation.top.key(key), "expected \(expected), found \(TableReader.typeName(value))")
        }
        var result: [TOMLTable] = []
        for (index, element) in array.enumerated() {
            guard let table = element.table else {
                throw context.error(.wrongType, ConfigLocation.top.key(key).element(index),
                                    "expected \(expected), found \(TableReader.typeName(element))")
            }
            result.append(table)
        }
        return result
    }

    /// A source's or destination's `name` (`key`: that table's `name`).
    func name(_ r: TableReader, _ key: some ConfigKey) throws(ConfigError) -> String {
        let name = try r.requiredString(key)
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }) else {
            throw context.error(.invalidValue, r.location.key(key),
                                "name \(context.shown(name)) must be letters, digits, \"-\", \"_\" or \".\"")
        }
        return name
    }

    func choice<E: RawRepresentable & CaseIterable>(_ r: TableReader, _ key: some ConfigKey, _: E.Type) throws(ConfigError) -> E?
    where E.RawValue == String {
        guard let text = try r.string(key) else { return nil }
        guard let value = E(rawValue: text) else {
            let options = E.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw context.error(.invalidValue, r.location.key(key), "invalid value \(context.shown(text)); expected one of \(options)")
        }
        return value
    }

    /// A suggestion among `candidates` for a mistyped `name`; none read from env:/file: is offered,
    /// nor any for a `name` read from one (it would say how close the value is).
    func didYouMean(_ name: String, _ candidates: [String]) -> String {
        guard context.reference(of: name) == nil else { return "" }
        return Suggest.closest(to: name, in: candidates.filter { context.reference(of: $0) == nil }).map { " (did you mean \"\($0)\"?)" } ?? ""
    }

    /// `key = "value"` as a message shows a setting, or `key (from env:NAME)` when the value was
    /// read from env:/file: (SPEC §11).
    func setting(_ key: String, _ value: String) -> String {
        context.reference(of: value).map { "\(key) (from \($0))" } ?? "\(key) = \"\(value)\""
    }

    /// A URL as a message shows it: masked (`URLMasking`), or the env:/file: reference it came from.
    func shownURL(_ url: String) -> String {
        context.reference(of: url).map { "the URL from \($0)" } ?? "\"\(URLMasking.mask(url))\""
    }

    /// RFC 9110 token characters (header names).
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
