/// Every destination's delivery lane as one pure state machine (SPEC §6): its slots
/// (`max_in_flight`), its `rate`, the retry decision for each attempt that ends, and the
/// deliveries whose outcome the store did not take. It takes events — an event accepted, a
/// tick of the clock, a claim answered, an attempt ended, an outcome stored, stop — and
/// returns the actions its owner performs (`DeliveryScheduler`: claim, start, record, release,
/// wake). Nothing here waits or does I/O; time is passed in, so a test runs Mailgun's whole
/// eight-hour schedule with plain values.
///
/// A delivery's life: due in the store → claimed (a slot and a rate token taken) → attempt on
/// the wire → ended (the slot is free at once) → outcome recorded (delivered, rejected, retry
/// at T, dead) → committed. An outcome the store refuses leaves the delivery claimed; it is
/// *stranded* and handed back due at the next tick, so none waits for a restart.
///
/// Steering (SPEC §12): a *paused* destination gets no reservation and no claim (its deliveries
/// stay due in the store); a destination whose `CircuitBreaker` is open gets one claim of one
/// delivery — a probe — every `probe_every`. Both are a check per claim or reservation, never a
/// store read: the owner feeds the paused set in (`setPaused`, `pausedFromStore`).
public struct DeliveryLanes: Sendable {
    /// One delivery as the lanes know it: enough to number its next attempt.
    public struct Ticket: Sendable, Equatable {
        public var deliveryID: Int64
        public var destination: String
        /// Attempts made before this one (the first attempt is number 1).
        public var attemptsMade: Int

        public init(deliveryID: Int64, destination: String, attemptsMade: Int) {
            self.deliveryID = deliveryID
            self.destination = destination
            self.attemptsMade = attemptsMade
        }

        /// The number of the attempt about to start.
        public var nextAttempt: Int { attemptsMade + 1 }
    }

    /// What the owner does next.
    public enum Action: Sendable, Equatable {
        /// Look for due deliveries of `destination`: take its free slots with
        /// `slotsForClaim(_:now:)` right before claiming (not earlier, so ingest can still hand
        /// first attempts over meanwhile), claim that many, and report them with `claimed(_:)`.
        case visit(destination: String)
        /// Send attempt number `ticket.nextAttempt` now.
        case start(Ticket)
        /// Store this outcome (and, for a failure, its failure-log record), then report it
        /// with `outcomeStored(_:stored:)`.
        case record(Ticket, attempt: Int, decision: DeliveryDecision)
        /// Put these claimed deliveries back due at `dueAt` (cancelled attempts, stranded
        /// outcomes); report a refusal with `handBackFailed(_:)`.
        case handBack([Int64], dueAt: Int64)
    }

    /// How an attempt ended.
    public enum AttemptEnd: Sendable, Equatable {
        /// An answer, or a transport failure: classified by the destination's policy.
        case finished(AttemptResult)
        /// Cut short by shutdown: not the destination's failure; due again at once.
        case cancelled
        /// The body could not be shaped for the destination (rewrite, template, key): no retry
        /// would help, so the delivery is dead at once.
        case unsendable
    }

    /// One destination's rules and counters.
    struct Lane: Sendable {
        let maxInFlight: Int
        let policy: DeliveryPolicy
        var limiter: RateLimiter
        /// Attempts on the wire (and slots reserved for them).
        var inFlight = 0
        /// Attempts ended whose outcome is not committed yet (`stop` waits for them).
        var recording = 0
        /// Removed from the config by a reload while attempts were on the wire: kept so they end
        /// with the policy they started under, never visited or reserved again.
        var retired = false
        /// Paused by an operator: no reservation, no claim, no probe.
        var paused = false
        var breaker: CircuitBreaker

        var state: DestinationState { paused ? .paused : breaker.isOpen ? .probing : .active }

        init(_ destination: DestinationConfig, now: Int64) {
            maxInFlight = destination.maxInFlight
            policy = DeliveryPolicy(destination: destination)
            limiter = RateLimiter(rate: destination.rate, now: now)
            breaker = CircuitBreaker(pauseAfter: destination.pauseAfter, probeEvery: destination.probeEvery)
        }

