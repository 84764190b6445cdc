import Foundation
import HookrelayCore
import HookrelayHTTP
import HookrelayStore
import Logging
import Synchronization

/// The admin listener (SPEC §7): probes, `/metrics`, the operator's JSON API, the `/admin`
/// page and the request bin. Everything but the probes and `/metrics` must name this listener
/// in `Host` (421 otherwise) and a `POST` to `/admin/…` must not come from another `Origin`
/// (403), so a web page cannot reach it through DNS rebinding (SPEC §11). When `admin_token` is
/// set, everything but the probes needs `Authorization: Bearer <token>` — or, for the pause and
/// resume forms of `/admin` only, the token in the form's `token` field (a browser sends no bearer
/// token by itself).
///
/// Store reads block (SQLite), so they run on a serial dispatch queue of their own, never on
/// the NIO event loop that called `respond`; writes (replay) go through the store's writer.
final class AdminResponder: HTTPResponder {
    /// Most failure records one `GET /admin/api/failures` returns.
    static let maxFailureLimit = 1000
    static let defaultFailureLimit = 100

    /// The config in force; replaced by a reload.
    private let live: Mutex<RelayConfig>
    private let reloadStatus: ReloadStatus
    private let store: any RelayStore
    private let metrics: RelayMetrics
    private let logger: Logger
    private let adminToken: [UInt8]?
    private let onReplay: @Sendable () -> Void
    private let delivery: AdminDeliveryControl
    private let bins = AdminRequestBin()
    private let hosts: AdminHostPolicy
    private let reads = DispatchQueue(label: "hookrelay-admin-reads", qos: .utility)

    /// `onReplay` runs after a replay re-queued at least one delivery (the scheduler's wake-up,
    /// so replayed deliveries go out at once instead of at the next poll).
    /// `delivery`: the running scheduler's destination states and its pause switch (SPEC §12).
    init(
        config: RelayConfig, store: any RelayStore, metrics: RelayMetrics, logger: Logger, reloadStatus: ReloadStatus,
        onReplay: @escaping @Sendable () -> Void, delivery: AdminDeliveryControl = .none
    ) {
        live = Mutex(config)
        self.reloadStatus = reloadStatus
        self.store = store
        self.metrics = metrics
        self.logger = logger
        self.adminToken = config.server.adminToken.map { Array($0.utf8) }
        self.onReplay = onReplay
        self.delivery = delivery
        hosts = AdminHostPolicy(listenHost: config.server.adminListen.host, adminHosts: config.server.adminHosts)
    }

    /// A reload: destinations and sources from now on (`[server]` stays as it started).
    func reconfigure(_ config: RelayConfig) {
        live.withLock { $0 = config }
    }

    private var config: RelayConfig { live.withLock { $0 } }

