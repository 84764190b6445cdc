import Foundation
import HookrelayCore
import HookrelayCurl
import HookrelayStore
import Logging

/// Moves due deliveries from the store to the curl engine and their outcomes back (SPEC §6).
///
/// One dedicated thread claims due work per destination in small batches — never more than
/// the destination's free `max_in_flight` slots and what its `rate` allows — so a backlog of
/// millions stays on disk. Each completion goes through `DeliveryStateMachine` (delivered,
/// rejected, retry at T, dead) and is stored, with a failure-log record when it failed.
///
/// `@unchecked Sendable`: all mutable state is guarded by `condition`.
final class DeliveryScheduler: @unchecked Sendable {
    /// How a destination's attempts are made; fixed at start, read without the lock. A class,
    /// so handing it to `send` passes one reference, not the whole config.
    private final class Rules: Sendable {
        let destination: DestinationConfig
        let builder: DeliveryRequestBuilder
        let policy: DeliveryPolicy

        init(destination: DestinationConfig) {
            self.destination = destination
            builder = DeliveryRequestBuilder(destination: destination)
            policy = DeliveryPolicy(destination: destination)
        }
    }

    /// A destination's slots and rate tokens (under `condition`).
    private struct Lane {
        let maxInFlight: Int
        var limiter: RateLimiter
        /// Attempts on the wire (bounded by `max_in_flight`).
        var inFlight = 0
        /// Attempts ended whose outcome is not committed yet (`stop` waits for them).
        var recording = 0
    }

    private let store: EventStore
    private let engine: CurlEngine
    private let metrics: RelayMetrics
    private let logger: Logger
    private let config: RelayConfig
    private let pollInterval: Duration
    private let condition = NSCondition()
    private let rules: [String: Rules]
    private var lanes: [String: Lane] = [:]
    private var order: [String] = []
    private var woken = false
    private var stopping = false
    private var loopEnded = false
    private var lastPurge: Int64 = 0
    /// Claims the store refused (a full disk): the loop waits before claiming again and logs
    /// the first and then about one line per 5 s, instead of retrying (and logging) at every
    /// wake-up. Only the loop's thread touches it.
    private var claimFailures = RepeatedFailure()
    /// Deliveries left claimed because their outcome (or release) did not commit: put back due
    /// by the loop until the store takes it, so none waits for a restart.
    private var stranded: [Int64] = []
    private var thread: Thread?

    init(config: RelayConfig, store: EventStore, engine: CurlEngine, metrics: RelayMetrics, logger: Logger, pollInterval: Duration = .seconds(1)) {
        self.config = config
        self.store = store
        self.engine = engine
        self.metrics = metrics
        self.logger = logger
        self.pollInterval = pollInterval
        let now = Self.nowMillis()
        var rules: [String: Rules] = [:]
        for destination in config.destinations {
            rules[destination.name] = Rules(destination: destination)
            lanes[destination.name] = Lane(maxInFlight: destination.maxInFlight, limiter: RateLimiter(rate: destination.rate, now: now))
            order.append(destination.name)
        }
        self.rules = rules
    }

    func start() {
        let thread = Thread { [self] in runLoop() }
        thread.name = "hookrelay-scheduler"
        self.thread = thread
        thread.start()
    }

    /// New work may be due (an accept, a replay): look now instead of at the next poll.
    func wake() {
        condition.lock()
        woken = true
        condition.signal()
        condition.unlock()
    }

    /// Takes a slot of `destination` for an event about to be accepted, when one is free now
    /// (in-flight bound and rate): the delivery is then stored claimed and handed over with
    /// `dispatch(_:)` right after the commit, without a claim round trip through the store.
    /// Every `true` must be followed by `dispatch` or `release(destination:)`.
    func reserve(destination: String) -> Bool {
        let now = Self.nowMillis()
        condition.lock()
        defer { condition.unlock() }
        guard !stopping, var lane = lanes[destination], lane.inFlight < lane.maxInFlight,
              lane.limiter.available(wanted: 1, now: now) == 1 else { return false }
        lane.inFlight += 1
        lane.limiter.take(1, now: now)
        lanes[destination] = lane
        return true
    }

