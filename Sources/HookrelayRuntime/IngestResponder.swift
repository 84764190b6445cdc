import Foundation
import HookrelayCore
import HookrelayHTTP
import HookrelayStore
import Logging

/// Answers the senders: finds the source by path, verifies and parses, routes, and stores
/// durably before answering (SPEC §3). Runs verification on the calling event loop (cheap,
/// non-blocking); the store's commit happens on the store's writer thread.
final class IngestResponder: HTTPResponder {
    private struct Source: Sendable {
        let config: SourceConfig
        let verifier: SourceVerifier
    }

    private let sourcesByPath: [String: Source]
    private let router: Router
    private let store: EventStore
    private let logger: Logger
    private let metrics: RelayMetrics
    private let retryAfterSeconds = "5"
    private let onAccepted: @Sendable () -> Void

    /// `onAccepted` runs after a commit that added deliveries (the scheduler's wake-up).
    init(config: RelayConfig, store: EventStore, metrics: RelayMetrics, logger: Logger, onAccepted: @escaping @Sendable () -> Void) {
        self.onAccepted = onAccepted
        var sources: [String: Source] = [:]
        for source in config.sources {
            sources[source.path] = Source(config: source, verifier: SourceVerifier(source: source))
        }
        sourcesByPath = sources
        router = Router(config: config)
        self.store = store
        self.metrics = metrics
        self.logger = logger
    }

    func respond(to request: HTTPRequest, completion: @escaping @Sendable (HTTPResponse) -> Void) {
        guard let source = sourcesByPath[request.path] else {
            completion(.error(404, "no source at \(request.path)"))
            return
        }
        guard request.method == "POST" else {
            completion(.error(405, "use POST", headers: [HeaderField(name: "Allow", value: "POST")]))
            return
        }
        let name = source.config.name
        let nowMillis = Self.nowMillis()
        let event: ReceivedEvent
        switch source.verifier.receive(request.webhookRequest, now: nowMillis / 1000) {
        case .failure(let refusal):
            metrics.received(source: name, outcome: refusal.shortName)
            logger.warning("event refused", metadata: ["source": "\(name)", "status": "\(refusal.status)", "reason": "\(refusal.reason)"])
            completion(.error(refusal.status, refusal.reason))
            return
        case .success(let received):
            event = received
        }

        let targets = router.destinations(source: name, event: event).map { DeliveryTarget(destination: $0.name, url: $0.url) }
        guard !targets.isEmpty else {
            metrics.received(source: name, outcome: "no_route")
            logger.info("event rejected: no route", metadata: ["source": "\(name)", "event_id": "\(event.id)", "event": "\(event.type)"])
            completion(.json(406, #"{"status":"rejected","id":\#(JSONText.quote(event.id)),"message":"no route for this event type and domain"}"#))
            return
        }

        let accept = AcceptRequest(
            source: name, event: event, body: request.body, destinations: targets,
            receivedAt: nowMillis, tokenExpiresAt: nowMillis + 2 * source.config.maxAge.milliseconds
        )
        let logger = self.logger
        let metrics = self.metrics
        let retryAfter = retryAfterSeconds
        let onAccepted = self.onAccepted
        let onConnectionThread = request.onConnectionThread
        store.accept(accept) { result in
            // This runs on the store's writer thread: hand the rest to the connection's thread.
            onConnectionThread { answer(result) }
        }

        @Sendable func answer(_ result: Result<AcceptOutcome, StoreUnavailable>) {
            let quotedID = JSONText.quote(event.id)
            switch result {
            case .success(.accepted(let count)):
                onAccepted()
                metrics.received(source: name, outcome: "accepted")
                logger.info("event accepted", metadata: ["source": "\(name)", "event_id": "\(event.id)", "event": "\(event.type)", "deliveries": "\(count)"])
                completion(.json(200, #"{"status":"accepted","id":\#(quotedID)}"#))
            case .success(.duplicate):
                metrics.received(source: name, outcome: "duplicate")
                logger.info("event duplicate", metadata: ["source": "\(name)", "event_id": "\(event.id)", "event": "\(event.type)"])
                completion(.json(200, #"{"status":"duplicate","id":\#(quotedID)}"#))
            case .success(.tokenReplayed(let original)):
                metrics.received(source: name, outcome: "token_replayed")
                logger.warning("signature token replayed with a different event", metadata: [
                    "source": "\(name)", "event_id": "\(event.id)", "first_event_id": "\(original)",
                ])
                completion(.error(403, "signature token already used for another event"))
            case .failure(let unavailable):
                metrics.received(source: name, outcome: "store_\(unavailable.reason.rawValue)")
                logger.error("event refused: store unavailable", metadata: ["source": "\(name)", "event_id": "\(event.id)", "reason": "\(unavailable)"])
                completion(.error(503, "store \(unavailable.reason.rawValue); retry later", headers: [HeaderField(name: "Retry-After", value: retryAfter)]))
            }
        }
    }

    static func nowMillis() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }
}