    func respond(to request: HTTPRequest, completion: @escaping @Sendable (HTTPResponse) -> Void) {
        let path = request.path
        switch path {
        case "/healthz":
            guard allow(request, "GET", completion) else { return }
            completion(.text(200, "ok\n"))
            return
        case "/readyz":
            guard allow(request, "GET", completion) else { return }
            read(completion) { store in
                store.isReady() ? .text(200, "ready\n") : .text(503, "store unavailable\n")
            }
            return
        default:
            break
        }
        // Probes and /metrics are exempt: they send whatever address they used.
        if path != "/metrics" {
            // One Host (RFC 9112 §3.2: two are a 400), or the authority of an absolute-form target,
            // which a server takes over Host (§3.2.2).
            guard request.headers.lazy.filter({ $0.name.caseInsensitiveEquals("host") }).count <= 1 else {
                completion(.error(400, "more than one Host header"))
                return
            }
            let host = request.targetAuthority.map(String.init) ?? request.header("host")
            if let refusal = hosts.refusal(host: host) {
                completion(.error(refusal.status, refusal.reason))
                return
            }
            if request.method == "POST", path.hasPrefix("/admin"), let refusal = hosts.refusal(origin: request.header("origin"), host: host) {
                logger.warning("admin request refused", metadata: ["path": .string(path), "status": "403", "reason": .string(refusal.reason)])
                completion(.error(refusal.status, refusal.reason))
                return
            }
        }
        guard isAuthorized(request) || isAuthorizedByForm(request) else {
            completion(.error(401, "admin_token required", headers: [HeaderField(name: "WWW-Authenticate", value: "Bearer")]))
            return
        }
        switch path {
        case "/metrics":
            guard allow(request, "GET", completion) else { return }
            metricsPage(completion)
        case "/admin", "/admin/":
            guard allow(request, "GET", completion) else { return }
            adminPage(completion)
        case "/admin/api/failures":
            guard allow(request, "GET", completion) else { return }
            failures(request, completion)
        case "/admin/api/series":
            guard allow(request, "GET", completion) else { return }
            series(request, completion)
        case "/admin/api/queue-depth":
            guard allow(request, "GET", completion) else { return }
            queueDepth(request, completion)
        case "/admin/events":
            guard allow(request, "GET", completion) else { return }
            findEvents(request, completion)
        case _ where path.hasPrefix("/admin/events/") && path.count > "/admin/events/".count:
            guard allow(request, "GET", completion) else { return }
            eventPage(path: path, completion)
        case "/admin/api/destinations":
            guard allow(request, "GET", completion) else { return }
            destinations(completion)
        case "/admin/api/replay":
            guard allow(request, "POST", completion) else { return }
            replay(request, completion)
        case _ where path.hasPrefix(AdminPauseRequest.prefix):
            guard allow(request, "POST", completion) else { return }
            pauseOrResume(request, completion)
        case _ where path.hasPrefix("/admin/api/events/") && path.count > "/admin/api/events/".count:
            guard allow(request, "GET", completion) else { return }
            event(path: path, completion)
        case _ where path.hasPrefix("/bin/"):
            // Off the event loop: an inspect page of 100 large requests takes a while to build, and
            // the ingest listener shares these loops.
            let bins = self.bins
            reads.async { bins.respond(to: request, completion: completion) }
        default:
            completion(.error(404, "not found"))
        }
    }

    // MARK: - Routes

