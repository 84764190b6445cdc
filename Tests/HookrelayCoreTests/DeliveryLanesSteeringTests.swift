import HookrelayCore
import Testing

/// Pause and the circuit breaker in the lanes (SPEC §12), with plain values and a clock the test moves.
@Suite("Delivery lanes: pause and circuit breaker")
struct DeliveryLanesSteeringTests {
    static let start = DeliveryLanesTests.start
    static let failure = DeliveryLanesTests.failure
    static let success = DeliveryLanesTests.success

    static func destination(_ name: String = "crm", maxInFlight: Int = 16, pauseAfter: Int = 3, probeEvery: Duration = .seconds(30)) -> DestinationConfig {
        DestinationConfig(name: name, url: "http://127.0.0.1:9/\(name)", maxInFlight: maxInFlight, pauseAfter: pauseAfter, probeEvery: probeEvery)
    }

    static func ticket(_ id: Int64, made: Int = 0) -> DeliveryLanes.Ticket {
        DeliveryLanes.Ticket(deliveryID: id, destination: "crm", attemptsMade: made)
    }

    /// Claims `ids` (as many as the lanes allow), and returns the tickets started.
    static func claim(_ lanes: inout DeliveryLanes, _ ids: [Int64], now: Int64) -> [DeliveryLanes.Ticket] {
        let slots = lanes.slotsForClaim("crm", now: now)
        let tickets = ids.prefix(slots.limit).map { ticket($0) }
        let claimed = lanes.claimed(Array(tickets), destination: "crm", limit: slots.limit, nextDue: now, now: now)
        return claimed.actions.compactMap { if case .start(let ticket) = $0 { ticket } else { nil } }
    }

    /// Ends `ticket`'s attempt with `result` and stores its outcome; returns the decision.
    @discardableResult
    static func end(_ lanes: inout DeliveryLanes, _ ticket: DeliveryLanes.Ticket, _ result: AttemptResult, now: Int64) -> DeliveryDecision? {
        let action = lanes.attemptEnded(ticket, .finished(result), now: now)
        lanes.outcomeStored(ticket, stored: true)
        if case .record(_, _, let decision) = action { return decision }
        return nil
    }

    // Guards SPEC §12 the circuit breaker: pause_after failures → probing, one probe per probe_every.
    @Test("pause_after failed attempts in a row open the breaker: then one probe per probe_every, the others stay due")
    func breakerOpensAndProbes() {
        var lanes = DeliveryLanes(destinations: [Self.destination(pauseAfter: 3)], now: Self.start)
        var now = Self.start
        let first = Self.claim(&lanes, [1, 2, 3, 4, 5], now: now)
        #expect(first.count == 5)
        for ticket in first.prefix(2) { Self.end(&lanes, ticket, Self.failure, now: now) }
        #expect(lanes.state(of: "crm") == .active, "two failures: not yet")
        let decision = Self.end(&lanes, first[2], Self.failure, now: now)
        #expect(decision == .retry(at: now + 600_000), "the failure itself is retried on its schedule, as ever")
        #expect(lanes.state(of: "crm") == .probing)
        #expect(lanes.states == ["crm": .probing])
        let changes = lanes.takeBreakerChanges()
        #expect(changes.map(\.destination) == ["crm"] && changes.map(\.state) == [.probing], "one change to log")
        // Attempts already on the wire end as they will; a failure among them changes nothing.
        Self.end(&lanes, first[3], Self.failure, now: now)
        #expect(lanes.state(of: "crm") == .probing)

        // No reservation for a new event, no claim before probe_every has passed.
        let reserved = lanes.reserve("crm", now: now)
        #expect(!reserved)
        let early = lanes.slotsForClaim("crm", now: now + 29_999)
        #expect(early.limit == 0)
        #expect(early.wakeAt == now + 30_000, "wakes for the probe")

        // The probe: exactly one delivery, then nothing until the next interval.
        now += 30_000
        let probe = Self.claim(&lanes, [6, 7, 8], now: now)
        #expect(probe.map(\.deliveryID) == [6])
        let whileProbing = lanes.slotsForClaim("crm", now: now + 40_000)
        #expect(whileProbing.limit == 0, "one probe on the wire at a time")
        #expect(whileProbing.wakeAt == .max, "its end wakes the owner")
        Self.end(&lanes, probe[0], Self.failure, now: now + 1000)
        #expect(lanes.state(of: "crm") == .probing)
        let next = lanes.slotsForClaim("crm", now: now + 1000)
        #expect(next.limit == 0)
        #expect(next.wakeAt == now + 30_000, "the next probe probe_every after this one started")
        Self.end(&lanes, first[4], Self.failure, now: now + 1000)
        #expect(lanes.isSettled)
    }