        /// An attempt left the wire: its slot is free, its outcome awaits its commit, and the
        /// breaker counts it. True when the breaker opened or closed.
        mutating func attemptEnded(_ deliveryID: Int64, _ outcome: CircuitBreaker.Outcome, now: Int64) -> Bool {
            inFlight -= 1
            recording += 1
            return breaker.attemptEnded(deliveryID, outcome, now: now)
        }
    }

    private var lanes: [String: Lane]
    /// The configured destinations' rates, to tell at a reload whether a limiter stays.
    private var rates: [String: Rate?]
    /// Destinations in config order (the order ticks look at them).
    public private(set) var order: [String]
    /// How long a tick that finds nothing lets pass before the next one.
    public let pollInterval: Int64
    public private(set) var stopping = false
    /// Deliveries left claimed because their outcome or hand-back did not commit.
    private var stranded: [Int64] = []
    /// Bumped by every `setPaused`, so a read of the store's paused set that started before it
    /// cannot undo it (`pausedFromStore`).
    public private(set) var pauseRevision = 0
    /// The paused destinations as last known (store read or operator), configured or not: a
    /// destination a reload adds (or adds back) starts paused when it is in here.
    private var pausedNames: Set<String> = []
    /// Destinations whose breaker opened or closed, for the owner to log (`takeBreakerChanges`).
    public private(set) var breakerChanges: [(destination: String, state: DestinationState)] = []

    /// `destinations`: name, `max_in_flight`, `rate` and retry policy of each, in config order.
    public init(destinations: [DestinationConfig], now: Int64, pollInterval: Duration = .seconds(1)) {
        var lanes: [String: Lane] = [:]
        for destination in destinations {
            lanes[destination.name] = Lane(destination, now: now)
        }
        self.lanes = lanes
        rates = Dictionary(uniqueKeysWithValues: destinations.map { ($0.name, $0.rate) })
        order = destinations.map(\.name)
        self.pollInterval = pollInterval.milliseconds
    }

    // MARK: - Reload

    /// A reload (SPEC §12): `destinations` from now on. A destination that stays keeps its
    /// attempts on the wire and, when its `rate` did not change, its rate tokens; its slots and
    /// retry schedule are the new ones (attempts already on the wire end under the new schedule).
    /// A removed destination is no longer visited: its stored deliveries wait (`orphaned`) until
    /// it comes back under the same name; its attempts on the wire end under its old schedule.
    public mutating func reconfigure(_ destinations: [DestinationConfig], now: Int64) {
        var next: [String: Lane] = [:]
        for destination in destinations {
            var lane = Lane(destination, now: now)
            // A pause lasts across reloads (SPEC §12), also through a reload that removed the
            // destination and one that brought it back.
            lane.paused = pausedNames.contains(destination.name)
            if let old = lanes[destination.name] {
                lane.inFlight = old.inFlight
                lane.recording = old.recording
                // So does an open breaker whose settings stay.
                lane.paused = old.paused
                if old.breaker.pauseAfter == lane.breaker.pauseAfter && old.breaker.probeEvery == lane.breaker.probeEvery {
                    lane.breaker = old.breaker
                }
                if !old.retired, rates[destination.name] == destination.rate { lane.limiter = old.limiter }
            }
            next[destination.name] = lane
        }
        for (name, var lane) in lanes where next[name] == nil && (lane.inFlight > 0 || lane.recording > 0) {
            lane.retired = true
            next[name] = lane
        }
        lanes = next
        rates = Dictionary(uniqueKeysWithValues: destinations.map { ($0.name, $0.rate) })
        order = destinations.map(\.name)
    }

    // MARK: - Ingest

