import Foundation
import HookrelayRuntime
import Logging

/// The log lines of an in-process relay, exactly as `hookrelay serve` writes them to stderr:
/// the relay's own `LogfmtLogHandler`, pointed at a file in the test's directory instead of fd 2.
/// Each line is one `write(2)` made before the log call returns, so a line is readable as soon
/// as the code that logged it has run.
final class CapturedLog: Sendable {
    let path: String
    let logger: Logger
    private let descriptor: Int32

    init(path: String, level: Logger.Level = .info) throws {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        let descriptor = self.descriptor
        logger = Logger(label: "hookrelay-test") { label in LogfmtLogHandler(label: label, level: level, fileDescriptor: descriptor) }
    }

    /// Every line written so far.
    var lines: [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map(String.init)
    }

    /// The lines whose message is `message` (`msg="…"` as logfmt writes it).
    func lines(message: String) -> [String] {
        let quoted = "msg=\"\(message)\""
        return lines.filter { $0.contains(quoted) || $0.contains("msg=\(message) ") || $0.hasSuffix("msg=\(message)") }
    }

    /// Stops writing (the file stays until the test's directory is removed).
    func close() { _ = Glibc.close(descriptor) }
}
