/// A whole, validated relay configuration.
public struct RelayConfig: Sendable, Equatable {
    public var server: ServerConfig
    public var sources: [SourceConfig]
    public var destinations: [DestinationConfig]
    public var routes: [RouteConfig]

    public init(server: ServerConfig, sources: [SourceConfig], destinations: [DestinationConfig], routes: [RouteConfig]) {
        self.server = server
        self.sources = sources
        self.destinations = destinations
        self.routes = routes
    }

    public func source(named name: String) -> SourceConfig? { sources.first { $0.name == name } }
    public func destination(named name: String) -> DestinationConfig? { destinations.first { $0.name == name } }
}
