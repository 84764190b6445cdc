import HookrelayCore
import Testing

/// The delivery lanes driven by plain values and a clock the test moves: no sockets, no waiting.
@Suite("Delivery lanes")
struct DeliveryLanesTests {
    static let failure = AttemptResult(status: 500)
    static let success = AttemptResult(status: 200)
    static let start: Int64 = 1_700_000_000_000

    static func destination(_ name: String, maxInFlight: Int = 16, rate: String? = nil, retry: [Duration] = RetrySchedule.mailgun) -> DestinationConfig {
        DestinationConfig(name: name, url: "http://127.0.0.1:9/\(name)", retry: retry, maxInFlight: maxInFlight, rate: rate.flatMap { Rate(parsing: $0) })
    }

    static func ticket(_ id: Int64, _ destination: String = "crm", made: Int = 0) -> DeliveryLanes.Ticket {
        DeliveryLanes.Ticket(deliveryID: id, destination: destination, attemptsMade: made)
    }

    // Guards SPEC §6 the retry schedule and dead after the last retry (script/mutate retry-schedule, dead-after-last-retry).
    @Test("Mailgun's full schedule: 8 attempts, the last 8h05m after the first, then dead")
    func fullMailgunSchedule() {
        var lanes = DeliveryLanes(destinations: [Self.destination("crm")], now: Self.start)
        var now = Self.start
        var ticket = Self.ticket(1)
        var attemptTimes: [Int64] = []
        var decisions: [DeliveryDecision] = []
        while true {
            // Due: a tick claims it, the claim starts it, it fails.
            let tick = lanes.tick(now: now)
            #expect(tick.actions == [.visit(destination: "crm")])
            let slots = lanes.slotsForClaim("crm", now: now)
            #expect(slots.limit == 16)
            let claimed = lanes.claimed([ticket], destination: "crm", limit: 16, nextDue: now, now: now)
            #expect(claimed.actions == [.start(ticket)])
            attemptTimes.append(now)
            #expect(ticket.nextAttempt == attemptTimes.count, "attempts are numbered from 1")
            guard case .record(_, let attempt, let decision) = lanes.attemptEnded(ticket, .finished(Self.failure), now: now) else {
                Issue.record("an ended attempt is recorded")
                return
            }
            lanes.outcomeStored(ticket, stored: true)
            #expect(attempt == attemptTimes.count)
            decisions.append(decision)
            guard case .retry(let at) = decision else { break }
            now = at
            ticket.attemptsMade = attempt
        }
        #expect(attemptTimes.count == 8)
        let gaps = zip(attemptTimes.dropFirst(), attemptTimes).map { ($0 - $1) / 60_000 }
        #expect(gaps == [10, 10, 15, 30, 60, 120, 240], "minutes between attempts")
        #expect(attemptTimes.last! - Self.start == (8 * 60 + 5) * 60_000, "8h05m after the first attempt")
        #expect(decisions.last == .dead)
        #expect(lanes.isSettled)
    }

    @Test("200 delivered, 406 rejected at once, a cancelled attempt handed back due now, an unsendable body dead")
    func outcomes() {
        var lanes = DeliveryLanes(destinations: [Self.destination("crm")], now: Self.start)
        let answer1 = lanes.attemptEnded(Self.ticket(1, made: 1), .finished(Self.success), now: 5)
        #expect(answer1 == .record(Self.ticket(1, made: 1), attempt: 2, decision: .delivered))
        let rejected = lanes.attemptEnded(Self.ticket(2), .finished(AttemptResult(status: 406)), now: 5)
        #expect(rejected == .record(Self.ticket(2), attempt: 1, decision: .rejected))
        let answer2 = lanes.attemptEnded(Self.ticket(3), .cancelled, now: 7)
        #expect(answer2 == .handBack([3], dueAt: 7))
        let answer3 = lanes.attemptEnded(Self.ticket(4), .unsendable, now: 7)
        #expect(answer3 == .record(Self.ticket(4), attempt: 1, decision: .dead))
    }

