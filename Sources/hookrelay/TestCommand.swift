import ArgumentParser
import Foundation
import HookrelayCore
import HookrelayCurl

/// `hookrelay test --destination NAME [--event TYPE]`: like Mailgun's "test webhook" button —
/// send one signed sample event to a destination, shaped as the destination would get it,
/// and print the status code and body. The destination is shown by name and masked URL.
struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Send a signed sample event to one destination; print the status code and body."
    )

    @OptionGroup var options: ConfigOption

    @Option(help: "The destination's name.")
    var destination: String

    @Option(help: "Event type of the sample: \(SampleEvent.types.joined(separator: ", ")).")
    var event: String = "delivered"

    func validate() throws {
        guard SampleEvent.types.contains(event) else {
            throw ValidationError("--event must be one of \(SampleEvent.types.joined(separator: ", "))")
        }
    }

    func run() throws {
        let config = try options.load().config
        guard let target = config.destination(named: destination) else {
            printError("hookrelay: no destination named \"\(destination)\" in \(options.config) (have: \(config.destinations.map(\.name).joined(separator: ", ")))")
            throw ExitStatus.invalidConfig
        }
        // Signed with the key of the first Mailgun source, so a passthrough partner sharing it can verify.
        let key = config.sources.first { $0.scheme == .mailgun }?.keys.first ?? Array("hookrelay-test".utf8)
        let now = Int64(Date().timeIntervalSince1970)
        let id = "hookrelay-test-\(UUID().uuidString.lowercased())"
        let body = SampleEvent.mailgunJSON(type: event, id: id, key: key, timestamp: now, token: MailgunSignature.randomToken())
        let request: OutboundRequest
        do {
            request = try DeliveryRequestBuilder(destination: target)
                .request(url: target.url, eventID: id, attempt: 1, body: Array(body.utf8), contentType: "application/json", now: now)
        } catch {
            printError("hookrelay: cannot shape the sample for \(target.name): \(error)")
            throw ExitStatus.runtimeFailure
        }

        let engine = try CurlEngine()
        engine.start()
        defer { engine.stop(grace: .seconds(1)) }
        let semaphore = DispatchSemaphore(value: 0)
        let box = AttemptBox()
        engine.send(request) { result in
            box.result = result
            semaphore.signal()
        }
        semaphore.wait()
        guard let result = box.result else { throw ExitStatus.runtimeFailure }
        let decision = DeliveryPolicy(destination: target).decide(attempt: 1, result: result, now: now * 1000)
        // Named and masked, as `check` shows it: the URL may itself be the credential.
        let shown = "\(target.name) <\(URLMasking.mask(target.url))>"
        if let status = result.status {
            print("\(shown) answered \(status) (\(decision.state == .retrying || decision.state == .dead ? "would be retried" : decision.state.rawValue))")
        } else {
            print("\(shown) failed: \(result.transportError?.description ?? "unknown error")")
        }
        if !result.responseSnippet.isEmpty { print(result.responseSnippet) }
        if decision != .delivered { throw ExitStatus.runtimeFailure }
    }
}

/// Hands the result from the engine thread to the waiting command (ordered by the semaphore).
///
/// `@unchecked Sendable`: written before `signal()`, read after `wait()`.
private final class AttemptBox: @unchecked Sendable {
    var result: AttemptResult?
}
