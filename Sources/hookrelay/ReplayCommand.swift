import ArgumentParser
import HookrelayCore
import HookrelayRuntime
import HookrelayStore

/// `hookrelay replay --config relay.conf (--event ID | --destination NAME --state dead [--since 24h])`:
/// re-queue deliveries now. A running relay sends them at its next store poll (within a second).
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Re-queue deliveries: every finished delivery of one event, or a destination's dead ones.",
        discussion: """
            Replayed deliveries start again at attempt 1 with the destination's full retry schedule. \
            Deliveries in flight are left alone. A running relay picks them up within about a second.
            """
    )

    static let states = DeliveryState.replayable.map(\.rawValue)

    @OptionGroup var options: ConfigOption

    @Option(help: "Replay every delivery of this event id.")
    var event: String?

    @Option(help: "Replay this destination's deliveries in --state.")
    var destination: String?

    @Option(help: "With --destination: the state to replay (dead, rejected, retrying, delivered).")
    var state: String?

    @Option(help: "With --destination: only deliveries that reached the state since then (24h, an RFC 3339 time, Unix seconds).")
    var since: String?

    func validate() throws {
        switch (event, destination) {
        case (nil, nil):
            throw ValidationError("give --event ID, or --destination NAME --state dead")
        case (.some, .some):
            throw ValidationError("give --event or --destination, not both")
        case (.some(let id), nil):
            guard !id.isEmpty else { throw ValidationError("--event must not be empty") }
            guard state == nil, since == nil else { throw ValidationError("--state and --since go with --destination") }
        case (nil, .some):
            guard let state else { throw ValidationError("--destination needs --state (one of \(Self.states.joined(separator: ", ")))") }
            guard Self.states.contains(state) else {
                throw ValidationError("--state must be one of \(Self.states.joined(separator: ", ")), got \"\(state)\"")
            }
            if let since, AdminTime.since(since, now: AdminTime.nowMillis()) == nil {
                throw ValidationError("--since: expected a duration (24h), an RFC 3339 time or Unix seconds, got \"\(since)\"")
            }
        }
    }

    func run() async throws {
        let config = try options.load().config
        let selection: ReplaySelection
        if let event {
            selection = .event(event)
        } else if let destination, let state {
            guard config.destination(named: destination) != nil else {
                printError("hookrelay: unknown destination \"\(destination)\" in \(options.config); configured: \(config.destinations.map(\.name).joined(separator: ", "))")
                throw ExitStatus.invalidConfig
            }
            selection = .destination(destination, state: state, since: since.flatMap { AdminTime.since($0, now: AdminTime.nowMillis()) })
        } else {
            throw ExitStatus.invalidConfig
        }

        guard let store = try OperatorStore.open(config) else {
            print("replayed 0 deliveries")
            return
        }
        defer { store.close() }
        if case .event(let id) = selection {
            let found: Bool
            do {
                found = try store.eventRecord(id: id) != nil
            } catch {
                printError("hookrelay: cannot read the store \(store.location): \(error)")
                throw ExitStatus.runtimeFailure
            }
            guard found else {
                printError("hookrelay: no event with id \(id) in the store")
                throw ExitStatus.runtimeFailure
            }
        }
        let result = await withCheckedContinuation { continuation in
            store.replay(selection, now: AdminTime.nowMillis()) { continuation.resume(returning: $0) }
        }
        switch result {
        case .success(let count):
            print("replayed \(count) \(count == 1 ? "delivery" : "deliveries")")
            if count > 0 { print("a running relay sends them within about a second") }
        case .failure(let unavailable):
            printError("hookrelay: replay failed: store \(unavailable)")
            throw ExitStatus.runtimeFailure
        }
    }
}