    /// Takes a slot of `destination` for an event about to be accepted, when one is free now
    /// (in-flight bound and rate): its delivery is then stored claimed and started by
    /// `accepted(_:unused:)` right after the commit, without a claim round trip. Never for a
    /// paused or probing destination: its delivery is stored due, and claimed when it may go.
    public mutating func reserve(_ destination: String, now: Int64) -> Bool {
        guard !stopping, var lane = lanes[destination], !lane.retired, !lane.paused, !lane.breaker.isOpen, lane.inFlight < lane.maxInFlight,
              lane.limiter.available(wanted: 1, now: now) == 1 else { return false }
        lane.inFlight += 1
        lane.limiter.take(1, now: now)
        lanes[destination] = lane
        return true
    }

    /// The accept committed (or did not): `claimed` are the deliveries stored claimed on
    /// reserved slots, started now; `unused` names the destinations whose reserved slot no
    /// delivery took (the URL had the event already, a duplicate, the store refused), given
    /// back with their rate tokens.
    public mutating func accepted(_ claimed: [Ticket], unused: [String]) -> [Action] {
        for destination in unused { giveBack(destination, slots: 1) }
        return claimed.map { .start($0) }
    }

    // MARK: - The clock

    /// What to do now: a visit per destination (in config order) and the hand-back of
    /// stranded deliveries; and when to tick again if nothing else wakes the owner.
    public mutating func tick(now: Int64) -> (actions: [Action], wakeAt: Int64) {
        guard !stopping else { return ([], .max) }
        var actions = order.map { Action.visit(destination: $0) }
        if !stranded.isEmpty {
            actions.append(.handBack(stranded, dueAt: now))
            stranded.removeAll()
        }
        return (actions, now + pollInterval)
    }

    /// Takes `destination`'s free slots and rate tokens for a claim about to be made: how many
    /// (0: none), and when a visit may find some if none now (a rate token back, the next probe;
    /// never while every slot is busy, or paused: an ended attempt, a resume, wakes the owner).
    /// While probing, at most one, when a probe is due.
    public mutating func slotsForClaim(_ destination: String, now: Int64) -> (limit: Int, wakeAt: Int64) {
        guard !stopping, var lane = lanes[destination], !lane.retired, !lane.paused else { return (0, .max) }
        var free = lane.maxInFlight - lane.inFlight
        let probe = lane.breaker.allowance(now: now)
        if let limit = probe.limit {
            guard limit > 0 else { return (0, probe.wakeAt) }
            free = min(free, limit)
        }
        let allowed = lane.limiter.available(wanted: max(0, free), now: now)
        guard allowed > 0 else {
            return (0, free > 0 ? lane.limiter.nextAvailable(now: now) : .max)
        }
        lane.inFlight += allowed
        lane.limiter.take(allowed, now: now)
        lanes[destination] = lane
        return (allowed, .max)
    }

    /// A claim's answer: the deliveries claimed (started now; the slots not used go back) and,
    /// when none was due, when the next one is. Returns the starts and when to tick again.
    /// `startedAt`: when the claim committed (its attempts start then; `now` if not given), from
    /// which a probe's `probe_every` is counted.
    public mutating func claimed(
        _ tickets: [Ticket], destination: String, limit: Int, nextDue: Int64?, now: Int64, startedAt: Int64? = nil
    ) -> (actions: [Action], wakeAt: Int64) {
        giveBack(destination, slots: limit - tickets.count)
        if let probe = tickets.first, lanes[destination]?.breaker.isOpen == true {
            lanes[destination]?.breaker.probeStarted(probe.deliveryID, now: max(now, startedAt ?? now))
        }
        let wakeAt: Int64
        if tickets.isEmpty {
            wakeAt = nextDue.map { $0 > now ? $0 : now + pollInterval } ?? .max
        } else {
            // A full batch means more may be due right away.
            wakeAt = tickets.count == limit ? now : now + pollInterval
        }
        return (tickets.map { .start($0) }, wakeAt)
    }

    // MARK: - Attempts

