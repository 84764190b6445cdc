import HookrelayConfig
import HookrelayCore
import Testing

/// A minimal valid relay.conf the tests extend or edit.
let baseConfig = """
    [[source]]
    name = "mailgun"
    path = "/webhooks/mailgun"
    verify = "mailgun"
    keys = ["k1"]

    [[destination]]
    name = "crm"
    url = "https://crm.example.com/hooks"

    [[route]]
    source = "mailgun"
    events = ["*"]
    to = ["crm"]

    """

func load(_ text: String, environment: [String: String] = [:]) throws(ConfigError) -> LoadedConfig {
    try RelayConfigLoader.load(text: text, path: "relay.conf", environment: environment)
}

/// The 1-based line of the first line of `text` containing `marker`.
func line(of marker: String, in text: String) -> Int? {
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
    where line.contains(marker) {
        return index + 1
    }
    return nil
}

/// The error loading `text` throws, or nil (recorded as a failure) when it loads.
func loadError(_ text: String, environment: [String: String] = [:],
               sourceLocation: SourceLocation = #_sourceLocation) -> ConfigError? {
    do {
        let loaded = try load(text, environment: environment)
        Issue.record("expected an error, loaded \(loaded.config.sources.count) sources", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// The repository root, found from this file's path.
let repositoryRoot: String = {
    var path = #filePath
    for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
    return path
}()
