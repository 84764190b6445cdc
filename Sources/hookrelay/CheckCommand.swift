import ArgumentParser
import HookrelayCore

/// `hookrelay check --config relay.conf`: validate, then print the routing table.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the config and print the routing table per source, event type and domain."
    )

    @OptionGroup var options: ConfigOption

    func run() throws {
        let loaded = try options.load()
        for warning in loaded.warnings { printError("warning: \(warning)") }
        print("\(options.config): OK")
        if let url = loaded.config.server.store {
            // Its password is never printed (SPEC §11): masked, or the env:/file: reference.
            let lease = loaded.config.server.claimLease.milliseconds
            print("store: \(loaded.reference(of: url) ?? URLMasking.mask(url)) (claim_lease \(lease % 1000 == 0 ? "\(lease / 1000)s" : "\(lease)ms"))")
        }
        // URLs may carry secrets (a Slack webhook path, a password, a ?token=): printed masked. A
        // value read from env:/file: is never printed: its reference (`env:NAME`) is (SPEC §11).
        print(RoutingTable(config: loaded.config).rendered(
            showingURL: { loaded.reference(of: $0) ?? URLMasking.mask($0) },
            showingName: { loaded.reference(of: $0) ?? $0 }
        ))
    }
}