    // Guards SPEC §12: a probe that succeeds makes the destination active; the backlog drains with all slots.
    @Test("a probe that succeeds closes the breaker: all slots again, reservations again")
    func probeSucceeds() {
        var lanes = DeliveryLanes(destinations: [Self.destination(maxInFlight: 4, pauseAfter: 1, probeEvery: .milliseconds(200))], now: Self.start)
        let first = Self.claim(&lanes, [1], now: Self.start)
        Self.end(&lanes, first[0], Self.failure, now: Self.start)
        #expect(lanes.state(of: "crm") == .probing)
        let probe = Self.claim(&lanes, [2, 3], now: Self.start + 200)
        #expect(probe.count == 1)
        let decision = Self.end(&lanes, probe[0], Self.success, now: Self.start + 250)
        #expect(decision == .delivered)
        #expect(lanes.state(of: "crm") == .active)
        #expect(lanes.takeBreakerChanges().map(\.state) == [.probing, .active])
        let drain = lanes.slotsForClaim("crm", now: Self.start + 250)
        #expect(drain.limit == 4, "the backlog drains within max_in_flight and rate again")
        _ = lanes.claimed([], destination: "crm", limit: drain.limit, nextDue: nil, now: Self.start + 250)
        let reservedAgain = lanes.reserve("crm", now: Self.start + 250)
        #expect(reservedAgain)
    }

    @Test("probe_every counts from when the probe's claim committed, not from the tick that began it")
    func probeIntervalFromItsStart() {
        var lanes = DeliveryLanes(destinations: [Self.destination(pauseAfter: 1, probeEvery: .milliseconds(400))], now: Self.start)
        let first = Self.claim(&lanes, [1], now: Self.start)
        Self.end(&lanes, first[0], Self.failure, now: Self.start)
        let tick = Self.start + 400
        let slots = lanes.slotsForClaim("crm", now: tick)
        #expect(slots.limit == 1)
        // The claim took 150 ms to commit (a busy store): the probe goes out then.
        _ = lanes.claimed([Self.ticket(2)], destination: "crm", limit: 1, nextDue: tick, now: tick, startedAt: tick + 150)
        Self.end(&lanes, Self.ticket(2), Self.failure, now: tick + 160)
        let next = lanes.slotsForClaim("crm", now: tick + 400)
        #expect(next.limit == 0)
        #expect(next.wakeAt == tick + 150 + 400)
    }

    @Test("406 is not a failure: it breaks the run, and a probe answered 406 closes the breaker")
    func rejectedIsNotAFailure() {
        var lanes = DeliveryLanes(destinations: [Self.destination(pauseAfter: 2)], now: Self.start)
        let tickets = Self.claim(&lanes, [1, 2, 3, 4], now: Self.start)
        Self.end(&lanes, tickets[0], Self.failure, now: Self.start)
        Self.end(&lanes, tickets[1], AttemptResult(status: 406), now: Self.start)
        Self.end(&lanes, tickets[2], Self.failure, now: Self.start)
        #expect(lanes.state(of: "crm") == .active, "failure, 406, failure: never two in a row")
        Self.end(&lanes, tickets[3], Self.failure, now: Self.start)
        #expect(lanes.state(of: "crm") == .probing)
        let probe = Self.claim(&lanes, [5], now: Self.start + 30_000)
        Self.end(&lanes, probe[0], AttemptResult(status: 406), now: Self.start + 30_000)
        #expect(lanes.state(of: "crm") == .active)
    }

    @Test("pause_after = 0: never probing; a cancelled or unsendable attempt counts for nothing")
    func neverAndNotSent() {
        var never = DeliveryLanes(destinations: [Self.destination(pauseAfter: 0)], now: Self.start)
        let tickets = Self.claim(&never, Array(1...10), now: Self.start)
        for ticket in tickets { Self.end(&never, ticket, Self.failure, now: Self.start) }
        #expect(never.state(of: "crm") == .active)

        var lanes = DeliveryLanes(destinations: [Self.destination(pauseAfter: 2)], now: Self.start)
        let more = Self.claim(&lanes, [1, 2, 3], now: Self.start)
        Self.end(&lanes, more[0], Self.failure, now: Self.start)
        _ = lanes.attemptEnded(more[1], .cancelled, now: Self.start)
        _ = lanes.attemptEnded(more[2], .unsendable, now: Self.start)
        #expect(lanes.state(of: "crm") == .active)
    }