    private func metricsPage(_ completion: @escaping @Sendable (HTTPResponse) -> Void) {
        let metrics = self.metrics
        let names = config.destinations.map(\.name)
        let states = delivery.states()
        read(completion) { store in
            let queue = try? store.queueStatus()
            let text = metrics.render(queueDepth: store.writeQueueDepth, queue: queue, destinations: names, states: states)
            return .text(200, text, contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
    }

    /// The page's reads are bounded: the stats, at most `AdminPage.failureRecordsRead` failure
    /// records, and per charted destination at most a day of minutes and of queue samples.
    private func adminPage(_ completion: @escaping @Sendable (HTTPResponse) -> Void) {
        let config = self.config
        let tokenRequired = adminToken != nil
        let reload = reloadStatus.current
        let states = delivery.states()
        read(completion) { store in
            let now = AdminTime.nowMillis()
            let stats = try AdminStats.collect(store: store, config: config, now: now, states: states)
            let failures = try store.failures(FailureQuery(limit: AdminPage.failureRecordsRead))
            let since = now - Int64(AdminCharts.minutes) * 60_000
            let names = config.destinations.map(\.name)
            let charts = try names.prefix(AdminPage.chartedDestinations).enumerated().map { index, name in
                AdminCharts.destination(
                    name,
                    series: try store.attemptSeries(destination: name, since: since, limit: AdminCharts.minutes + 1),
                    depths: try store.queueDepthSeries(destination: name, since: since, limit: AdminCharts.minutes + 1),
                    now: now, index: index
                )
            }
            let page = AdminPage.render(
                stats: stats, failures: failures, charts: charts, destinationNames: names, tokenRequired: tokenRequired, reload: reload
            )
            return .text(200, page, contentType: "text/html; charset=utf-8")
        }
    }

    /// `GET /admin/api/series?destination=NAME&minutes=M` (SPEC §12).
    private func series(_ request: HTTPRequest, _ completion: @escaping @Sendable (HTTPResponse) -> Void) {
        switch AdminSeriesQuery.parse(request.query, destinations: Set(config.destinations.map(\.name)), now: AdminTime.nowMillis()) {
        case .failure(let refusal):
            completion(.error(refusal.status, refusal.message))
        case .success(let query):
            read(completion) { store in
                .json(200, AdminJSON.series(try store.attemptSeries(destination: query.destination, since: query.since, limit: query.minutes)))
            }
        }
    }

    /// `GET /admin/api/queue-depth?destination=NAME&minutes=M`: the queue depth samples behind the chart.
    private func queueDepth(_ request: HTTPRequest, _ completion: @escaping @Sendable (HTTPResponse) -> Void) {
        switch AdminSeriesQuery.parse(request.query, destinations: Set(config.destinations.map(\.name)), now: AdminTime.nowMillis()) {
        case .failure(let refusal):
            completion(.error(refusal.status, refusal.message))
        case .success(let query):
            read(completion) { store in
                .json(200, AdminJSON.queueDepth(try store.queueDepthSeries(destination: query.destination, since: query.since, limit: query.minutes)))
            }
        }
    }

    /// `GET /admin/events?id=&destination=&state=&since=&until=`: the explorer's results (HTML).
    private func findEvents(_ request: HTTPRequest, _ completion: @escaping @Sendable (HTTPResponse) -> Void) {
        switch AdminExplorer.query(request.query, now: AdminTime.nowMillis()) {
        case .failure(let problem):
            completion(.text(400, AdminExplorer.searchPage(nil, nil, error: problem.message), contentType: "text/html; charset=utf-8"))
        case .success(let query):
            read(completion) { store in
                .text(200, AdminExplorer.searchPage(query, try store.findEvents(query)), contentType: "text/html; charset=utf-8")
            }
        }
    }

    /// `GET /admin/events/{id}`: one event's page (HTML).
    private func eventPage(path: String, _ completion: @escaping @Sendable (HTTPResponse) -> Void) {
        let raw = String(path.dropFirst("/admin/events/".count))
        let id = raw.removingPercentEncoding ?? raw
        read(completion) { store in
            guard let detail = try store.eventDetail(id: id, attemptLimit: AdminExplorer.attemptLimit) else {
                return .text(404, AdminExplorer.searchPage(EventQuery(id: id), EventSearch(events: [], scanLimitReached: false)), contentType: "text/html; charset=utf-8")
            }
            return .text(200, AdminExplorer.eventPage(detail, now: AdminTime.nowMillis()), contentType: "text/html; charset=utf-8")
        }
    }

    /// `GET /admin/api/destinations` (SPEC §12).
    private func destinations(_ completion: @escaping @Sendable (HTTPResponse) -> Void) {
        let config = self.config
        let states = delivery.states()
        read(completion) { store in
            .json(200, AdminJSON.destinations(try AdminStats.collect(store: store, config: config, now: AdminTime.nowMillis(), states: states)))
        }
    }

    /// `POST /admin/api/destinations/{name}/pause` and `…/resume` (SPEC §12): the store first
    /// (so the pause lasts across restarts), then the running scheduler, at once. Answers
    /// `{"name","state","changed"}`, or for the `/admin` page's form (urlencoded) a 303 back to it.
    private func pauseOrResume(_ request: HTTPRequest, _ completion: @escaping @Sendable (HTTPResponse) -> Void) {
        guard let parsed = AdminPauseRequest(path: request.path) else {
            completion(.error(404, "not found; use /admin/api/destinations/{name}/pause or …/resume"))
            return
        }
        guard config.destination(named: parsed.destination) != nil else {
            completion(.error(404, "no destination named \(parsed.destination); configured: \(config.destinations.map(\.name).joined(separator: ", "))"))
            return
        }
        let fromForm = request.webhookRequest.mediaType == AdminPauseRequest.formMediaType
        let logger = self.logger
        let delivery = self.delivery
        store.setPaused(parsed.destination, paused: parsed.pause, now: AdminTime.nowMillis()) { result in
            switch result {
            case .success(let changed):
                delivery.setPaused(parsed.destination, parsed.pause)
                logger.notice(parsed.pause ? "destination paused" : "destination resumed", metadata: [
                    "destination": "\(parsed.destination)", "changed": "\(changed)", "by": "admin api",
                ])
                if fromForm {
                    completion(HTTPResponse(status: 303, headers: [HeaderField(name: "Location", value: "/admin")]))
                    return
                }
                let state = delivery.states()[parsed.destination] ?? (parsed.pause ? .paused : .active)
                completion(.json(200, AdminJSON.steered(parsed.destination, state: state, changed: changed)))
            case .failure(let unavailable):
                logger.error("pause or resume failed: store unavailable", metadata: ["destination": "\(parsed.destination)", "reason": "\(unavailable)"])
                completion(.error(503, "store \(unavailable.reason.rawValue); retry later", headers: [HeaderField(name: "Retry-After", value: "5")]))
            }
        }
    }

    /// `GET /admin/api/failures?since=&destination=&limit=`
    private func failures(_ request: HTTPRequest, _ completion: @escaping @Sendable (HTTPResponse) -> Void) {
        let query: FailureQuery
        switch Self.failureQuery(request.query, now: AdminTime.nowMillis()) {
        case .success(let parsed): query = parsed
        case .failure(let problem):
            completion(.error(400, problem.message))
            return
        }
        read(completion) { store in
            .json(200, AdminJSON.failures(try store.failures(query)))
        }
    }

    /// Reads `since`, `destination` and `limit` (default 100, at most 1000).
    static func failureQuery(_ parameters: [String: String], now: Int64) -> Result<FailureQuery, AdminProblem> {
        var query = FailureQuery(limit: defaultFailureLimit)
        if let since = parameters["since"], !since.isEmpty {
            guard let millis = AdminTime.since(since, now: now) else {
                return .failure(AdminProblem("since: expected a duration (\"1h\"), an RFC 3339 time or Unix seconds, got \"\(since)\""))
            }
            query.since = millis
        }
        if let destination = parameters["destination"], !destination.isEmpty {
            query.destination = destination
        }
        if let limit = parameters["limit"], !limit.isEmpty {
            guard let value = Int(limit), value >= 1 else {
                return .failure(AdminProblem("limit: expected a whole number from 1 to \(maxFailureLimit), got \"\(limit)\""))
            }
            query.limit = min(value, maxFailureLimit)
        }
        return .success(query)
    }

    /// `POST /admin/api/replay` with `{"event_id":…}` or `{"destination":…,"state":"dead","since":…}`.
    ///
    /// Only `Content-Type: application/json` is taken: a browser cannot send that cross-origin
    /// without a CORS preflight (which this listener never grants), so a web page the operator
    /// happens to have open cannot trigger replays on a token-less loopback listener.
    private func replay(_ request: HTTPRequest, _ completion: @escaping @Sendable (HTTPResponse) -> Void) {
        guard request.webhookRequest.mediaType == "application/json" else {
            completion(.error(415, "send the replay request as Content-Type: application/json"))
            return
        }
        let selection: ReplaySelection
        switch AdminReplayRequest.parse(request.body, destinations: Set(config.destinations.map(\.name)), now: AdminTime.nowMillis()) {
        case .success(let parsed): selection = parsed
        case .failure(let problem):
            completion(.error(400, problem.message))
            return
        }
        let store = self.store
        let logger = self.logger
        let onReplay = self.onReplay
        let replayNow: @Sendable () -> Void = {
            store.replay(selection, now: AdminTime.nowMillis()) { result in
                switch result {
                case .success(let count):
                    logger.notice("replay", metadata: ["selection": "\(AdminReplayRequest.describe(selection))", "replayed": "\(count)"])
                    if count > 0 { onReplay() }
                    completion(.json(200, AdminJSON.replayed(count)))
                case .failure(let unavailable):
                    logger.error("replay failed: store unavailable", metadata: ["reason": "\(unavailable)"])
                    completion(.error(503, "store \(unavailable.reason.rawValue); retry later", headers: [HeaderField(name: "Retry-After", value: "5")]))
                }
            }
        }
        guard case .event(let id) = selection else {
            replayNow()
            return
        }
        // An unknown event id is a 404, not a silent {"replayed":0}.
        reads.async {
            do {
                guard try store.eventRecord(id: id) != nil else {
                    completion(.error(404, "no event with id \(id)"))
                    return
                }
            } catch {
                completion(.error(503, "store unavailable: \(error)"))
                return
            }
            replayNow()
        }
    }

    /// `GET /admin/api/events/{id}`
    private func event(path: String, _ completion: @escaping @Sendable (HTTPResponse) -> Void) {
        let raw = String(path.dropFirst("/admin/api/events/".count))
        let id = raw.removingPercentEncoding ?? raw
        let configured = Set(config.destinations.map(\.name))
        read(completion) { store in
            guard let record = try store.eventRecord(id: id) else {
                return .error(404, "no event with id \(id)")
            }
            return .json(200, AdminJSON.event(record, configured: configured))
        }
    }

    // MARK: - Helpers

    /// Runs a blocking store read off the event loop; a thrown error is a 503.
    private func read(_ completion: @escaping @Sendable (HTTPResponse) -> Void, _ body: @escaping @Sendable (any RelayStore) throws -> HTTPResponse) {
        let store = self.store
        reads.async {
            do {
                completion(try body(store))
            } catch {
                completion(.error(503, "store unavailable: \(error)"))
            }
        }
    }

    /// True when the method fits; otherwise answers 405 with `Allow`.
    private func allow(_ request: HTTPRequest, _ method: String, _ completion: @escaping @Sendable (HTTPResponse) -> Void) -> Bool {
        guard request.method != method else { return true }
        completion(.error(405, "use \(method)", headers: [HeaderField(name: "Allow", value: method)]))
        return false
    }

    /// The `/admin` page's pause and resume forms: a urlencoded POST to one of their paths whose
    /// `token` field is the admin token (compared in constant time). Only there: elsewhere the
    /// token goes in `Authorization`.
    private func isAuthorizedByForm(_ request: HTTPRequest) -> Bool {
        guard let adminToken, request.method == "POST", AdminPauseRequest(path: request.path) != nil,
              request.webhookRequest.mediaType == AdminPauseRequest.formMediaType,
              let token = AdminPauseRequest.formToken(request.body) else { return false }
        return ConstantTime.equals(Array(token.utf8), adminToken)
    }

    private func isAuthorized(_ request: HTTPRequest) -> Bool {
        guard let adminToken else { return true }
        // The scheme's name is case-insensitive (RFC 9110 §11.1): "bearer <token>" is the same.
        guard let header = request.header("authorization"), header.utf8.count > 7,
              String(header.prefix(7)).caseInsensitiveEquals("Bearer ") else { return false }
        return ConstantTime.equals(Array(header.dropFirst(7).utf8), adminToken)
    }
}

/// The parameters of `GET /admin/api/series` (and `/admin/api/queue-depth`).
struct AdminSeriesQuery: Sendable, Equatable {
    /// Minutes asked for when `minutes` is absent, and the most that may be.
    static let defaultMinutes = 60
    static let maxMinutes = 1440

    var destination: String
    var minutes: Int
    /// Unix ms: the start of the oldest minute asked for (the current minute is the last).
    var since: Int64

    /// A configured `destination` (404 for another name, 400 when absent) and `minutes` from 1
    /// to 1440 (400 otherwise; default 60).
    static func parse(_ parameters: [String: String], destinations: Set<String>, now: Int64) -> Result<AdminSeriesQuery, AdminRefusal> {
        guard let destination = parameters["destination"], !destination.isEmpty else {
            return .failure(AdminRefusal(400, "destination is required: ?destination=NAME&minutes=M"))
        }
        guard destinations.contains(destination) else {
            return .failure(AdminRefusal(404, "unknown destination \"\(destination)\"; configured: \(destinations.sorted().joined(separator: ", "))"))
        }
        var minutes = defaultMinutes
        if let text = parameters["minutes"] {
            guard text.utf8.count <= 5, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let value = Int(text), (1...maxMinutes).contains(value) else {
                return .failure(AdminRefusal(400, "minutes: expected a whole number from 1 to \(maxMinutes), got \"\(text)\""))
            }
            minutes = value
        }
        return .success(AdminSeriesQuery(destination: destination, minutes: minutes, since: SeriesMinute.start(of: now) - Int64(minutes - 1) * 60_000))
    }
}

/// An admin request refused with a status other than 400 alone (400 or 404).
struct AdminRefusal: Error, Sendable, Equatable {
    let status: Int
    let message: String
    init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }
}

/// Why an admin request is refused with 400.
struct AdminProblem: Error, Sendable {
    let message: String
    init(_ message: String) { self.message = message }
}

/// The body of `POST /admin/api/replay`.
enum AdminReplayRequest {
    /// The most JSON values a replay request's body may hold.
    static let maxValues = 64
    /// States a destination-wide replay may select. `pending` deliveries are already due.
    static let replayableStates = DeliveryState.replayable.map(\.rawValue)

