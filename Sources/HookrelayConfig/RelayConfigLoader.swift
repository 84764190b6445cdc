public import HookrelayCore
import TOMLKit

/// A validated configuration and what is worth telling the operator about it at start.
public struct LoadedConfig: Sendable, Equatable {
    public var config: RelayConfig
    /// Non-fatal findings, one sentence each (e.g. `source "test" accepts unsigned requests`).
    public var warnings: [String]
    /// The values read from `env:NAME` or `file:PATH`, each with that reference: what a message
    /// shows instead of the value (SPEC §11).
    public var references: [String: String]

    public init(config: RelayConfig, warnings: [String], references: [String: String] = [:]) {
        self.config = config
        self.warnings = warnings
        self.references = references
    }

    /// The `env:NAME` or `file:PATH` that `value` was read from, if it was: print that, never the value.
    public func reference(of value: String) -> String? {
        references[value]
    }

    /// The routing table `hookrelay check` prints (Mailgun's `failed` aliases included).
    public var routingTable: RoutingTable { RoutingTable(config: config) }
}

/// Reads and validates relay.conf (TOML; see docs/CONFIGURATION.md).
///
/// Everything is checked before anything starts: unknown keys, types, required keys, names
/// and references, durations, sizes, rates, addresses, URLs, the combinations SPEC §5 forbids
/// and `max_urls_per_event`. The first problem found is thrown as a `ConfigError` naming the
/// file, line (best effort) and key.
public enum RelayConfigLoader {
    /// Loads the file at `path`. `file:` values are read relative to the file's directory,
    /// and so is a relative `data_dir`.
    public static func load(path: String, environment: [String: String]) throws(ConfigError) -> LoadedConfig {
        switch FileAccess.readText(path) {
        case .success(let text):
            return try load(text: text, path: path, environment: environment)
        case .failure(let failure):
            throw ConfigError(.unreadable, file: path, line: nil, keyPath: nil, reason: "cannot read config file: \(failure.message)")
        }
    }

    /// Loads config text as if read from `path` (used for messages and to resolve relative paths).
    public static func load(text: String, path: String, environment: [String: String]) throws(ConfigError) -> LoadedConfig {
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let begin = error.source.begin
            throw ConfigError(.syntax, file: path, line: begin.line > 0 ? begin.line : nil, keyPath: nil,
                              reason: "invalid TOML: \(error.description) (column \(begin.column))")
        } catch {
            throw ConfigError(.syntax, file: path, line: nil, keyPath: nil, reason: "invalid TOML: \(error)")
        }
        let context = LoadContext(file: path, baseDirectory: FileAccess.directory(of: path),
                                  environment: environment, locator: ConfigLocator(text: text))
        var loader = Loader(root: root, context: context)
        return try loader.load()
    }
}

/// The Mailgun event types a route may name (current webhooks, legacy webhooks, aliases).
let knownMailgunEventTypes: Set<String> = [
    "accepted", "rejected", "delivered", "failed", "opened", "clicked", "unsubscribed", "complained", "stored",
    "permanent_fail", "temporary_fail", "bounced", "dropped",
    "list_member_uploaded", "list_member_upload_error", "list_uploaded",
]
