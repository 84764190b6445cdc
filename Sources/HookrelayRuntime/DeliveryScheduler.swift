import Foundation
import HookrelayCore
import HookrelayCurl
import HookrelayStore
import Logging
import Synchronization

/// Moves due deliveries from the store to the curl engine and their outcomes back (SPEC §6):
/// the driver of `DeliveryLanes`, which decides everything (slots, rate, retries, what is
/// stranded). This class only performs the lanes' actions — claims and records through the
/// store, attempts through the engine — and feeds their results back, each in one lock section.
///
/// One dedicated thread ticks the lanes: it claims due work per destination in small batches —
/// never more than the destination's free `max_in_flight` slots and what its `rate` allows —
/// so a backlog of millions stays on disk.
///
/// Pause and resume (SPEC §12) reach it two ways: the admin API calls `setPaused` after its
/// write committed (in force at once), and the loop re-reads the store's paused set at most
/// once a second (`pauseReadInterval`), which is how `hookrelay pause` reaches a running relay.
///
/// `@unchecked Sendable`: `lanes`, `woken` and `loopEnded` are only touched under `condition`.
final class DeliveryScheduler: @unchecked Sendable {
    /// How each destination's requests are shaped; replaced by a reload (read once per batch).
    private let builders: Mutex<[String: DeliveryRequestBuilder]>
    /// The destinations in force by name (the breaker's log lines name their settings).
    private let destinationConfigs: Mutex<[String: DestinationConfig]>
    private let store: any RelayStore
    private let engine: CurlEnginePool
    private let metrics: RelayMetrics
    private let logger: Logger
    private let config: RelayConfig
    private let clock: WallClock
    private let condition = NSCondition()
    private var lanes: DeliveryLanes
    private var woken = false
    private var loopEnded = false
    private var lastPurge: Int64 = 0
    /// When the loop reads the store's paused set next (only the loop's thread touches it).
    private var nextPauseRead: Int64 = 0
    /// How often the loop re-reads the paused set: `hookrelay pause` is in force within this.
    static let pauseReadInterval: Int64 = 1000
    /// Claims the store refused (a full disk): the loop waits before claiming again and logs
    /// the first and then about one line per 5 s, instead of retrying (and logging) at every
    /// wake-up. Only the loop's thread touches it.
    private var claimFailures = RepeatedFailure()
    /// Reads of the paused set the store refused (only the loop's thread touches it).
    private var pauseReadFailures = RepeatedFailure()
    private var thread: Thread?

    init(
        config: RelayConfig, store: any RelayStore, engine: CurlEnginePool, metrics: RelayMetrics, logger: Logger,
        clock: WallClock = .system, pollInterval: Duration = .seconds(1)
    ) {
        self.config = config
        self.store = store
        self.engine = engine
        self.metrics = metrics
        self.logger = logger
        self.clock = clock
        lanes = DeliveryLanes(destinations: config.destinations, now: clock.now(), pollInterval: pollInterval)
        builders = Mutex(Self.builders(for: config.destinations))
        destinationConfigs = Mutex(Dictionary(uniqueKeysWithValues: config.destinations.map { ($0.name, $0) }))
        // Before the first event is accepted: a paused destination gets no first attempt either.
        readPaused(now: clock.now())
    }

    private static func builders(for destinations: [DestinationConfig]) -> [String: DeliveryRequestBuilder] {
        Dictionary(uniqueKeysWithValues: destinations.map { ($0.name, DeliveryRequestBuilder(destination: $0)) })
    }

    /// A reload (SPEC §12): the destinations from now on. Retries of stored deliveries take the
    /// new rewrite, signing and schedule of their destination; a removed destination's deliveries
    /// stay in the store, untouched, until it comes back.
    func reconfigure(destinations: [DestinationConfig]) {
        builders.withLock { $0 = Self.builders(for: destinations) }
        destinationConfigs.withLock { $0 = Dictionary(uniqueKeysWithValues: destinations.map { ($0.name, $0) }) }
        let now = clock.now()
        condition.lock()
        lanes.reconfigure(destinations, now: now)
        woken = true
        condition.broadcast()
        condition.unlock()
    }

    func start() {
        // Another node's replay or hand-back: look at once (SPEC §10).
        store.watchForDueWork { [weak self] in self?.wake() }
        thread = NamedThread.start("hr-scheduler") { [self] in runLoop() }
    }

