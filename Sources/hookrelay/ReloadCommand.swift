import ArgumentParser
import Foundation
import HookrelayRuntime
import HookrelayStore

/// `hookrelay reload --config relay.conf`: asks the `serve` running on that config's `data_dir`
/// to read its config file again (SPEC §12), through the pid file there. Exit 1 when no relay
/// runs on it. The result (applied, or refused with its reason) is in that relay's log and on
/// its `/admin` page.
struct ReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload", abstract: "Make the running relay read its config file again (as SIGHUP does)."
    )

    @OptionGroup var options: ConfigOption

    func run() throws {
        let loaded = try options.load()
        let directory = loaded.config.server.dataDirectory
        let pidFile = PidFile(directory: directory)
        guard DataDirectoryLockProbe.isHeld(directory: directory), let pid = pidFile.read() else {
            printError("hookrelay: no relay is serving on data_dir \(directory)")
            throw ExitStatus.runtimeFailure
        }
        guard kill(pid, SIGHUP) == 0 else {
            printError("hookrelay: cannot signal the relay (pid \(pid) in \(pidFile.path)): \(String(cString: strerror(errno)))")
            throw ExitStatus.runtimeFailure
        }
        print("reload asked of the relay with pid \(pid); its log and /admin say whether the file was applied")
    }
}