    @Test("the probe's delivery counts its attempt; one whose attempts ran out is dead, the others keep theirs")
    func probeCountsForItsDelivery() {
        let config = DestinationConfig(name: "crm", url: "http://127.0.0.1:9/crm", retry: [.seconds(1)], pauseAfter: 1, probeEvery: .seconds(30))
        var lanes = DeliveryLanes(destinations: [config], now: Self.start)
        let first = Self.claim(&lanes, [1], now: Self.start)
        Self.end(&lanes, first[0], Self.failure, now: Self.start)
        let slots = lanes.slotsForClaim("crm", now: Self.start + 30_000)
        #expect(slots.limit == 1)
        // The store hands over its earliest due delivery: 7, on its second and last attempt.
        let probe = lanes.claimed([Self.ticket(7, made: 1)], destination: "crm", limit: 1, nextDue: Self.start, now: Self.start + 30_000)
        #expect(probe.actions == [.start(Self.ticket(7, made: 1))])
        let ended = lanes.attemptEnded(Self.ticket(7, made: 1), .finished(Self.failure), now: Self.start + 30_100)
        #expect(ended == .record(Self.ticket(7, made: 1), attempt: 2, decision: .dead))
    }

    // Guards SPEC §12 pause: no reservation, no claim, no probe while paused; resume gives them back.
    @Test("paused: no reservation, no claim, no probe; resumed: all again, and a due probe goes at once")
    func pauseOverridesEverything() {
        var lanes = DeliveryLanes(destinations: [Self.destination(pauseAfter: 1), Self.destination("app")], now: Self.start)
        lanes.setPaused("crm", true)
        #expect(lanes.state(of: "crm") == .paused)
        #expect(lanes.state(of: "app") == .active)
        let crmReserved = lanes.reserve("crm", now: Self.start)
        #expect(!crmReserved)
        let appReserved = lanes.reserve("app", now: Self.start)
        #expect(appReserved)
        let paused = lanes.slotsForClaim("crm", now: Self.start)
        #expect(paused.limit == 0)
        #expect(paused.wakeAt == .max, "a resume wakes the owner")
        lanes.setPaused("crm", false)
        let first = Self.claim(&lanes, [1], now: Self.start)
        Self.end(&lanes, first[0], Self.failure, now: Self.start)
        #expect(lanes.state(of: "crm") == .probing)
        lanes.setPaused("crm", true)
        #expect(lanes.state(of: "crm") == .paused, "a pause overrides probing")
        let whilePaused = lanes.slotsForClaim("crm", now: Self.start + 60_000)
        #expect(whilePaused.limit == 0, "no probe while paused")
        lanes.setPaused("crm", false)
        #expect(lanes.state(of: "crm") == .probing, "resumed: the breaker is as it was")
        let resumed = lanes.slotsForClaim("crm", now: Self.start + 60_000)
        #expect(resumed.limit == 1, "its probe was due: at once")
    }

    @Test("the store's paused set applies, unless a pause or resume came after the read began")
    func pausedFromStore() {
        var lanes = DeliveryLanes(destinations: [Self.destination(), Self.destination("app")], now: Self.start)
        let revision = lanes.pauseRevision
        let applied = lanes.pausedFromStore(["crm", "gone"], readSince: revision)
        #expect(applied)
        #expect(lanes.states == ["crm": .paused, "app": .active])
        // A read begins, the admin API resumes crm, the read (without that resume) comes back.
        let staleRevision = lanes.pauseRevision
        lanes.setPaused("crm", false)
        let stale = lanes.pausedFromStore(["crm"], readSince: staleRevision)
        #expect(!stale)
        #expect(lanes.state(of: "crm") == .active)
        let current = lanes.pauseRevision
        let fresh = lanes.pausedFromStore([], readSince: current)
        #expect(fresh)
        #expect(lanes.state(of: "crm") == .active)
    }

    @Test("a pause lasts across reloads: through one that removes the destination and one that brings it back, and for a destination paused in the store before a reload adds it")
    func pauseAcrossReloads() {
        var lanes = DeliveryLanes(destinations: [Self.destination("crm"), Self.destination("app")], now: Self.start)
        lanes.setPaused("crm", true)
        lanes.reconfigure([Self.destination("app")], now: Self.start)
        lanes.reconfigure([Self.destination("crm"), Self.destination("app")], now: Self.start)
        #expect(lanes.state(of: "crm") == .paused)
        let crmTaken = lanes.reserve("crm", now: Self.start)
        #expect(!crmTaken)
        // `hookrelay pause --destination new` before the reload that adds it: the store's set says so.
        let applied = lanes.pausedFromStore(["crm", "new"], readSince: lanes.pauseRevision)
        #expect(applied)
        lanes.reconfigure([Self.destination("crm"), Self.destination("app"), Self.destination("new")], now: Self.start)
        #expect(lanes.state(of: "new") == .paused)
        #expect(lanes.state(of: "app") == .active)
    }
}
