import HookrelayCore
import Testing

@Suite("RepeatedFailure")
struct RepeatedFailureTests {
    @Test("the first failure is logged, then one per interval with the count suppressed; a success ends the run")
    func throttlesLines() {
        var failure = RepeatedFailure(logInterval: 5_000, firstBackoff: 100, maxBackoff: 2_000)
        var logged: [(at: Int64, suppressed: Int)] = []
        // 1,451 failures a second for 12 s, as the issue measured.
        for tick in 0..<(12 * 1_451) {
            let now = Int64(tick) * 1_000 / 1_451
            let decision = failure.failed(now: now)
            if decision.log { logged.append((now, decision.suppressed)) }
        }
        #expect(logged.count == 3, "at 0, 5 s and 10 s")
        #expect(logged.first?.suppressed == 0)
        #expect(logged.dropFirst().allSatisfy { $0.suppressed > 7_000 })
        #expect(failure.succeeded() == 12 * 1_451)
        #expect(failure.failed(now: 20_000) == .init(log: true, suppressed: 0), "a new run logs its first failure")
    }

    @Test("the wait before the next try doubles up to the maximum and resets on success")
    func backsOff() {
        var failure = RepeatedFailure(logInterval: 5_000, firstBackoff: 100, maxBackoff: 1_000)
        #expect(failure.retryAt == .min)
        var waits: [Int64] = []
        for _ in 0..<6 {
            _ = failure.failed(now: 0)
            waits.append(failure.retryAt)
        }
        #expect(waits == [100, 200, 400, 800, 1_000, 1_000])
        _ = failure.succeeded()
        #expect(failure.retryAt == .min)
        _ = failure.failed(now: 50)
        #expect(failure.retryAt == 150)
    }
}