    /// New work may be due (a replay): look now instead of at the next poll.
    func wake() {
        condition.lock()
        woken = true
        condition.signal()
        condition.unlock()
    }

    // MARK: - Steering (SPEC §12)

    /// An operator paused or resumed `destination` through the admin API (the store's write
    /// committed): in force now, and a resume wakes the loop to claim its due deliveries.
    func setPaused(_ destination: String, _ paused: Bool) {
        condition.lock()
        lanes.setPaused(destination, paused)
        woken = true
        condition.broadcast()
        condition.unlock()
    }

    /// Every configured destination's state (`active`, `paused`, `probing`), by name.
    var destinationStates: [String: DestinationState] {
        locked { lanes.states }
    }

    /// Reads the store's paused set (what `hookrelay pause` wrote) into the lanes, unless the admin
    /// API changed one meanwhile; a failed read keeps the last known set and is tried again.
    private func readPaused(now: Int64) {
        nextPauseRead = now + Self.pauseReadInterval
        let revision = locked { lanes.pauseRevision }
        let paused: Set<String>
        do {
            paused = try store.pausedDestinations()
            _ = pauseReadFailures.succeeded()
        } catch {
            // Once a second while the store is away (PostgreSQL down): the first line, then one per 5 s.
            let decision = pauseReadFailures.failed(now: now)
            if decision.log {
                logger.error("cannot read the paused destinations", metadata: ["error": "\(error)", "suppressed": "\(decision.suppressed)"])
            }
            return
        }
        _ = locked { lanes.pausedFromStore(paused, readSince: revision) }
    }

    // MARK: - Ingest

    /// The deliveries an event about to be accepted must make, one per routed destination,
    /// each marked to be stored claimed when its destination has a free slot now (in-flight
    /// bound and rate): its first attempt then starts right after the commit. Every target
    /// returned must be passed back to `accepted(_:targets:event:)`.
    func targets(for destinations: [DestinationConfig]) -> [DeliveryTarget] {
        guard !destinations.isEmpty else { return [] }
        let now = clock.now()
        condition.lock()
        defer { condition.unlock() }
        return destinations.map { DeliveryTarget(destination: $0.name, url: $0.url, claimNow: lanes.reserve($0.name, now: now)) }
    }

    /// The accept of `targets` ended with `result`: first attempts start for the deliveries stored
    /// claimed, the slots no delivery took go back, and the loop looks for the rest.
    func accepted(_ result: Result<AcceptOutcome, StoreUnavailable>, targets: [DeliveryTarget], event: AcceptedEvent) {
        let claimed: [ClaimedTarget]
        var newDeliveries = 0
        if case .success(.accepted(let count, let stored)) = result {
            claimed = stored
            newDeliveries = count
        } else {
            claimed = []
        }
        let unused = targets.filter { target in target.claimNow && !claimed.contains { $0.url == target.url } }.map(\.destination)
        let deliveries = claimed.map { target in
            ClaimedDelivery(
                id: target.deliveryID, eventID: event.id, eventType: event.type, source: event.source, destination: target.destination,
                url: target.url, attempts: 0, replays: 0, body: event.body, contentType: event.contentType
            )
        }
        guard !unused.isEmpty || !deliveries.isEmpty || newDeliveries > 0 else { return }
        condition.lock()
        let actions = lanes.accepted(deliveries.map(Self.ticket), unused: unused)
        if !unused.isEmpty || newDeliveries > claimed.count {
            woken = true
            condition.broadcast()
        }
        condition.unlock()
        perform(actions, deliveries: deliveries, now: clock.now())
    }

    /// Attempts on the wire.
    var inFlight: Int {
        condition.lock()
        defer { condition.unlock() }
        return lanes.inFlight
    }

    // MARK: - Stop

    /// Stops claiming, lets attempts in progress finish for up to `grace`, aborts the rest
    /// (they stay in the store, due again at once) and waits until every outcome is stored.
    func stop(grace: Duration) async {
        locked {
            lanes.stop()
            condition.broadcast()
        }
        await waitUntil(deadline: .now + .seconds(5)) { loopEnded || thread == nil }
        await engine.shutDown(grace: grace)
        // Completions (stored outcomes, or hand-backs of cancelled attempts) commit shortly after.
        await waitUntil(deadline: .now + .seconds(5)) { lanes.isSettled }
    }

