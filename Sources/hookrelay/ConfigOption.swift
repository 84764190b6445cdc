import ArgumentParser
import Foundation
import HookrelayConfig
import HookrelayCore

/// `--config PATH`, shared by the commands that read relay.conf.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "Path of the relay.conf TOML file.")
    var config: String = "relay.conf"

    /// Loads and validates the config, or prints why not and exits 2.
    func load() throws -> LoadedConfig {
        do {
            return try RelayConfigLoader.load(path: config, environment: ProcessInfo.processInfo.environment)
        } catch {
            printError("hookrelay: invalid config: \(error)")
            throw ExitStatus.invalidConfig
        }
    }
}