    /// Gives back a slot taken by `reserve` that was not used (duplicate, store refused), with
    /// its rate token.
    func release(destination: String) {
        giveBack(destination, slots: 1, wake: true)
    }

    /// Returns unused slots and their rate tokens. `wake` only when another thread gives them
    /// back: the loop returning its own unused slots must not wake itself (it would spin).
    private func giveBack(_ destination: String, slots: Int, wake: Bool) {
        guard slots > 0 else { return }
        condition.lock()
        lanes[destination]?.inFlight -= slots
        lanes[destination]?.limiter.refund(slots)
        if wake {
            woken = true
            condition.broadcast()
        }
        condition.unlock()
    }

    /// Starts the first attempt of a delivery stored claimed, on a slot taken by `reserve`.
    func dispatch(_ delivery: ClaimedDelivery) {
        guard let rules = rules[delivery.destination] else { return }
        send(delivery, rules: rules, now: Self.nowMillis())
    }

    /// Attempts on the wire.
    var inFlight: Int {
        condition.lock()
        defer { condition.unlock() }
        return lanes.values.reduce(0) { $0 + $1.inFlight }
    }

    /// Stops claiming, lets attempts in progress finish for up to `grace`, aborts the rest
    /// (they stay in the store, due again at once) and waits until every outcome is stored.
    /// Blocking.
    func stop(grace: Duration) {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !loopEnded && thread != nil { condition.wait() }
        condition.unlock()
        engine.stop(grace: grace)
        // Completions (stored outcomes, or releases of cancelled attempts) commit shortly after.
        let deadline = Date().addingTimeInterval(5)
        condition.lock()
        while lanes.values.contains(where: { $0.inFlight > 0 || $0.recording > 0 }) && Date() < deadline {
            _ = condition.wait(until: deadline)
        }
        condition.unlock()
    }

    // MARK: - The loop

    private func runLoop() {
        while true {
            condition.lock()
            if stopping {
                loopEnded = true
                condition.broadcast()
                condition.unlock()
                return
            }
            woken = false
            condition.unlock()

            let now = Self.nowMillis()
            var wakeAt = now + pollInterval.milliseconds
            for name in order {
                wakeAt = min(wakeAt, dispatchDue(destination: name, now: now))
            }
            // Not while the store refuses claims: each wake-up would be another refused write.
            if now >= claimFailures.retryAt { releaseStranded(now: now) }
            purgeIfDue(now: now)

            condition.lock()
            while !woken && !stopping {
                let waitMillis = wakeAt - Self.nowMillis()
                if waitMillis <= 0 { break }
                _ = condition.wait(until: Date(timeIntervalSinceNow: Double(waitMillis) / 1000))
            }
            condition.unlock()
        }
    }

    /// Claims and sends what is due for one destination; returns when to look at it again.
    /// Slots and rate tokens are taken before the claim (under the lock, so ingest's
    /// `reserve` cannot take the same ones) and what the claim did not use is given back.
    private func dispatchDue(destination name: String, now: Int64) -> Int64 {
        guard let destinationRules = rules[name] else { return Int64.max }
        // The store refused the last claim: wait (every refused accept wakes this loop).
        if now < claimFailures.retryAt { return claimFailures.retryAt }
        condition.lock()
        guard var lane = lanes[name] else {
            condition.unlock()
            return Int64.max
        }
        let free = lane.maxInFlight - lane.inFlight
        let allowed = lane.limiter.available(wanted: max(0, free), now: now)
        let nextToken = lane.limiter.nextAvailable(now: now)
        if allowed > 0 {
            lane.inFlight += allowed
            lane.limiter.take(allowed, now: now)
            lanes[name] = lane
        }
        condition.unlock()

        guard allowed > 0 else {
            // Full: a completion wakes us. Rate-limited: look again when a token is back.
            return free <= 0 ? Int64.max : nextToken
        }
        // A read (no write, no commit) tells whether anything is due; most wake-ups find nothing,
        // since first attempts are handed over at accept time.
        let nextDue = (try? store.nextDueTime(destination: name)) ?? nil
        guard let nextDue, nextDue <= now else {
            giveBack(name, slots: allowed, wake: false)
            return nextDue ?? Int64.max
        }
        let claimed = claim(destination: name, now: now, limit: allowed)
        giveBack(name, slots: allowed - claimed.count, wake: false)
        if claimed.isEmpty { return now + pollInterval.milliseconds }
        for delivery in claimed {
            send(delivery, rules: destinationRules, now: now)
        }
        // A full batch means more may be due right away.
        return claimed.count == allowed ? now : now + pollInterval.milliseconds
    }

