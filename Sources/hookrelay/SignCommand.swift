import ArgumentParser
import Foundation
import HookrelayCore

/// `hookrelay sign --key K [--timestamp T] [--token X]`: print a Mailgun signature block,
/// to hand-craft a signed request or to check a sender's signature.
struct SignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sign", abstract: "Print a Mailgun signature block as JSON.")

    @Option(help: "The webhook signing key.")
    var key: String

    @Option(help: "Unix timestamp in seconds (default: now).")
    var timestamp: String?

    @Option(help: "Token (default: 50 random hex characters).")
    var token: String?

    func validate() throws {
        // The config refuses an empty key too: a signature made with one verifies nowhere.
        guard !key.isEmpty else { throw ValidationError("--key must not be empty") }
        if let timestamp, Int64(timestamp) == nil {
            throw ValidationError("--timestamp must be a Unix time in seconds, got \"\(timestamp)\"")
        }
    }

    func run() throws {
        let timestamp = self.timestamp ?? String(Int64(Date().timeIntervalSince1970))
        let token = self.token ?? MailgunSignature.randomToken()
        print(MailgunSignature.signatureBlockJSON(key: Array(key.utf8), timestamp: timestamp, token: token))
    }
}
