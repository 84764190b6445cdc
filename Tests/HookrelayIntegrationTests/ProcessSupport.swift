import Foundation
import HookrelayTestSupport

/// Paths and config files for tests that run the `hookrelay` executable.
enum ProcessSupport {
    /// The repository root, found from this file's location.
    static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// A relay.conf on free ports (a child process logs them at start), data in `dataDirectory`,
    /// one Mailgun source signed with `key`, then `body` (destinations, routes).
    static func config(dataDirectory: String, body: String, key: String = signingKey) -> String {
        """
        [server]
        listen = "127.0.0.1:0"
        admin_listen = "127.0.0.1:0"
        data_dir = "\(dataDirectory)"

        [[source]]
        name = "mailgun"
        path = "/webhooks/mailgun"
        verify = "mailgun"
        keys = ["\(key)"]

        \(body)
        """
    }

    static let signingKey = "process-test-key"
}