    @Test("a claim takes no more than the free slots, just before it is made; an ended attempt frees its slot before its outcome commits")
    func slots() {
        var lanes = DeliveryLanes(destinations: [Self.destination("crm", maxInFlight: 2), Self.destination("app", maxInFlight: 3)], now: Self.start)
        let answer4 = lanes.reserve("crm", now: Self.start)
        #expect(answer4)
        let first = lanes.tick(now: Self.start)
        #expect(first.actions == [.visit(destination: "crm"), .visit(destination: "app")])
        // Slots are taken per destination when it is claimed: until then ingest may reserve them.
        let crmSlots = lanes.slotsForClaim("crm", now: Self.start)
        #expect(crmSlots.limit == 1)
        let appSlots = lanes.slotsForClaim("app", now: Self.start)
        #expect(appSlots.limit == 3)
        // The claim found one due delivery of crm and none of app (next due in 5 s).
        let crm = lanes.claimed([Self.ticket(7)], destination: "crm", limit: 1, nextDue: Self.start, now: Self.start)
        #expect(crm.actions == [.start(Self.ticket(7))])
        #expect(crm.wakeAt == Self.start, "a full batch: more may be due")
        let app = lanes.claimed([], destination: "app", limit: 3, nextDue: Self.start + 5000, now: Self.start)
        #expect(app.actions.isEmpty)
        #expect(app.wakeAt == Self.start + 5000)
        #expect(lanes.inFlight == 2)
        // crm is full: a visit takes nothing and does not ask to wake for it; app has its 3 again.
        let answer5 = lanes.slotsForClaim("crm", now: Self.start + 1)
        #expect(answer5.limit == 0)
        #expect(answer5.wakeAt == .max)
        let appAgain = lanes.slotsForClaim("app", now: Self.start + 1)
        #expect(appAgain.limit == 3)
        _ = lanes.claimed([], destination: "app", limit: 3, nextDue: nil, now: Self.start + 1)
        _ = lanes.attemptEnded(Self.ticket(7), .finished(Self.success), now: Self.start + 2)
        #expect(!lanes.isSettled, "its outcome is not committed yet")
        let answer6 = lanes.slotsForClaim("crm", now: Self.start + 3)
        #expect(answer6.limit == 1, "the slot is free before the commit")
    }

    @Test("rate 1/s: one reservation or claim per second, and the tick wakes when the next token is back")
    func rate() {
        var lanes = DeliveryLanes(destinations: [Self.destination("slack", rate: "1/s")], now: Self.start)
        let answer7 = lanes.reserve("slack", now: Self.start)
        #expect(answer7)
        let answer8 = lanes.reserve("slack", now: Self.start + 10)
        #expect(!answer8)
        let visit = lanes.slotsForClaim("slack", now: Self.start + 500)
        #expect(visit.limit == 0)
        #expect(visit.wakeAt == Self.start + 1000)
        // The reserved slot went unused (the URL had the event): its token comes back.
        let answer9 = lanes.accepted([], unused: ["slack"])
        #expect(answer9.isEmpty)
        let answer10 = lanes.reserve("slack", now: Self.start + 600)
        #expect(answer10)
    }

    @Test("a refused outcome strands its delivery; the next tick hands it back due, and again if that is refused")
    func stranded() {
        var lanes = DeliveryLanes(destinations: [Self.destination("crm")], now: Self.start)
        let reserved = lanes.reserve("crm", now: Self.start)
        #expect(reserved)
        _ = lanes.accepted([Self.ticket(9)], unused: [])
        _ = lanes.attemptEnded(Self.ticket(9), .finished(Self.failure), now: Self.start)
        lanes.outcomeStored(Self.ticket(9), stored: false)
        #expect(lanes.isSettled)
        let answer11 = lanes.tick(now: Self.start + 1)
        #expect(answer11.actions.contains(.handBack([9], dueAt: Self.start + 1)))
        let answer12 = lanes.tick(now: Self.start + 2)
        #expect(!answer12.actions.contains { if case .handBack = $0 { true } else { false } })
        lanes.handBackFailed([9])
        let answer13 = lanes.tick(now: Self.start + 3)
        #expect(answer13.actions.contains(.handBack([9], dueAt: Self.start + 3)))
    }

