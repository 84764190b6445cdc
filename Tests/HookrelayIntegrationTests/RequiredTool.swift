import Foundation
import Testing

/// Tools some tests need beyond Swift (chromium, the partners' Python libraries, openssl and
/// python3 for the HTTPS sink). Locally a test whose tool is missing is skipped with a message;
/// in CI (`CI=true`) it runs and fails, so a green CI proves those tests ran (issue 20).
///
/// A test names its tool twice: `.enabled(if: RequiredTool.runs(available), message)` as its trait
/// and `try RequiredTool.require(available, message)` first in its body.
enum RequiredTool {
    /// True when the environment says this is a CI run (`CI=true`, as GitHub Actions and most CIs set it).
    static let isCI: Bool = ProcessInfo.processInfo.environment["CI"]?.lowercased() == "true"

    /// Whether a test needing a tool runs: when the tool is there, and always in CI.
    static func runs(_ available: Bool) -> Bool { available || isCI }

    /// Throws `missing` (the test fails with `message`) when the tool is not there.
    static func require(_ available: Bool, _ message: String) throws {
        if !available { throw MissingTool(message: message) }
    }

    /// True when `executable` is found on PATH.
    static func onPath(_ executable: String) -> Bool {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return directories.contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(executable)") }
    }
}

/// A tool a test needs is missing in a CI run.
struct MissingTool: Error, CustomStringConvertible {
    let message: String
    var description: String { "required tool missing (CI=true, so this fails instead of skipping): \(message)" }
}
