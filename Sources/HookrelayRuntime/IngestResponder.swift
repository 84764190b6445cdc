import Foundation
import HookrelayCore
import HookrelayHTTP
import HookrelayStore
import Logging
import Synchronization

/// Answers the senders: finds the source by path, verifies and parses, routes, and stores
/// durably before answering (SPEC §3). Runs verification on the calling event loop (cheap,
/// non-blocking) for bodies up to `offLoopBodySize`; a larger body is verified, and its first
/// attempts rewritten, on `largeRequests` instead, so it cannot hold up the other connections
/// of its loop (SPEC §11). The store's commit happens on the store's writer thread.
final class IngestResponder: HTTPResponder {
    /// Bodies larger than this are verified, parsed and (for their first attempts) rewritten off
    /// the event loop. The work is linear, but a 600 KB form is still tens of milliseconds of it,
    /// which every other connection of the loop would wait for; at 64 KiB it is well under one.
    /// Smaller bodies — every real Mailgun event — stay on the loop: no thread hop on the hot path.
    static let offLoopBodySize = 64 * 1024
    /// Where requests with a body over `offLoopBodySize` are worked on.
    private static let largeRequests = DispatchQueue(label: "hookrelay-large-requests", qos: .userInitiated, attributes: .concurrent)

    /// Sources and routes; replaced whole by a reload, read once per request.
    private let rules: Mutex<IngestRules>
    private let store: any RelayStore
    private let logger: Logger
    private let metrics: RelayMetrics
    private let retryAfterSeconds = "5"
    private let scheduler: DeliveryScheduler
    private let clock: WallClock

    /// New deliveries go to `scheduler`: first attempts straight after the commit when the
    /// destination has a free slot, the rest through the store.
    init(config: RelayConfig, store: any RelayStore, metrics: RelayMetrics, logger: Logger, scheduler: DeliveryScheduler, clock: WallClock = .system) {
        self.scheduler = scheduler
        self.clock = clock
        rules = Mutex(IngestRules(config: config))
        self.store = store
        self.metrics = metrics
        self.logger = logger
    }

    /// A reload (SPEC §12): events from the next request on meet `config`'s sources and routes.
    func reconfigure(_ config: RelayConfig) {
        let next = IngestRules(config: config)
        rules.withLock { $0 = next }
    }

    /// 404, 405 and 415 from the head alone, for a client waiting for `100 Continue`.
    func refusal(beforeBody request: HTTPRequest) -> HTTPResponse? {
        switch source(for: request) {
        case .refused(let response): return response
        case .found(let source, _):
            guard let refusal = source.verifier.refusal(headersOf: request.webhookRequest) else { return nil }
            metrics.received(source: source.config.name, outcome: refusal.shortName)
            logger.warning("event refused", metadata: ["source": "\(source.config.name)", "status": "\(refusal.status)", "reason": "\(refusal.reason)"])
            return .error(refusal.status, refusal.reason)
        }
    }

    /// A request on a source's path refused by the listener itself (413: body over `max_body`;
    /// 503: no room for its body within `max_buffered`; 400: a body NIO could not parse): counted
    /// and logged like every other refused event (SPEC §7).
    func refusedByListener(_ request: HTTPRequest, status: Int, reason: String) {
        guard let source = rules.withLock({ $0 }).sourcesByPath[request.path] else { return }
        let outcome = switch status {
        case 413: "too_large"
        case 503: "buffers_full"
        default: "malformed"
        }
        metrics.received(source: source.config.name, outcome: outcome)
        logger.warning("event refused", metadata: ["source": .string(source.config.name), "status": .stringConvertible(status), "reason": .string(reason)])
    }

    private enum SourceLookup {
        case found(IngestRules.Source, Router)
        case refused(HTTPResponse)
    }

    /// The source at the request's path (and the routes of the same config), or the 404/405 answer.
    private func source(for request: HTTPRequest) -> SourceLookup {
        let rules = self.rules.withLock { $0 }
        guard let source = rules.sourcesByPath[request.path] else {
            return .refused(.error(404, "no source at \(request.path)"))
        }
        guard request.method == "POST" else {
            return .refused(.error(405, "use POST", headers: [HeaderField(name: "Allow", value: "POST")]))
        }
        return .found(source, rules.router)
    }