    /// An attempt left the wire (or never went out): its slot is free now, not after the
    /// outcome's commit — the delivery stays claimed in the store until then, so nothing claims
    /// it twice. Returns the outcome to store, or the hand-back of a cancelled attempt.
    ///
    /// The destination's circuit breaker counts it: a delivered or rejected answer resets it, any
    /// other failure counts toward `pause_after`; a cancelled or unsendable attempt counts for
    /// nothing. When that opens or closes the breaker, `breakerChanges` says so.
    public mutating func attemptEnded(_ ticket: Ticket, _ end: AttemptEnd, now: Int64) -> Action {
        let attempt = ticket.nextAttempt
        let action: Action
        let outcome: CircuitBreaker.Outcome
        switch end {
        case .cancelled:
            action = .handBack([ticket.deliveryID], dueAt: now)
            outcome = .notSent
        case .unsendable:
            action = .record(ticket, attempt: attempt, decision: .dead)
            outcome = .notSent
        case .finished(let result):
            let policy = lanes[ticket.destination]?.policy ?? DeliveryPolicy(retry: [])
            let decision = policy.decide(attempt: attempt, result: result, now: now)
            action = .record(ticket, attempt: attempt, decision: decision)
            outcome = decision == .delivered || decision == .rejected ? .answered : .failed
        }
        if lanes[ticket.destination]?.attemptEnded(ticket.deliveryID, outcome, now: now) == true, let state = lanes[ticket.destination]?.state {
            breakerChanges.append((ticket.destination, state))
        }
        return action
    }

    /// The breaker changes since the last call, oldest first (and forgets them).
    public mutating func takeBreakerChanges() -> [(destination: String, state: DestinationState)] {
        defer { breakerChanges.removeAll() }
        return breakerChanges
    }

    /// The outcome (or hand-back) of an ended attempt committed, or the store refused it: then
    /// the delivery stays claimed, and the next tick hands it back due.
    public mutating func outcomeStored(_ ticket: Ticket, stored: Bool) {
        lanes[ticket.destination]?.recording -= 1
        if !stored { stranded.append(ticket.deliveryID) }
    }

    /// A `handBack` of stranded deliveries the store refused: they wait for the next tick.
    public mutating func handBackFailed(_ deliveryIDs: [Int64]) {
        stranded.append(contentsOf: deliveryIDs)
    }

    // MARK: - Steering (SPEC §12)

    /// An operator paused or resumed `destination` (the write committed): in force now. Paused,
    /// it gets no new attempt (those on the wire end as they will); resumed, a probing
    /// destination probes at once if its next probe is due. The owner wakes its loop after a resume.
    public mutating func setPaused(_ destination: String, _ paused: Bool) {
        lanes[destination]?.paused = paused
        if paused { pausedNames.insert(destination) } else { pausedNames.remove(destination) }
        pauseRevision += 1
    }

    /// The paused set as read from the store (where `hookrelay pause` writes it), read after
    /// `revision` was `pauseRevision`: ignored when a `setPaused` came since, which the read may
    /// not include (the next read will). Returns true when it was applied.
    @discardableResult
    public mutating func pausedFromStore(_ paused: Set<String>, readSince revision: Int) -> Bool {
        guard revision == pauseRevision else { return false }
        pausedNames = paused
        for name in order { lanes[name]?.paused = paused.contains(name) }
        return true
    }

    /// `destination`'s state; nil when it is not configured.
    public func state(of destination: String) -> DestinationState? {
        lanes[destination]?.state
    }

    /// Every destination's state, by name.
    public var states: [String: DestinationState] {
        lanes.mapValues(\.state)
    }

    // MARK: - Stop

    /// No more claims or reservations; attempts in flight end as they will.
    public mutating func stop() {
        stopping = true
    }

    /// Nothing on the wire and no outcome waiting for its commit.
    public var isSettled: Bool {
        lanes.values.allSatisfy { $0.inFlight == 0 && $0.recording == 0 }
    }

    /// Attempts on the wire, all destinations together.
    public var inFlight: Int { lanes.values.reduce(0) { $0 + $1.inFlight } }

    /// Deliveries waiting to be handed back.
    public var strandedCount: Int { stranded.count }

    private mutating func giveBack(_ destination: String, slots: Int) {
        guard slots > 0 else { return }
        lanes[destination]?.inFlight -= slots
        lanes[destination]?.limiter.refund(slots)
    }
}
