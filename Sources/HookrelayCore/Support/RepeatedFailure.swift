/// A failure that repeats while its cause lasts (the store refusing claims on a full disk):
/// which occurrences to log, and how long to wait before trying again.
///
/// The first failure of a run is logged; after it, at most one per `logInterval`, each telling
/// how many were not logged since the last. The wait before the next try doubles from
/// `firstBackoff` up to `maxBackoff`. A success ends the run (and says how many failures went
/// unlogged, for a line saying it works again). Times in milliseconds.
public struct RepeatedFailure: Sendable {
    public let logInterval: Int64
    public let firstBackoff: Int64
    public let maxBackoff: Int64
    /// Failures in the current run (0: none).
    public private(set) var failures = 0
    private var lastLogged: Int64 = 0
    private var unlogged = 0
    private var backoff: Int64 = 0
    /// Until when the next try waits.
    public private(set) var retryAt: Int64 = .min

    public init(logInterval: Int64 = 5_000, firstBackoff: Int64 = 100, maxBackoff: Int64 = 2_000) {
        self.logInterval = logInterval
        self.firstBackoff = firstBackoff
        self.maxBackoff = max(firstBackoff, maxBackoff)
    }

    /// What to do about a failure at `now`.
    public struct Decision: Sendable, Equatable {
        /// Whether to log this one.
        public var log: Bool
        /// Failures not logged since the last line (when `log`).
        public var suppressed: Int

        public init(log: Bool, suppressed: Int) {
            self.log = log
            self.suppressed = suppressed
        }
    }

    /// Records a failure at `now`: the next try waits (`retryAt`), and says whether to log it.
    public mutating func failed(now: Int64) -> Decision {
        failures += 1
        backoff = failures == 1 ? firstBackoff : min(maxBackoff, backoff * 2)
        retryAt = now + backoff
        if failures == 1 || now - lastLogged >= logInterval {
            let suppressed = unlogged
            lastLogged = now
            unlogged = 0
            return Decision(log: true, suppressed: suppressed)
        }
        unlogged += 1
        return Decision(log: false, suppressed: 0)
    }

    /// Records a success: the run ends. Returns the run's failure count (0 when there was none).
    public mutating func succeeded() -> Int {
        let run = failures
        failures = 0
        unlogged = 0
        backoff = 0
        retryAt = .min
        return run
    }
}
