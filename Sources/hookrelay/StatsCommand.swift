import ArgumentParser
import HookrelayCore
import HookrelayRuntime
import HookrelayStore

/// `hookrelay stats --config relay.conf`: deliveries per destination by state, the backlog and
/// the failures of the last hour.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Print deliveries per destination by state, queue depth, oldest pending age and recent failures."
    )

    @OptionGroup var options: ConfigOption

    func run() throws {
        let config = try options.load().config
        let now = AdminTime.nowMillis()
        let stats = try OperatorStore.with(config) { store in
            try AdminStats.collect(store: store, config: config, now: now)
        } ?? AdminStats(
            destinations: config.destinations.map { .init(name: $0.name, url: $0.url, counts: [:], recentFailures: 0) },
            queueDepth: 0, oldestPendingCreatedAt: nil, events: 0, now: now
        )
        print(stats.rendered(), terminator: "")
    }
}