    private func claim(destination: String, now: Int64, limit: Int) -> [ClaimedDelivery] {
        let semaphore = DispatchSemaphore(value: 0)
        let box = ResultBox<[ClaimedDelivery]>()
        store.claimDue(destination: destination, now: now, limit: limit) { result in
            box.value = result
            semaphore.signal()
        }
        semaphore.wait()
        switch box.value {
        case .success(let deliveries):
            let failures = claimFailures.succeeded()
            if failures > 0 { logger.notice("claiming deliveries again", metadata: ["failures": "\(failures)"]) }
            return deliveries
        case .failure(let error):
            let decision = claimFailures.failed(now: Self.nowMillis())
            if decision.log {
                logger.error("cannot claim deliveries", metadata: [
                    "destination": "\(destination)", "error": "\(error)", "suppressed": "\(decision.suppressed)",
                ])
            }
            return []
        case nil:
            return []
        }
    }

    private func send(_ delivery: ClaimedDelivery, rules: Rules, now: Int64) {
        var machine = DeliveryStateMachine(policy: rules.policy, attempts: delivery.attempts, dueAt: now)
        guard case .send(let attempt) = machine.start(now: now) else {
            strand(delivery.id)
            attemptEnded(delivery.destination)
            outcomeStored(delivery.destination)
            return
        }
        let request: OutboundRequest
        do {
            request = try rules.builder.request(
                url: delivery.url, eventID: delivery.eventID, attempt: attempt, body: delivery.body,
                contentType: delivery.contentType, now: now / 1000
            )
        } catch {
            // The body cannot be shaped for this destination (unparseable, bad template or key):
            // no retry would help, so the delivery is dead at once, logged with error "rewrite".
            let record = AttemptRecord(
                deliveryID: delivery.id, eventID: delivery.eventID, eventType: delivery.eventType, destination: delivery.destination,
                url: delivery.url, attempt: attempt, state: "dead", nextAttemptAt: nil, status: nil, error: "rewrite",
                message: error.reason, response: "", replays: delivery.replays, time: now, isFailure: true
            )
            metrics.attempt(destination: delivery.destination, outcome: "dead", latency: nil)
            logger.warning("delivery cannot be rewritten", metadata: [
                "event_id": "\(delivery.eventID)", "destination": "\(delivery.destination)", "url": "\(URLMasking.mask(delivery.url))",
                "attempt": "\(attempt)", "error": "rewrite", "reason": "\(error.reason)",
            ])
            attemptEnded(delivery.destination)
            store.record(record) { [self] outcome in
                if case .failure(let storeError) = outcome { outcomeNotStored(delivery, attempt: attempt, error: storeError) }
                outcomeStored(delivery.destination)
            }
            return
        }
        let started = machine
        engine.send(request) { [self] result in
            complete(delivery, attempt: attempt, machine: started, result: result)
        }
    }

