/// Retry schedules: the delays between attempts of one delivery.
public enum RetrySchedule {
    /// Mailgun's: 10m, 10m, 15m, 30m, 1h, 2h, 4h — 7 retries, 8h05m after the first attempt.
    public static let mailgun: [Duration] = [
        .seconds(600), .seconds(600), .seconds(900), .seconds(1800), .seconds(3600), .seconds(7200), .seconds(14400),
    ]
}
