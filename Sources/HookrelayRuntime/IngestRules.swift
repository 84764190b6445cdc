import HookrelayCore

/// What ingest needs of one config: the sources by path, each with its verifier, and the
/// router. Built once per config (at start and at each reload) and swapped whole, so a request
/// meets one config from its head to its routing.
final class IngestRules: Sendable {
    struct Source: Sendable {
        let config: SourceConfig
        let verifier: SourceVerifier
        /// How long a token this source takes is kept: its own `max_age` (the token's timestamp
        /// may be that far ahead) plus the longest of any Mailgun source (which would take the
        /// token's timestamp that long after), so a token is refused on every path (SPEC §2).
        /// Twice `max_age` when every source has the same.
        let tokenLifetimeMillis: Int64
    }

    let sourcesByPath: [String: Source]
    let router: Router

    init(config: RelayConfig) {
        var sources: [String: Source] = [:]
        let longestMaxAge = config.sources.filter { $0.scheme == .mailgun }.map(\.maxAge.milliseconds).max() ?? 0
        for source in config.sources {
            sources[source.path] = Source(
                config: source, verifier: SourceVerifier(source: source), tokenLifetimeMillis: source.maxAge.milliseconds + longestMaxAge
            )
        }
        sourcesByPath = sources
        router = Router(config: config)
    }
}
