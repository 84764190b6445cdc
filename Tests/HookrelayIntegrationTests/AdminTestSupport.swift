import Foundation
import HookrelayConfig
import HookrelayCore
import HookrelayRuntime
import HookrelayStore
import HookrelayTestSupport
import Logging

/// A relay for the admin API tests whose store is seeded *before* it starts, so the
/// deliveries and failure records a test looks at are exactly the ones it wrote.
///
/// Destinations `crm` and `app-v2` point at a closed loopback port and are limited to
/// `rate = "1/h"`: the running scheduler may try at most one of their deliveries during a
/// test, which the assertions allow for. Deliveries of a destination that is not in the
/// config (`ghost`) are never touched by the scheduler.
///
/// `crm`'s URL carries secrets (a Slack-like path and a token): the CLI's text outputs print
/// `crmMaskedURL` instead; the admin API and page, SPEC §7's records, give it in full.
final class AdminRelay: Sendable {
    static let crmURL = "http://127.0.0.1:9/crm/T1/B2/\(pathSecret)?token=\(tokenSecret)"
    static let crmMaskedURL = "http://127.0.0.1:9/crm/***?token=***"
    static let appURL = "http://127.0.0.1:9/v2"
    static let pathSecret = "S1ackPathS3cret"
    static let tokenSecret = "t0kenS3cret"

    /// Neither secret of `crmURL` is in `text`.
    static func hidesSecrets(_ text: String) -> Bool {
        !text.contains(pathSecret) && !text.contains(tokenSecret)
    }

    let directory: TemporaryDirectory
    let relay: Relay
    let adminPort: Int
    let ingestPort: Int
    let token: String?

    var store: any RelayStore { relay.store }

    static func configText(dataDirectory: String, server: String = "") -> String {
        """
        [server]
        listen = "127.0.0.1:0"
        admin_listen = "127.0.0.1:0"
        data_dir = "\(dataDirectory)"
        \(server)

        [[source]]
        name = "mailgun"
        path = "/webhooks/mailgun"
        verify = "mailgun"
        keys = ["\(RelayHarness.signingKey)"]

        [[destination]]
        name = "crm"
        url = "\(crmURL)"
        rate = "1/h"

        [[destination]]
        name = "app-v2"
        url = "\(appURL)"
        rate = "1/h"

        [[route]]
        source = "mailgun"
        events = ["*"]
        to = ["crm", "app-v2"]
        """
    }

    init(token: String? = nil, server extraServer: String = "", seed: (EventStore) async throws -> Void = { _ in }) async throws {
        directory = try TemporaryDirectory(prefix: "hookrelay-admin")
        self.token = token
        let dataDirectory = directory.file("data")
        let seedStore = try EventStore(directory: dataDirectory)
        do {
            try await seed(seedStore)
        } catch {
            seedStore.close()
            throw error
        }
        seedStore.close()
        let server = (token.map { "admin_token = \"\($0)\"\n" } ?? "") + extraServer
        let loaded = try RelayConfigLoader.load(
            text: Self.configText(dataDirectory: dataDirectory, server: server), path: directory.file("relay.conf"), environment: [:]
        )
        var logger = Logger(label: "hookrelay-admin-test")
        logger.logLevel = .critical
        relay = try Relay(config: loaded.config, logger: logger)
        let addresses = try await relay.start()
        ingestPort = addresses.ingest.port ?? 0
        adminPort = addresses.admin.port ?? 0
    }

    /// A request to the admin listener, with the bearer token when the relay has one.
    func request(_ method: String, _ path: String, json: String? = nil, token: String? = nil) async throws -> TestResponse {
        var headers: [HeaderField] = []
        if let bearer = token ?? self.token { headers.append(HeaderField(name: "Authorization", value: "Bearer \(bearer)")) }
        var body: [UInt8] = []
        if let json {
            headers.append(HeaderField(name: "Content-Type", value: "application/json"))
            body = Array(json.utf8)
        }
        return try await HTTPTestClient.send(TestRequest(method: method, path: path, headers: headers, body: body), port: adminPort)
    }

