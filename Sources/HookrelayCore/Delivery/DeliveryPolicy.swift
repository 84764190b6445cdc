/// Classifies attempt results and plans retries for one destination (SPEC §6).
///
/// - 2xx (or only the configured `success` statuses) → delivered.
/// - 406 → rejected, never retried.
/// - anything else, timeouts and transport errors → retry after `retry[attempt - 1]`;
///   after attempt `1 + retry.count` → dead. With Mailgun's default schedule the last retry
///   starts 8h05m after the first attempt.
/// - 429 and 503 with `Retry-After` wait at least that long.
public struct DeliveryPolicy: Sendable, Equatable {
    public var retry: [Duration]
    public var success: [Int]?

    public init(retry: [Duration], success: [Int]? = nil) {
        self.retry = retry
        self.success = success
    }

    public init(destination: DestinationConfig) {
        self.init(retry: destination.retry, success: destination.success)
    }

    /// The total number of attempts a delivery gets before it is dead.
    public var maxAttempts: Int { 1 + retry.count }

    /// Whether an HTTP status means delivered.
    public func isSuccess(_ status: Int) -> Bool {
        if let success { return success.contains(status) }
        return (200...299).contains(status)
    }

    /// The decision after attempt number `attempt` (the first is 1) ended with `result` at `now` (Unix ms).
    public func decide(attempt: Int, result: AttemptResult, now: Int64) -> DeliveryDecision {
        if let status = result.status {
            if isSuccess(status) { return .delivered }
            if status == 406 { return .rejected }
        }
        guard attempt >= 1, attempt <= retry.count else { return .dead }
        var delay = retry[attempt - 1].milliseconds
        if let status = result.status, status == 429 || status == 503, let retryAfter = result.retryAfter {
            delay = max(delay, retryAfter.milliseconds)
        }
        return .retry(at: now + delay)
    }
}
