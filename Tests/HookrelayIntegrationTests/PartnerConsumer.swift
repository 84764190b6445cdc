import Foundation
import HookrelayTestSupport

/// A partner's webhook consumer from `Tests/Fixtures/partners/`, run with `python3` as a child
/// process on 127.0.0.1 (a free port it picks and prints): the real libraries a partner would use.
/// Each consumer appends one JSON line per request it handled to its events file.
final class PartnerConsumer: Sendable {
    /// `Tests/Fixtures/partners`, found from this source file.
    static let fixtures: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/partners").path

    /// What to tell when the Python packages are missing (the tests skip with it).
    static let installHint = "script/setup-tests installs them: python3 -m pip install django django-anymail standardwebhooks"

    /// The Python to run: `HOOKRELAY_PYTHON`, else the venv `script/setup-tests` makes where the
    /// system Python refuses pip (`.build-python`), else `python3` from PATH.
    static let python: String = {
        if let explicit = ProcessInfo.processInfo.environment["HOOKRELAY_PYTHON"] { return explicit }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let venv = root.appendingPathComponent(".build-python/bin/python3").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : "python3"
    }()

    /// True when `python3` can import django and anymail.
    static let hasAnymail = pythonImports(["django", "anymail"])
    /// True when `python3` can import standardwebhooks.
    static let hasStandardWebhooks = pythonImports(["standardwebhooks"])

    /// True when `python3 -c "import …"` succeeds for every module.
    static func pythonImports(_ modules: [String]) -> Bool {
        guard let child = try? ChildProcess(
            executable: "/usr/bin/env", arguments: [python, "-c", "import " + modules.joined(separator: ", ")], stdout: .null, stderr: .null
        ) else { return false }
        return child.waitUntilExit() == .exited(0)
    }

    let port: Int
    let eventsFile: String
    /// Its stdin is a pipe: the consumers exit when it closes, so none outlives the test process.
    private let process: ChildProcess
    private let directory: TemporaryDirectory

    /// Starts `script` (a file in the fixtures folder) with `environment` plus `EVENTS_FILE`, and
    /// waits until it prints the port it listens on.
    init(script: String, environment: [String: String]) async throws {
        let directory = try TemporaryDirectory(prefix: "hookrelay-partner")
        self.directory = directory
        eventsFile = directory.file("events.jsonl")
        do {
            process = try ChildProcess(
                executable: "/usr/bin/env", arguments: [Self.python, "-u", (Self.fixtures as NSString).appendingPathComponent(script)],
                environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }.merging(["EVENTS_FILE": eventsFile]) { $1 },
                stdin: .pipe
            )
        } catch {
            directory.remove()
            throw error
        }

        var found: Int?
        let process = self.process
        await Polling.until(timeout: .seconds(60), interval: .milliseconds(50)) {
            found = Self.port(in: process.outputText)
            return found != nil || !process.isRunning
        }
        guard let found else {
            process.signal(SIGKILL)
            directory.remove()
            throw PartnerConsumerError.notListening(script, process.outputText)
        }
        port = found
    }

    private static func port(in text: String) -> Int? {
        for line in text.split(separator: "\n") where line.hasPrefix("PORT ") {
            return Int(line.dropFirst(5).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    /// Everything the consumer printed (its errors included).
    var outputText: String { process.outputText }

    /// The JSON lines written so far, parsed.
    var records: [[String: Any]] {
        guard let text = try? String(contentsOfFile: eventsFile, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
    }

    /// Ends the child: closes its stdin (it exits on EOF), SIGKILL to its own pid if it is
    /// still there after 5 s; then removes its files.
    func stop() async {
        process.closeInput()
        let process = self.process
        if !(await Polling.until(timeout: .seconds(5), { !process.isRunning })) {
            process.signal(SIGKILL)
            await Polling.until(timeout: .seconds(5)) { !process.isRunning }
        }
        directory.remove()
    }
}

/// Runs `body` with a started consumer and always stops it.
func withPartnerConsumer(script: String, environment: [String: String], _ body: (PartnerConsumer) async throws -> Void) async throws {
    let consumer = try await PartnerConsumer(script: script, environment: environment)
    do {
        try await body(consumer)
    } catch {
        await consumer.stop()
        throw error
    }
    await consumer.stop()
}

/// A partner consumer that did not come up.
enum PartnerConsumerError: Error, CustomStringConvertible {
    case notListening(String, String)

    var description: String {
        switch self {
        case .notListening(let script, let output): return "\(script) did not print its port; output:\n\(output)"
        }
    }
}