    /// Reads the body with the core's `JSONParser`, strictly (invalid UTF-8 and lone surrogates
    /// are refused), and at most `maxValues` values (a selection has four; a large body is not
    /// built into a tree). A member named twice counts with its last value.
    static func parse(_ body: [UInt8], destinations: Set<String>, now: Int64) -> Result<ReplaySelection, AdminProblem> {
        let usage = #"expected {"event_id":"…"} or {"destination":"…","state":"dead","since":"24h"}"#
        let value: JSONValue?
        do {
            value = body.isEmpty ? nil : try JSONValue(parsing: body, strict: true, maxValues: maxValues)
        } catch {
            if error.exceedsLimit { return .failure(AdminProblem("body holds more than \(maxValues) JSON values: \(usage)")) }
            value = nil
        }
        guard case .object(let object)? = value else {
            return .failure(AdminProblem("body must be a JSON object: \(usage)"))
        }
        let known: Set<String> = ["event_id", "destination", "state", "since"]
        if let unknown = object.members.map(\.name).sorted().first(where: { !known.contains($0) }) {
            return .failure(AdminProblem("unknown field \"\(unknown)\": \(usage)"))
        }
        func member(_ name: String) -> JSONValue? { object.members.last { $0.name == name }?.value }
        switch (member("event_id"), member("destination")) {
        case (.some, .some):
            return .failure(AdminProblem("give event_id or destination, not both"))
        case (.some(let value), nil):
            guard case .string(let id) = value, !id.isEmpty else { return .failure(AdminProblem("event_id must be a non-empty string")) }
            guard member("state") == nil, member("since") == nil else {
                return .failure(AdminProblem("state and since go with destination, not with event_id"))
            }
            return .success(.event(id))
        case (nil, .some(let value)):
            guard case .string(let name) = value, !name.isEmpty else { return .failure(AdminProblem("destination must be a non-empty string")) }
            guard destinations.contains(name) else {
                return .failure(AdminProblem("unknown destination \"\(name)\"; configured: \(destinations.sorted().joined(separator: ", "))"))
            }
            guard case .string(let state)? = member("state") else {
                return .failure(AdminProblem("state is required with destination (one of \(replayableStates.joined(separator: ", ")))"))
            }
            guard replayableStates.contains(state) else {
                return .failure(AdminProblem("state must be one of \(replayableStates.joined(separator: ", ")), got \"\(state)\""))
            }
            var since: Int64?
            switch member("since") {
            case nil, .null?:
                since = nil
            case .string(let text)?:
                guard let millis = AdminTime.since(text, now: now) else {
                    return .failure(AdminProblem("since: expected a duration (\"24h\"), an RFC 3339 time or Unix seconds, got \"\(text)\""))
                }
                since = millis
            case .number(let text)?:
                // Unix seconds, in the range the string form takes (up to 12 digits): a larger or
                // negative number is refused, never converted (`Int64(_:)` traps past its range).
                guard let seconds = Double(text), seconds.isFinite, seconds >= 0, seconds < 1e12 else {
                    return .failure(AdminProblem("since: Unix seconds must be from 0 to 999999999999, got \(text)"))
                }
                since = Int64(seconds * 1000)
            default:
                return .failure(AdminProblem("since must be a string (\"24h\", an RFC 3339 time) or Unix seconds"))
            }
            return .success(.destination(name, state: state, since: since))
        case (nil, nil):
            return .failure(AdminProblem("event_id or destination is required: \(usage)"))
        }
    }

    static func describe(_ selection: ReplaySelection) -> String {
        switch selection {
        case .event(let id): return "event \(id)"
        case .destination(let name, let state, let since):
            return "destination \(name) state \(state)" + (since.map { " since \(AdminTime.rfc3339($0))" } ?? "")
        }
    }
}