    private func complete(_ delivery: ClaimedDelivery, attempt: Int, machine: DeliveryStateMachine, result: AttemptResult) {
        let now = Self.nowMillis()
        // The request is over: its slot is free for the next attempt now, not after the outcome's
        // commit. The delivery stays claimed in the store until then, so nothing claims it twice.
        attemptEnded(delivery.destination)
        if result.transportError?.kind == .cancelled {
            metrics.attempt(destination: delivery.destination, outcome: "cancelled", latency: nil)
            logger.info("delivery attempt cancelled, due again", metadata: [
                "event_id": "\(delivery.eventID)", "destination": "\(delivery.destination)", "url": "\(URLMasking.mask(delivery.url))",
                "attempt": "\(attempt)", "reason": "\(result.transportError?.message ?? "")",
            ])
            store.release(deliveryIDs: [delivery.id], dueAt: now) { [self] outcome in
                if case .failure = outcome { strand(delivery.id) }
                outcomeStored(delivery.destination)
            }
            return
        }
        var machine = machine
        let decision = machine.finish(result, now: now)
        let nextAttempt: Int64? = if case .retry(let at) = decision { at } else { nil }
        let record = AttemptRecord(
            deliveryID: delivery.id, eventID: delivery.eventID, eventType: delivery.eventType, destination: delivery.destination,
            url: delivery.url, attempt: attempt, state: decision.state, nextAttemptAt: nextAttempt, status: result.status,
            error: decision == .delivered ? nil : result.errorKind, message: result.transportError?.message,
            response: result.responseSnippet, replays: delivery.replays, time: now, isFailure: decision.isFailure
        )
        // Counted and logged here, on the curl thread, not in the completion below: that runs on the
        // store's writer, the thread that limits ingest. A refused outcome is logged after it.
        metrics.attempt(destination: delivery.destination, outcome: decision.state, latency: result.latency)
        if decision.isFailure {
            logger.warning("delivery attempt failed", metadata: [
                "event_id": "\(delivery.eventID)", "destination": "\(delivery.destination)", "url": "\(URLMasking.mask(delivery.url))",
                "attempt": "\(attempt)", "status": "\(result.status.map(String.init) ?? "-")", "error": "\(result.errorKind)",
                "next": "\(nextAttempt.map { "in \(($0 - now) / 1000)s" } ?? decision.state)",
            ])
        }
        store.record(record) { [self] outcome in
            if case .failure(let error) = outcome { outcomeNotStored(delivery, attempt: attempt, error: error) }
            outcomeStored(delivery.destination)
        }
    }

    /// The store refused an attempt's outcome: the delivery stays claimed, and the loop puts it
    /// back due (a restart would too); the attempt is made again under the same number. The
    /// attempt's own line and count (made when it ended) said what it would have become.
    private func outcomeNotStored(_ delivery: ClaimedDelivery, attempt: Int, error: StoreUnavailable) {
        logger.error("cannot store an attempt's outcome; the attempt is due again", metadata: [
            "event_id": "\(delivery.eventID)", "destination": "\(delivery.destination)", "attempt": "\(attempt)", "error": "\(error)",
        ])
        strand(delivery.id)
    }

    /// An attempt left the wire: its slot is free (the loop looks for due work); its outcome is
    /// being stored.
    private func attemptEnded(_ destination: String) {
        condition.lock()
        lanes[destination]?.inFlight -= 1
        lanes[destination]?.recording += 1
        woken = true
        condition.broadcast()
        condition.unlock()
    }

    /// The outcome of an ended attempt committed (or was refused and stranded).
    private func outcomeStored(_ destination: String) {
        condition.lock()
        lanes[destination]?.recording -= 1
        condition.broadcast()
        condition.unlock()
    }

    private func strand(_ deliveryID: Int64) {
        condition.lock()
        stranded.append(deliveryID)
        woken = true
        condition.broadcast()
        condition.unlock()
    }

    /// Puts stranded deliveries back due; those the store still refuses wait for the next turn.
    private func releaseStranded(now: Int64) {
        condition.lock()
        let ids = stranded
        stranded.removeAll()
        condition.unlock()
        guard !ids.isEmpty else { return }
        store.release(deliveryIDs: ids, dueAt: now) { [self] outcome in
            guard case .failure = outcome else { return }
            condition.lock()
            stranded.append(contentsOf: ids)
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

    static func nowMillis() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }
}

/// A value handed from a completion to a waiting thread (the semaphore orders the accesses).
///
/// `@unchecked Sendable`: written before `signal()`, read after `wait()`.
private final class ResultBox<T: Sendable>: @unchecked Sendable {
    var value: Result<T, StoreUnavailable>?
}