    /// Polls `condition` (read under the lock) until it holds or `deadline` passes.
    private func waitUntil(deadline: ContinuousClock.Instant, _ holds: () -> Bool) async {
        while true {
            if locked(holds) || ContinuousClock.now >= deadline { return }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Runs `body` under the lock (a plain function, so async callers may use it).
    private func locked<T>(_ body: () -> T) -> T {
        condition.lock()
        defer { condition.unlock() }
        return body()
    }

    // MARK: - The loop

    private func runLoop() {
        while true {
            let now = clock.now()
            condition.lock()
            if lanes.stopping {
                loopEnded = true
                condition.broadcast()
                condition.unlock()
                return
            }
            woken = false
            // Due, or the wall clock stepped back past the last read's interval.
            if now >= nextPauseRead || nextPauseRead - now > Self.pauseReadInterval {
                condition.unlock()
                readPaused(now: now)
                condition.lock()
            }
            var (actions, wakeAt) = lanes.tick(now: now)
            condition.unlock()
            wakeAt = min(wakeAt, nextPauseRead)

            for action in actions {
                switch action {
                case .visit(let destination):
                    // The slots are taken here, per destination, just before its claim.
                    let (limit, later) = locked { lanes.slotsForClaim(destination, now: now) }
                    wakeAt = min(wakeAt, limit > 0 ? claim(destination: destination, limit: limit, now: now) : later)
                case .handBack(let ids, let dueAt):
                    // Not while the store refuses writes: each wake-up would be another refused write.
                    if now < claimFailures.retryAt {
                        locked { lanes.handBackFailed(ids) }
                        wakeAt = min(wakeAt, claimFailures.retryAt)
                    } else {
                        handBackStranded(ids, dueAt: dueAt)
                    }
                case .start, .record:
                    break  // a tick only visits and hands back
                }
            }
            purgeIfDue(now: now)

            condition.lock()
            while !woken && !lanes.stopping {
                let waitMillis = wakeAt - clock.now()
                if waitMillis <= 0 { break }
                _ = condition.wait(until: Date(timeIntervalSinceNow: Double(min(waitMillis, 3_600_000)) / 1000))
            }
            condition.unlock()
        }
    }

    /// Performs a `claim`: a read tells whether anything is due (most wake-ups find nothing,
    /// since first attempts are handed over at accept time), then the claim itself. Returns when
    /// to look at the destination again. While the store refuses claims (a full disk), none is
    /// tried before `claimFailures.retryAt`.
    private func claim(destination: String, limit: Int, now: Int64) -> Int64 {
        let refusing = now < claimFailures.retryAt
        var nextDue = refusing ? claimFailures.retryAt : (try? store.nextDueTime(destination: destination)) ?? nil
        var deliveries: [ClaimedDelivery] = []
        if !refusing, let due = nextDue, due <= now {
            switch store.claimDue(destination: destination, now: now, limit: limit) {
            case .success(let claimed):
                deliveries = claimed
                let failures = claimFailures.succeeded()
                if failures > 0 { logger.notice("claiming deliveries again", metadata: ["failures": "\(failures)"]) }
            case .failure(let error):
                let decision = claimFailures.failed(now: clock.now())
                nextDue = claimFailures.retryAt
                if decision.log {
                    logger.error("cannot claim deliveries", metadata: [
                        "destination": "\(destination)", "error": "\(error)", "suppressed": "\(decision.suppressed)",
                    ])
                }
            }
        }
        let startedAt = deliveries.isEmpty ? now : clock.now()
        condition.lock()
        let (actions, wakeAt) = lanes.claimed(
            deliveries.map(Self.ticket), destination: destination, limit: limit, nextDue: nextDue, now: now, startedAt: startedAt
        )
        condition.unlock()
        perform(actions, deliveries: deliveries, now: now)
        return wakeAt
    }

    // MARK: - Attempts

    private static func ticket(_ delivery: ClaimedDelivery) -> DeliveryLanes.Ticket {
        DeliveryLanes.Ticket(deliveryID: delivery.id, destination: delivery.destination, attemptsMade: delivery.attempts)
    }

    /// Performs the `start`s of `actions`, finding each delivery by its id in `deliveries`.
    /// (A batch is at most a destination's free slots: a linear search, no table built per accept.)
    private func perform(_ actions: [DeliveryLanes.Action], deliveries: [ClaimedDelivery], now: Int64) {
        guard !deliveries.isEmpty else { return }
        let builders = self.builders.withLock { $0 }
        for case .start(let ticket) in actions {
            if let delivery = deliveries.first(where: { $0.id == ticket.deliveryID }) {
                send(delivery, ticket: ticket, builder: builders[delivery.destination], now: now)
            }
        }
    }

    private func send(_ delivery: ClaimedDelivery, ticket: DeliveryLanes.Ticket, builder: DeliveryRequestBuilder?, now: Int64) {
        let attempt = ticket.nextAttempt
        guard let builder else {
            // Claimed just before a reload removed its destination: back to due, untried; it waits
            // (orphaned) until the destination comes back.
            ended(delivery, ticket: ticket, .cancelled, result: AttemptResult(status: nil))
            return
        }
        let request: OutboundRequest
        do {
            request = try builder.request(
                url: delivery.url, eventID: delivery.eventID, attempt: attempt, body: delivery.body,
                contentType: delivery.contentType, now: now / 1000
            )
        } catch {
            // The body cannot be shaped for this destination (unparseable, bad template or key):
            // no retry would help, so the delivery is dead at once, logged with error "rewrite".
            let reason = error.reason
            logger.warning("delivery cannot be rewritten", metadata: [
                "event_id": "\(delivery.eventID)", "destination": "\(delivery.destination)", "url": "\(URLMasking.mask(delivery.url))",
                "attempt": "\(attempt)", "error": "rewrite", "reason": "\(reason)",
            ])
            ended(delivery, ticket: ticket, .unsendable, result: AttemptResult(status: nil), message: reason, error: "rewrite")
            return
        }
        engine.send(request) { [self] result in
            if result.transportError?.kind == .cancelled {
                ended(delivery, ticket: ticket, .cancelled, result: result)
            } else {
                ended(delivery, ticket: ticket, .finished(result), result: result)
            }
        }
    }

    /// An attempt ended (on the curl thread, or at once when it could not be sent): the lanes
    /// free its slot and decide; the outcome is counted, logged and stored.
    private func ended(
        _ delivery: ClaimedDelivery, ticket: DeliveryLanes.Ticket, _ end: DeliveryLanes.AttemptEnd, result: AttemptResult,
        message: String? = nil, error: String? = nil
    ) {
        let now = clock.now()
        condition.lock()
        let action = lanes.attemptEnded(ticket, end, now: now)
        let breakerChanges = lanes.breakerChanges.isEmpty ? [] : lanes.takeBreakerChanges()
        // A slot is free: the loop looks for due work.
        woken = true
        condition.broadcast()
        condition.unlock()
        for change in breakerChanges { logBreaker(change.destination, change.state) }

        switch action {
        case .handBack(let ids, let dueAt):
            metrics.attempt(destination: delivery.destination, outcome: "cancelled", latency: nil)
            logger.info("delivery attempt cancelled, due again", metadata: [
                "event_id": "\(delivery.eventID)", "destination": "\(delivery.destination)", "url": "\(URLMasking.mask(delivery.url))",
                "attempt": "\(ticket.nextAttempt)", "reason": "\(result.transportError?.message ?? "")",
            ])
            store.release(deliveryIDs: ids, dueAt: dueAt) { [self] outcome in
                if case .failure = outcome { storedOrNot(ticket, stored: false) } else { storedOrNot(ticket, stored: true) }
            }
        case .record(_, let attempt, let decision):
            record(delivery, ticket: ticket, attempt: attempt, decision: decision, result: result, message: message, error: error, now: now)
        case .visit, .start:
            break
        }
    }

    /// The circuit breaker of `destination` opened or closed.
    private func logBreaker(_ destination: String, _ state: DestinationState) {
        guard let lane = destinationConfigs.withLock({ $0[destination] }) else { return }
        switch state {
        case .probing:
            logger.warning("destination probing", metadata: [
                "destination": "\(destination)", "pause_after": "\(lane.pauseAfter)", "probe_every_ms": "\(lane.probeEvery.milliseconds)",
                "reason": "pause_after failed attempts in a row; one attempt per probe_every until one succeeds",
            ])
        case .active:
            logger.notice("destination active again", metadata: ["destination": "\(destination)", "reason": "an attempt succeeded"])
        case .paused:
            break
        }
    }

    private func record(
        _ delivery: ClaimedDelivery, ticket: DeliveryLanes.Ticket, attempt: Int, decision: DeliveryDecision, result: AttemptResult,
        message: String?, error: String?, now: Int64
    ) {
        let nextAttempt: Int64? = if case .retry(let at) = decision { at } else { nil }
        let sent = error == nil  // an unsendable body never went out
        let record = AttemptRecord(
            deliveryID: delivery.id, eventID: delivery.eventID, eventType: delivery.eventType, destination: delivery.destination,
            url: delivery.url, attempt: attempt, state: decision.state, nextAttemptAt: nextAttempt, status: result.status,
            error: error ?? (decision == .delivered ? nil : result.errorKind), message: message ?? result.transportError?.message,
            response: result.responseSnippet, replays: delivery.replays, time: now, isFailure: decision.isFailure,
            latencyMillis: sent ? Self.millisRoundedUp(result.latency) : nil
        )
        // Counted and logged here, on the curl thread, not in the completion below: that runs on the
        // store's writer, the thread that limits ingest. A refused outcome is logged after it.
        metrics.attempt(destination: delivery.destination, outcome: decision.state.rawValue, latency: sent ? result.latency : nil)
        if decision.isFailure && sent {
            logger.warning("delivery attempt failed", metadata: [
                "event_id": "\(delivery.eventID)", "destination": "\(delivery.destination)", "url": "\(URLMasking.mask(delivery.url))",
                "attempt": "\(attempt)", "status": "\(result.status.map(String.init) ?? "-")", "error": "\(result.errorKind)",
                "next": "\(nextAttempt.map { "in \(($0 - now) / 1000)s" } ?? decision.state.rawValue)",
            ])
        }
        store.record(record) { [self] outcome in
            if case .failure(let storeError) = outcome {
                // The delivery stays claimed, and the next tick puts it back due (a restart would
                // too); the attempt is made again under the same number. The attempt's own line and
                // count (made when it ended) said what it would have become.
                logger.error("cannot store an attempt's outcome; the attempt is due again", metadata: [
                    "event_id": "\(delivery.eventID)", "destination": "\(delivery.destination)", "attempt": "\(attempt)", "error": "\(storeError)",
                ])
                storedOrNot(ticket, stored: false)
            } else {
                storedOrNot(ticket, stored: true)
            }
        }
    }

    /// `duration` in whole milliseconds, rounded up (an attempt of 0.3 ms counts in the 1 ms bucket).
    static func millisRoundedUp(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return max(0, seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }

    /// The outcome of an ended attempt committed, or was refused and is stranded.
    /// Runs on the store's writer thread, once per outcome: a wake-up of the loop here (a futex
    /// call on the thread that limits ingest, and a context switch) only when there is something
    /// for it to do — a delivery to hand back. `stop` polls `isSettled` and needs none.
    private func storedOrNot(_ ticket: DeliveryLanes.Ticket, stored: Bool) {
        condition.lock()
        lanes.outcomeStored(ticket, stored: stored)
        if !stored {
            woken = true
            condition.signal()
        }
        condition.unlock()
    }

    /// Performs a tick's `handBack` of stranded deliveries; those the store still refuses wait
    /// for the next tick.
    private func handBackStranded(_ ids: [Int64], dueAt: Int64) {
        store.release(deliveryIDs: ids, dueAt: dueAt) { [self] outcome in
            guard case .failure = outcome else { return }
            condition.lock()
            lanes.handBackFailed(ids)
            condition.unlock()
        }
    }

    private func purgeIfDue(now: Int64) {
        guard now - lastPurge >= 60_000 else { return }
        lastPurge = now
        store.purge(now: now, dedupWindow: config.server.dedupWindow, failureRetention: config.server.failureLogRetention) { [logger] result in
            if case .failure(let error) = result { logger.error("purge failed", metadata: ["error": "\(error)"]) }
        }
    }
}

/// What the scheduler needs of an event just accepted to start its first attempts.
struct AcceptedEvent: Sendable {
    var id: String
    var type: String
    var source: String
    var body: [UInt8]
    var contentType: String
}
