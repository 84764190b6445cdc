import ArgumentParser
import HookrelayCore
import HookrelayRuntime
import HookrelayStore

/// `hookrelay pause --config relay.conf --destination NAME`: no more attempts to that destination
/// until `resume` (SPEC §12). Written to the store, where a running relay reads it within a
/// second; the pause lasts across restarts.
struct PauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Pause a destination: no attempts until resumed; its deliveries wait, none turns dead.",
        discussion: """
            Recorded in the store, so it lasts across restarts. A running relay on this config stops \
            starting attempts to the destination within about a second (attempts already on the wire \
            end as they will). Undo with `hookrelay resume`.
            """
    )

    @OptionGroup var options: ConfigOption

    @Option(help: "The destination to pause (its name in the config).")
    var destination: String

    func run() async throws {
        try await DestinationSwitch.run(options: options, destination: destination, pause: true)
    }
}

/// `hookrelay resume --config relay.conf --destination NAME`: undoes `pause` (SPEC §12).
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Resume a paused destination: its waiting deliveries go out at its rate.",
        discussion: "A running relay on this config picks it up within about a second."
    )

    @OptionGroup var options: ConfigOption

    @Option(help: "The destination to resume (its name in the config).")
    var destination: String

    func run() async throws {
        try await DestinationSwitch.run(options: options, destination: destination, pause: false)
    }
}

/// What `pause` and `resume` share: check the name, write the store, say what happened.
enum DestinationSwitch {
    static func run(options: ConfigOption, destination: String, pause: Bool) async throws {
        let config = try options.load().config
        guard config.destination(named: destination) != nil else {
            printError("hookrelay: unknown destination \"\(destination)\" in \(options.config); configured: \(config.destinations.map(\.name).joined(separator: ", "))")
            throw ExitStatus.invalidConfig
        }
        // A pause may come before the relay's first start: the store is created for it.
        let store = try OperatorStore.open(config, create: pause)
        guard let store else {
            print("\(destination) is not paused")
            return
        }
        defer { store.close() }
        switch await store.setPaused(destination, paused: pause, now: AdminTime.nowMillis()) {
        case .success(let changed):
            switch (pause, changed) {
            case (true, true): print("paused \(destination): a running relay starts no attempt to it within about a second")
            case (true, false): print("\(destination) was already paused")
            case (false, true): print("resumed \(destination): a running relay sends its waiting deliveries within about a second")
            case (false, false): print("\(destination) is not paused")
            }
        case .failure(let unavailable):
            printError("hookrelay: \(pause ? "pause" : "resume") failed: store \(unavailable)")
            throw ExitStatus.runtimeFailure
        }
    }
}
