import Foundation

/// A `hookrelay` executable run as a child process, for what crosses process boundaries:
/// SIGKILL and restart, SIGTERM, exit statuses, stderr.
public final class RelayProcess: Sendable {
    private let child: ChildProcess

    /// The built `hookrelay` executable: `HOOKRELAY_BINARY`, else next to the test bundle, else `.build/debug`.
    public static var executablePath: String {
        if let explicit = ProcessInfo.processInfo.environment["HOOKRELAY_BINARY"] { return explicit }
        let bundleDirectory = (CommandLine.arguments[0] as NSString).deletingLastPathComponent
        for candidate in [(bundleDirectory as NSString).appendingPathComponent("hookrelay"), ".build/debug/hookrelay"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        return ".build/debug/hookrelay"
    }

    /// Starts `hookrelay ARGS` with extra environment variables; stdout and stderr are collected.
    /// `launcher`, when given, runs it (e.g. `["/usr/bin/taskset", "-c", "0"]`: pinned to one core).
    public init(arguments: [String], environment: [String: String] = [:], launcher: [String] = []) throws {
        let command = launcher + [Self.executablePath] + arguments
        child = try ChildProcess(
            executable: command[0], arguments: Array(command.dropFirst()),
            environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }
        )
    }

    /// Runs `hookrelay ARGS` to completion; returns its exit status and combined output.
    public static func run(_ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(30)) async throws -> (status: Int32, output: String) {
        let child = try RelayProcess(arguments: arguments, environment: environment)
        guard let status = await child.waitForExit(timeout: timeout) else {
            child.kill()
            throw RelayProcessError.timedOut(arguments)
        }
        return (status, child.outputText)
    }

    /// Everything printed so far on stdout and stderr.
    public var outputText: String { child.outputText }

    public var processIdentifier: Int32 { child.processIdentifier }

    /// True until the process has exited.
    public var isRunning: Bool { child.isRunning }

    /// Waits for the `listening` log line and returns the ingest and admin ports from it.
    public func waitUntilListening(timeout: Duration = .seconds(20)) async throws -> (ingest: Int, admin: Int) {
        var ports: (Int, Int)?
        await Polling.until(timeout: timeout) {
            let text = outputText
            if let ingest = Self.port(after: "ingest=", in: text), let admin = Self.port(after: "admin=", in: text) {
                ports = (ingest, admin)
                return true
            }
            return !child.isRunning
        }
        guard let ports else { throw RelayProcessError.notListening(outputText) }
        return ports
    }

    private static func port(after marker: String, in text: String) -> Int? {
        guard let range = text.range(of: marker) else { return nil }
        let rest = text[range.upperBound...].prefix { !$0.isWhitespace }
        guard let colon = rest.lastIndex(of: ":") else { return nil }
        return Int(rest[rest.index(after: colon)...])
    }

    /// SIGKILL: no chance to flush or clean up.
    public func kill() {
        child.signal(SIGKILL)
    }

    /// Sends `signal` (SIGHUP: reload).
    public func signal(_ signal: Int32) {
        child.signal(signal)
    }

    /// SIGTERM: the graceful way.
    public func terminate() {
        child.signal(SIGTERM)
    }

    /// The exit status once the process has ended, or nil if it is still running at the deadline.
    /// A death by signal is reported as 128 + the signal number, as shells do.
    public func waitForExit(timeout: Duration = .seconds(20)) async -> Int32? {
        let ended = await Polling.until(timeout: timeout) { !child.isRunning }
        guard ended, let termination = child.terminationState else { return nil }
        // What the pipe still holds is read to its end.
        _ = await child.waitForOutputEnd()
        return termination.status
    }
}

/// Failures of a child relay process.
public enum RelayProcessError: Error, CustomStringConvertible {
    case notListening(String)
    case timedOut([String])

    public var description: String {
        switch self {
        case .notListening(let output): return "relay did not start listening; output:\n\(output)"
        case .timedOut(let arguments): return "hookrelay \(arguments.joined(separator: " ")) did not exit in time"
        }
    }
}
