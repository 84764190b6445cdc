import ArgumentParser
import Foundation
import HookrelayCore

/// `hookrelay`: the command line of SPEC §8. Exit 0 on success, 1 on a runtime failure,
/// 2 on bad usage or an invalid config.
@main
struct HookrelayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hookrelay",
        abstract: "A webhook fan-out relay: verify, deduplicate, store durably, deliver with retries.",
        version: HookrelayVersion.current,
        subcommands: [
            ServeCommand.self, CheckCommand.self, SignCommand.self,
            FailuresCommand.self, ReplayCommand.self, StatsCommand.self, TestCommand.self, ReloadCommand.self,
            PauseCommand.self, ResumeCommand.self, MigrateCommand.self,
        ]
    )

    /// ArgumentParser exits 64 on usage errors; the spec says 2.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// Exit statuses of SPEC §8.
enum ExitStatus {
    static let runtimeFailure = ExitCode(1)
    static let invalidConfig = ExitCode(2)
}

/// Writes one line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