    @Test("a reload: a kept destination keeps its attempts on the wire and takes the new slots; a removed one is not visited or reserved, and its attempt on the wire ends under its old schedule")
    func reconfigure() {
        var lanes = DeliveryLanes(destinations: [Self.destination("crm", maxInFlight: 2), Self.destination("old", retry: [.seconds(60)])], now: Self.start)
        let crmTaken = lanes.reserve("crm", now: Self.start)
        #expect(crmTaken)
        let oldTaken = lanes.reserve("old", now: Self.start)
        #expect(oldTaken)
        lanes.reconfigure([Self.destination("crm", maxInFlight: 3), Self.destination("new")], now: Self.start)
        #expect(lanes.order == ["crm", "new"])
        let visits = lanes.tick(now: Self.start).actions
        #expect(visits == [.visit(destination: "crm"), .visit(destination: "new")])
        #expect(lanes.inFlight == 2, "attempts on the wire are still counted")
        let crmSlots = lanes.slotsForClaim("crm", now: Self.start).limit
        #expect(crmSlots == 2, "3 slots now, 1 on the wire")
        let oldTakesMore = lanes.reserve("old", now: Self.start)
        #expect(!oldTakesMore, "a removed destination takes no new event")
        let oldSlots = lanes.slotsForClaim("old", now: Self.start).limit
        #expect(oldSlots == 0)
        let newTaken = lanes.reserve("new", now: Self.start)
        #expect(newTaken)
        // The removed destination's attempt ends: retried under its old schedule (60s), not dead.
        let ended = lanes.attemptEnded(Self.ticket(7, "old"), .finished(Self.failure), now: Self.start)
        #expect(ended == .record(Self.ticket(7, "old"), attempt: 1, decision: .retry(at: Self.start + 60_000)))
        lanes.outcomeStored(Self.ticket(7, "old"), stored: true)
        // Back under the same name: visited again.
        lanes.reconfigure([Self.destination("crm"), Self.destination("old")], now: Self.start)
        let visitsAgain = lanes.tick(now: Self.start).actions
        #expect(visitsAgain == [.visit(destination: "crm"), .visit(destination: "old")])
    }

    @Test("a reload keeps a destination's rate tokens when its rate did not change, and starts a new bucket when it did")
    func reconfigureRate() {
        var lanes = DeliveryLanes(destinations: [Self.destination("slack", rate: "1/s")], now: Self.start)
        let first = lanes.reserve("slack", now: Self.start)
        #expect(first)
        _ = lanes.attemptEnded(Self.ticket(1, "slack"), .finished(Self.success), now: Self.start)
        lanes.outcomeStored(Self.ticket(1, "slack"), stored: true)
        lanes.reconfigure([Self.destination("slack", rate: "1/s")], now: Self.start)
        let sameRate = lanes.reserve("slack", now: Self.start)
        #expect(!sameRate, "the same rate: the token taken stays taken (no second burst)")
        lanes.reconfigure([Self.destination("slack", rate: "5/s")], now: Self.start)
        let newRate = lanes.reserve("slack", now: Self.start)
        #expect(newRate, "a new rate: a new bucket")
    }

    @Test("after stop: no reservation, no claim; settled once the last outcome is stored")
    func stop() {
        var lanes = DeliveryLanes(destinations: [Self.destination("crm")], now: Self.start)
        let answer14 = lanes.reserve("crm", now: Self.start)
        #expect(answer14)
        _ = lanes.accepted([Self.ticket(1)], unused: [])
        lanes.stop()
        let answer15 = lanes.reserve("crm", now: Self.start)
        #expect(!answer15)
        let answer16 = lanes.tick(now: Self.start)
        #expect(answer16.actions.isEmpty)
        let afterStop = lanes.slotsForClaim("crm", now: Self.start)
        #expect(afterStop.limit == 0)
        #expect(!lanes.isSettled)
        _ = lanes.attemptEnded(Self.ticket(1), .cancelled, now: Self.start)
        #expect(!lanes.isSettled)
        lanes.outcomeStored(Self.ticket(1), stored: true)
        #expect(lanes.isSettled)
    }

    @Test("a stored row resumes where it was: attempts carried over")
    func resumesFromStoredAttempts() {
        var lanes = DeliveryLanes(destinations: [Self.destination("crm", retry: [.seconds(1), .seconds(1)])], now: 0)
        let answer17 = lanes.attemptEnded(Self.ticket(1, made: 2), .finished(Self.failure), now: 0)
        #expect(answer17 == .record(Self.ticket(1, made: 2), attempt: 3, decision: .dead))
    }
}

@Suite("Delivery policy")
struct DeliveryPolicyTests {
    let policy = DeliveryPolicy(retry: [.seconds(10)])

    @Test("2xx delivered, 406 rejected, others and transport errors retried")
    func classification() {
        #expect(policy.decide(attempt: 1, result: AttemptResult(status: 200), now: 0) == .delivered)
        #expect(policy.decide(attempt: 1, result: AttemptResult(status: 204), now: 0) == .delivered)
        #expect(policy.decide(attempt: 1, result: AttemptResult(status: 406), now: 0) == .rejected)
        for status in [301, 400, 404, 429, 500, 502, 503] {
            #expect(policy.decide(attempt: 1, result: AttemptResult(status: status), now: 0) == .retry(at: 10_000), "status \(status)")
        }
        let timeout = AttemptResult(status: nil, transportError: TransportError(.timeout, "timed out"))
        #expect(policy.decide(attempt: 1, result: timeout, now: 0) == .retry(at: 10_000))
        #expect(timeout.errorKind == "timeout")
        #expect(policy.decide(attempt: 2, result: timeout, now: 0) == .dead)
    }