    func respond(to request: HTTPRequest, completion: @escaping @Sendable (HTTPResponse) -> Void) {
        let source: IngestRules.Source
        let router: Router
        switch self.source(for: request) {
        case .found(let found, let routes): (source, router) = (found, routes)
        case .refused(let response):
            completion(response)
            return
        }
        if request.body.count > Self.offLoopBodySize {
            logger.debug("large request worked on off the event loop", metadata: ["source": .string(source.config.name), "bytes": .stringConvertible(request.body.count)])
            Self.largeRequests.async { [self] in receive(request, on: source, router: router, offLoop: true, completion: completion) }
        } else {
            receive(request, on: source, router: router, offLoop: false, completion: completion)
        }
    }

    /// Verifies, routes and stores one request for `source`, then answers it. `offLoop`: this
    /// runs on `largeRequests`, and so does what follows the commit (the first attempts' rewrite).
    private func receive(_ request: HTTPRequest, on source: IngestRules.Source, router: Router, offLoop: Bool, completion: @escaping @Sendable (HTTPResponse) -> Void) {
        let name = source.config.name
        let nowMillis = clock.now()
        let event: ReceivedEvent
        let payload: EventPayload
        switch source.verifier.receiveWithPayload(request.webhookRequest, now: nowMillis / 1000) {
        case .failure(let refusal):
            metrics.received(source: name, outcome: refusal.shortName)
            logger.warning("event refused", metadata: ["source": "\(name)", "status": "\(refusal.status)", "reason": "\(refusal.reason)"])
            completion(.error(refusal.status, refusal.reason))
            return
        case .success(let received):
            (event, payload) = received
        }

        // An event no route wants still goes to the store with no destinations: the token rule
        // (403) and dedup (an event accepted before its route was removed is a duplicate) come
        // first, as for any event; the store answers `noRoute` and keeps only the token.
        let routed = router.destinations(source: name, event: event, payload: payload)
        let scheduler = self.scheduler
        let targets = scheduler.targets(for: routed)
        let accept = AcceptRequest(
            source: name, event: event, body: request.body, destinations: targets,
            receivedAt: nowMillis, tokenExpiresAt: nowMillis + source.tokenLifetimeMillis
        )
        let logger = self.logger
        let metrics = self.metrics
        let retryAfter = retryAfterSeconds
        let accepted = AcceptedEvent(id: event.id, type: event.type, source: name, body: request.body, contentType: event.contentType)
        let onConnectionThread = request.onConnectionThread
        store.accept(accept) { result in
            // This runs on the store's writer thread: hand the rest to the connection's thread,
            // or for a large body back to `largeRequests` (its first attempts' rewrite is large too).
            let rest: @Sendable () -> Void = {
                scheduler.accepted(result, targets: targets, event: accepted)
                answer(result)
            }
            if offLoop {
                Self.largeRequests.async(execute: rest)
            } else {
                onConnectionThread(rest)
            }
        }

        @Sendable func answer(_ result: Result<AcceptOutcome, StoreUnavailable>) {
            let quotedID = JSONText.quote(event.id)
            switch result {
            case .success(.accepted(let count, _)):
                metrics.received(source: name, outcome: "accepted")
                // The values as they are (`.string`), not copies made by interpolation: this line is per event.
                logger.info("event accepted", metadata: ["source": .string(name), "event_id": .string(event.id), "event": .string(event.type), "deliveries": .stringConvertible(count)])
                completion(.json(200, #"{"status":"accepted","id":\#(quotedID)}"#))
            case .success(.duplicate):
                metrics.received(source: name, outcome: "duplicate")
                logger.info("event duplicate", metadata: ["source": .string(name), "event_id": .string(event.id), "event": .string(event.type)])
                completion(.json(200, #"{"status":"duplicate","id":\#(quotedID)}"#))
            case .success(.noRoute):
                metrics.received(source: name, outcome: "no_route")
                logger.info("event rejected: no route", metadata: ["source": "\(name)", "event_id": "\(event.id)", "event": "\(event.type)"])
                completion(.json(406, #"{"status":"rejected","id":\#(quotedID),"message":"no route for this event type and domain"}"#))
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
}
