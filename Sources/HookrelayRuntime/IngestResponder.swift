import Foundation
import HookrelayCore
import HookrelayHTTP
import HookrelayStore
import Logging

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
    private let scheduler: DeliveryScheduler

    /// New deliveries go to `scheduler`: first attempts straight after the commit when the
    /// destination has a free slot, the rest through the store.
    init(config: RelayConfig, store: EventStore, metrics: RelayMetrics, logger: Logger, scheduler: DeliveryScheduler) {
        self.scheduler = scheduler
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

    /// 404, 405 and 415 from the head alone, for a client waiting for `100 Continue`.
    func refusal(beforeBody request: HTTPRequest) -> HTTPResponse? {
        switch source(for: request) {
        case .refused(let response): return response
        case .found(let source):
            guard let refusal = source.verifier.refusal(headersOf: request.webhookRequest) else { return nil }
            metrics.received(source: source.config.name, outcome: refusal.shortName)
            logger.warning("event refused", metadata: ["source": "\(source.config.name)", "status": "\(refusal.status)", "reason": "\(refusal.reason)"])
            return .error(refusal.status, refusal.reason)
        }
    }

    /// A request on a source's path refused by the listener itself (413: body over `max_body`;
    /// 400: a body NIO could not parse): counted and logged like every other refused event (SPEC §7).
    func refusedByListener(_ request: HTTPRequest, status: Int, reason: String) {
        guard let source = sourcesByPath[request.path] else { return }
        metrics.received(source: source.config.name, outcome: status == 413 ? "tooLarge" : "malformed")
        logger.warning("event refused", metadata: ["source": .string(source.config.name), "status": .stringConvertible(status), "reason": .string(reason)])
    }

    private enum SourceLookup {
        case found(Source)
        case refused(HTTPResponse)
    }

    /// The source at the request's path, or the 404/405 answer.
    private func source(for request: HTTPRequest) -> SourceLookup {
        guard let source = sourcesByPath[request.path] else {
            return .refused(.error(404, "no source at \(request.path)"))
        }
        guard request.method == "POST" else {
            return .refused(.error(405, "use POST", headers: [HeaderField(name: "Allow", value: "POST")]))
        }
        return .found(source)
    }

    func respond(to request: HTTPRequest, completion: @escaping @Sendable (HTTPResponse) -> Void) {
        let source: Source
        switch self.source(for: request) {
        case .found(let found): source = found
        case .refused(let response):
            completion(response)
            return
        }
        if request.body.count > Self.offLoopBodySize {
            Self.largeRequests.async { [self] in receive(request, on: source, offLoop: true, completion: completion) }
        } else {
            receive(request, on: source, offLoop: false, completion: completion)
        }
    }

    /// Verifies, routes and stores one request for `source`, then answers it. `offLoop`: this
    /// runs on `largeRequests`, and so does what follows the commit (the first attempts' rewrite).
    private func receive(_ request: HTTPRequest, on source: Source, offLoop: Bool, completion: @escaping @Sendable (HTTPResponse) -> Void) {
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

        // An event no route wants still goes to the store with no destinations: the token rule
        // (403) and dedup (an event accepted before its route was removed is a duplicate) come
        // first, as for any event; the store answers `noRoute` and keeps only the token.
        let routed = router.destinations(source: name, event: event)
        let scheduler = self.scheduler
        let targets = routed.map { DeliveryTarget(destination: $0.name, url: $0.url, claimNow: scheduler.reserve(destination: $0.name)) }
        let accept = AcceptRequest(
            source: name, event: event, body: request.body, destinations: targets,
            receivedAt: nowMillis, tokenExpiresAt: nowMillis + 2 * source.config.maxAge.milliseconds
        )
        let logger = self.logger
        let metrics = self.metrics
        let retryAfter = retryAfterSeconds
        let body = request.body
        let onConnectionThread = request.onConnectionThread
        store.accept(accept) { result in
            // This runs on the store's writer thread: hand the rest to the connection's thread,
            // or for a large body back to `largeRequests` (its first attempts' rewrite is large too).
            if offLoop {
                Self.largeRequests.async { answer(result) }
            } else {
                onConnectionThread { answer(result) }
            }
        }

        /// Starts the first attempts of the deliveries stored claimed; gives back the slots
        /// of those that were not (the URL already had the event).
        @Sendable func handOver(_ claimed: [ClaimedTarget], newDeliveries: Int) {
            for target in targets where target.claimNow && !claimed.contains(where: { $0.url == target.url }) {
                scheduler.release(destination: target.destination)
            }
            for target in claimed {
                scheduler.dispatch(ClaimedDelivery(
                    id: target.deliveryID, eventID: event.id, eventType: event.type, source: name, destination: target.destination,
                    url: target.url, attempts: 0, replays: 0, body: body, contentType: event.contentType
                ))
            }
            if newDeliveries > claimed.count { scheduler.wake() }
        }

        @Sendable func releaseReserved() {
            for target in targets where target.claimNow { scheduler.release(destination: target.destination) }
        }

        @Sendable func answer(_ result: Result<AcceptOutcome, StoreUnavailable>) {
            let quotedID = JSONText.quote(event.id)
            switch result {
            case .success(.accepted(let count, let claimed)):
                handOver(claimed, newDeliveries: count)
                metrics.received(source: name, outcome: "accepted")
                // The values as they are (`.string`), not copies made by interpolation: this line is per event.
                logger.info("event accepted", metadata: ["source": .string(name), "event_id": .string(event.id), "event": .string(event.type), "deliveries": .stringConvertible(count)])
                completion(.json(200, #"{"status":"accepted","id":\#(quotedID)}"#))
            case .success(.duplicate):
                releaseReserved()
                metrics.received(source: name, outcome: "duplicate")
                logger.info("event duplicate", metadata: ["source": .string(name), "event_id": .string(event.id), "event": .string(event.type)])
                completion(.json(200, #"{"status":"duplicate","id":\#(quotedID)}"#))
            case .success(.noRoute):
                metrics.received(source: name, outcome: "no_route")
                logger.info("event rejected: no route", metadata: ["source": "\(name)", "event_id": "\(event.id)", "event": "\(event.type)"])
                completion(.json(406, #"{"status":"rejected","id":\#(quotedID),"message":"no route for this event type and domain"}"#))
            case .success(.tokenReplayed(let original)):
                releaseReserved()
                metrics.received(source: name, outcome: "token_replayed")
                logger.warning("signature token replayed with a different event", metadata: [
                    "source": "\(name)", "event_id": "\(event.id)", "first_event_id": "\(original)",
                ])
                completion(.error(403, "signature token already used for another event"))
            case .failure(let unavailable):
                releaseReserved()
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
