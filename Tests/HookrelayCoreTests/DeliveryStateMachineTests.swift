import HookrelayCore
import Testing

/// The retry state machine driven by a test clock: no sockets, no waiting.
@Suite("Delivery state machine")
struct DeliveryStateMachineTests {
    /// A clock the test moves by hand (Unix ms).
    struct TestClock {
        var now: Int64 = 1_700_000_000_000
        mutating func advance(to instant: Int64) { now = max(now, instant) }
    }

    static let failure = AttemptResult(status: 500)
    static let success = AttemptResult(status: 200)

    // Guards SPEC §6 the retry schedule and dead after the last retry (script/mutate retry-schedule, dead-after-last-retry).
    @Test("Mailgun's full schedule: 8 attempts, the last 8h05m after the first, then dead")
    func fullMailgunSchedule() {
        var clock = TestClock()
        let start = clock.now
        var machine = DeliveryStateMachine(policy: DeliveryPolicy(retry: RetrySchedule.mailgun), dueAt: start)
        var attemptTimes: [Int64] = []
        var decisions: [DeliveryDecision] = []
        run: while true {
            switch machine.start(now: clock.now) {
            case .send(let attempt):
                #expect(attempt == attemptTimes.count + 1, "attempts are numbered from 1")
                attemptTimes.append(clock.now)
                decisions.append(machine.finish(Self.failure, now: clock.now))
            case .wait(let until):
                clock.advance(to: until)
            case .none:
                break run
            }
        }
        #expect(attemptTimes.count == 8)
        let gaps = zip(attemptTimes.dropFirst(), attemptTimes).map { ($0 - $1) / 60_000 }
        #expect(gaps == [10, 10, 15, 30, 60, 120, 240], "minutes between attempts")
        #expect(attemptTimes.last! - start == (8 * 60 + 5) * 60_000, "8h05m after the first attempt")
        #expect(decisions.last == .dead)
        #expect(machine.state == .dead)
        #expect(decisions.dropLast().allSatisfy { if case .retry = $0 { true } else { false } })
    }

    @Test("a success on the 2nd attempt ends it, delivered")
    func deliveredOnSecondAttempt() {
        var clock = TestClock()
        var machine = DeliveryStateMachine(policy: DeliveryPolicy(retry: RetrySchedule.mailgun), dueAt: clock.now)
        #expect(machine.start(now: clock.now) == .send(attempt: 1))
        guard case .retry(let at) = machine.finish(Self.failure, now: clock.now) else {
            Issue.record("expected a retry")
            return
        }
        #expect(at - clock.now == 600_000)
        #expect(machine.start(now: clock.now + 1) == .wait(until: at), "not due before its time")
        clock.advance(to: at)
        #expect(machine.start(now: clock.now) == .send(attempt: 2))
        #expect(machine.finish(Self.success, now: clock.now) == .delivered)
        #expect(machine.start(now: clock.now) == .none)
    }

    @Test("406 is rejected at once, never retried")
    func rejected() {
        var machine = DeliveryStateMachine(policy: DeliveryPolicy(retry: RetrySchedule.mailgun), dueAt: 0)
        _ = machine.start(now: 0)
        #expect(machine.finish(AttemptResult(status: 406), now: 0) == .rejected)
        #expect(machine.start(now: .max) == .none)
    }

    @Test("a stored row resumes where it was: attempts carried over")
    func resumesFromStoredAttempts() {
        var machine = DeliveryStateMachine(policy: DeliveryPolicy(retry: ["1s", "1s"].map { .seconds(Int($0.dropLast())!) }), attempts: 2, dueAt: 0)
        #expect(machine.start(now: 0) == .send(attempt: 3))
        #expect(machine.finish(Self.failure, now: 0) == .dead)
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
