/// A token bucket for one destination's `rate` (e.g. `"1/s"` for Slack): how many attempts
/// may start now. Time is passed in, so it is tested without waiting.
public struct RateLimiter: Sendable {
    public let rate: Rate?
    private var tokens: Double
    private var lastRefill: Int64

    public init(rate: Rate?, now: Int64) {
        self.rate = rate
        tokens = Double(rate?.count ?? 0)
        lastRefill = now
    }

    /// Attempts that may start at `now` (Unix ms), at most `wanted`.
    public mutating func available(wanted: Int, now: Int64) -> Int {
        guard let rate else { return wanted }
        refill(now: now, rate: rate)
        return min(wanted, Int(tokens))
    }

    /// Records `count` attempts started.
    public mutating func take(_ count: Int, now: Int64) {
        guard let rate else { return }
        refill(now: now, rate: rate)
        tokens = max(0, tokens - Double(count))
    }

    /// Gives back `count` tokens taken for attempts that did not start.
    public mutating func refund(_ count: Int) {
        guard let rate else { return }
        tokens = min(Double(rate.count), tokens + Double(count))
    }

    /// Unix ms when the next token is available; `now` if one is.
    public mutating func nextAvailable(now: Int64) -> Int64 {
        guard let rate else { return now }
        refill(now: now, rate: rate)
        if tokens >= 1 { return now }
        let perToken = Double(rate.per.milliseconds) / Double(rate.count)
        return now + Int64(((1 - tokens) * perToken).rounded(.up))
    }

    /// A `now` this far before the last refill is the wall clock stepping back, not a caller
    /// whose `now` was read a little earlier than another's.
    static let clockStepBack: Int64 = 1000

    private mutating func refill(now: Int64, rate: Rate) {
        guard now > lastRefill else {
            // The wall clock stepped back: count from the new time, rather than give nothing
            // until the clock has caught up with the old one (an hour's stall after an NTP step).
            // A slightly older `now` is ignored: moving back to it would credit time twice.
            if now < lastRefill - Self.clockStepBack { lastRefill = now }
            return
        }
        let perMillisecond = Double(rate.count) / Double(rate.per.milliseconds)
        tokens = min(Double(rate.count), tokens + Double(now - lastRefill) * perMillisecond)
        lastRefill = now
    }
}