    func get(_ path: String) async throws -> TestResponse { try await request("GET", path) }

    func post(_ path: String, json: String) async throws -> TestResponse { try await request("POST", path, json: json) }

    func stop() async {
        await relay.stop(grace: .seconds(2))
        directory.remove()
    }
}

/// Runs `body` against a fresh seeded relay and always stops it.
func withAdminRelay(
    token: String? = nil, server: String = "", seed: (EventStore) async throws -> Void = { _ in }, _ body: (AdminRelay) async throws -> Void
) async throws {
    let relay = try await AdminRelay(token: token, server: server, seed: seed)
    do {
        try await body(relay)
    } catch {
        await relay.stop()
        throw error
    }
    await relay.stop()
}

/// Test-only writes that put the store in a given state through its public API.
struct SeedError: Error, CustomStringConvertible {
    let description: String
}

extension EventStore {
    static func nowMillis() -> Int64 { AdminTime.nowMillis() }

    /// Stores an event routed to `destinations` (name, URL), as an accepted ingest would.
    func seedEvent(id: String, type: String = "failed", destinations: [(String, String)], receivedAt: Int64 = EventStore.nowMillis()) async throws {
        let request = AcceptRequest(
            source: "mailgun",
            event: ReceivedEvent(id: id, type: type, domain: "mg.example.com", contentType: "application/json"),
            body: Array(#"{"event-data":{"id":"\#(id)","event":"\#(type)"}}"#.utf8),
            destinations: destinations.map { DeliveryTarget(destination: $0.0, url: $0.1) },
            receivedAt: receivedAt, tokenExpiresAt: receivedAt + 600_000
        )
        guard case .success(.accepted) = await accept(request) else { throw SeedError(description: "event \(id) not accepted") }
    }

    /// Claims every due delivery of `destination` (whatever its next attempt time) and records
    /// one failed attempt for each that ended in `state` at `time`, with a failure-log record.
    /// Returns the event ids it moved.
    @discardableResult
    func seedOutcome(destination: String, state: String, time: Int64 = EventStore.nowMillis(), status: Int? = 500, error: String = "http", nextAttempt: Int64? = nil) async throws -> [String] {
        let claimed: [ClaimedDelivery] = try await withCheckedThrowingContinuation { continuation in
            claimDue(destination: destination, now: Int64.max / 2, limit: 1000) { continuation.resume(with: $0.mapError { $0 as any Error }) }
        }
        for delivery in claimed {
            try await seedRecord(AttemptRecord(
                deliveryID: delivery.id, eventID: delivery.eventID, eventType: delivery.eventType, destination: destination,
                url: delivery.url, attempt: delivery.attempts + 1, state: DeliveryState(rawValue: state) ?? .dead, nextAttemptAt: nextAttempt, status: status,
                error: error, message: nil, response: "sink says \(status ?? 0)", replays: delivery.replays, time: time, isFailure: true
            ))
        }
        return claimed.map(\.eventID)
    }

    /// A failure-log record on its own (no delivery row changes: the id matches none).
    func seedFailure(
        time: Int64, eventID: String, eventType: String = "failed", destination: String, url: String, attempt: Int = 1,
        status: Int?, error: String = "http", message: String? = nil, response: String = "", nextAttempt: Int64?
    ) async throws {
        try await seedRecord(AttemptRecord(
            deliveryID: -1, eventID: eventID, eventType: eventType, destination: destination, url: url, attempt: attempt,
            state: nextAttempt == nil ? .dead : .retrying, nextAttemptAt: nextAttempt, status: status, error: error,
            message: message, response: response, replays: 0, time: time, isFailure: true
        ))
    }

    func seedRecord(_ record: AttemptRecord) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            self.record(record) { continuation.resume(with: $0.mapError { $0 as any Error }) }
        }
    }
}