    @Test("success = [200] makes other 2xx a failure")
    func onlyTwoHundred() {
        let strict = DeliveryPolicy(retry: [.seconds(1)], success: [200])
        #expect(strict.decide(attempt: 1, result: AttemptResult(status: 200), now: 0) == .delivered)
        #expect(strict.decide(attempt: 1, result: AttemptResult(status: 202), now: 0) == .retry(at: 1000))
    }

    @Test("429/503 Retry-After waits at least that long, never less than the schedule")
    func retryAfter() {
        let longer = AttemptResult(status: 503, retryAfter: .seconds(60))
        #expect(policy.decide(attempt: 1, result: longer, now: 0) == .retry(at: 60_000))
        let shorter = AttemptResult(status: 429, retryAfter: .seconds(1))
        #expect(policy.decide(attempt: 1, result: shorter, now: 0) == .retry(at: 10_000))
        let ignored = AttemptResult(status: 500, retryAfter: .seconds(60))
        #expect(policy.decide(attempt: 1, result: ignored, now: 0) == .retry(at: 10_000), "only 429 and 503 carry Retry-After")
        #expect(RetryAfter.parse("120") == .seconds(120))
        #expect(RetryAfter.parse(" 5 ") == .seconds(5))
        #expect(RetryAfter.parse("Wed, 21 Oct 2015 07:28:00 GMT") == nil)
        #expect(RetryAfter.parse("-3") == nil)
        #expect(RetryAfter.parse("99999999999") == .seconds(86_400), "capped at a day")
    }

    @Test("an empty schedule means one attempt")
    func noRetries() {
        let once = DeliveryPolicy(retry: [])
        #expect(once.maxAttempts == 1)
        #expect(once.decide(attempt: 1, result: AttemptResult(status: 500), now: 0) == .dead)
    }
}

@Suite("Rate limiter")
struct RateLimiterTests {
    @Test("1/s lets one attempt start per second")
    func onePerSecond() {
        var limiter = RateLimiter(rate: Rate(count: 1, per: .seconds(1)), now: 0)
        #expect(limiter.available(wanted: 5, now: 0) == 1)
        limiter.take(1, now: 0)
        #expect(limiter.available(wanted: 5, now: 500) == 0)
        #expect(limiter.nextAvailable(now: 500) == 1000)
        #expect(limiter.available(wanted: 5, now: 1000) == 1)
    }

    @Test("no rate: everything wanted; a burst never exceeds the count")
    func burst() {
        var open = RateLimiter(rate: nil, now: 0)
        #expect(open.available(wanted: 100, now: 0) == 100)
        var tenPerMinute = RateLimiter(rate: Rate(parsing: "10/m"), now: 0)
        #expect(tenPerMinute.available(wanted: 100, now: 3_600_000) == 10)
    }

    @Test("the largest rate the config takes; a count past it is refused")
    func largestRate() throws {
        var fastest = RateLimiter(rate: try #require(Rate(parsing: "1000000000/s")), now: 0)
        #expect(fastest.available(wanted: Int.max, now: 0) == 1_000_000_000)
        #expect(fastest.nextAvailable(now: 0) == 0)
        #expect(Rate(parsing: "1000000001/s") == nil)
        #expect(Rate(parsing: "9223372036854775807/s") == nil)
    }

    @Test("a `now` read a little before another caller's does not move the bucket back (no time credited twice)")
    func slightlyOlderNow() throws {
        var limiter = RateLimiter(rate: try #require(Rate(parsing: "1/s")), now: 0)
        limiter.take(1, now: 0)
        #expect(limiter.available(wanted: 1, now: 900) == 0)  // 0.9 of a token
        #expect(limiter.available(wanted: 1, now: 500) == 0)  // an earlier reading: ignored
        #expect(limiter.available(wanted: 1, now: 950) == 0, "0.95 of a token, not 0.9 + 0.45")
        #expect(limiter.available(wanted: 1, now: 1000) == 1)
    }

    @Test("a wall clock stepped back an hour: tokens come back at the rate from the new time, not an hour later")
    func clockSteppedBack() throws {
        var limiter = RateLimiter(rate: try #require(Rate(parsing: "1/s")), now: 10_000_000)
        limiter.take(1, now: 10_000_000)
        #expect(limiter.available(wanted: 1, now: 6_400_000) == 0)
        #expect(limiter.available(wanted: 1, now: 6_401_000) == 1)
    }
}
