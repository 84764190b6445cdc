public import HookrelayCore

/// What a running relay needs of its store, whatever keeps it: SQLite in `data_dir`
/// (`EventStore`, the default) or, for several nodes, a shared database. The runtime, the admin
/// API and the command line use only this; `StoreContract` in the tests holds every
/// implementation to the same behaviour.
///
/// Writes take a completion, called once on a thread of the store's (keep it short and hop
/// elsewhere for real work), after the write committed durably — or with `StoreUnavailable` when
/// it did not: a caller never treats an uncommitted write as done. Reads throw and block: call
/// them off event loops.
public protocol RelayStore: OperatorViewStore {
    /// Where the store is, for messages (a file path; never a password).
    var location: String { get }
    /// Deliveries in flight at the last stop, made due again when the store opened.
    var recoveredInFlight: Int { get }
    /// Writes waiting for their commit.
    var writeQueueDepth: Int { get }
    /// True when writes commit and the store answers a read (`/readyz`).
    func isReady() -> Bool
    /// Commits what is queued and closes; later writes answer `unavailable`.
    func close()
    /// The destinations in force changed (a reload, SPEC §12): what the store itself holds of
    /// them follows — on a shared store, each destination's cluster-wide `rate` (SPEC §10). The
    /// SQLite store holds nothing of them (its rates are the scheduler's).
    func destinationsChanged(_ destinations: [DestinationConfig])
    /// Calls `wake` whenever deliveries became due now outside this process's view (another
    /// node's replay or hand-back, SPEC §10), so the scheduler looks again at once rather than
    /// at its next poll. A store only this process writes never calls it.
    func watchForDueWork(_ wake: @escaping @Sendable () -> Void)

    // MARK: Ingest (SPEC §2–§4)

    /// Takes an event durably: its deliveries, dedup by (event id, URL), the token rule.
    func accept(_ request: AcceptRequest, completion: @escaping @Sendable (Result<AcceptOutcome, StoreUnavailable>) -> Void)

    // MARK: Delivery (SPEC §6)

    /// Unix ms of the earliest due delivery of `destination`; nil when none is scheduled.
    func nextDueTime(destination: String) throws -> Int64?
    /// Claims up to `limit` deliveries of `destination` due at `now`; they are not due again
    /// until their outcome is recorded, they are released, or the store reopens after a crash.
    /// Blocks until the claim is taken (committed, on a store that writes claims): for a thread
    /// of the caller's own.
    func claimDue(destination: String, now: Int64, limit: Int) -> Result<[ClaimedDelivery], StoreUnavailable>
    /// Stores an attempt's outcome and, for a failed one, its failure-log record, and counts it
    /// in its destination's minute of the attempt series (`OperatorViewStore`).
    func record(_ attempt: AttemptRecord, completion: @escaping @Sendable (Result<Void, StoreUnavailable>) -> Void)
    /// Puts claimed deliveries back, due at `dueAt`.
    func release(deliveryIDs: [Int64], dueAt: Int64, completion: @escaping @Sendable (Result<Void, StoreUnavailable>) -> Void)

    // MARK: Operators (SPEC §7)

    /// Re-queues deliveries now; answers how many.
    func replay(_ selection: ReplaySelection, now: Int64, completion: @escaping @Sendable (Result<Int, StoreUnavailable>) -> Void)
    /// Deletes what outlived `dedupWindow` and `failureRetention`; answers how many rows went.
    func purge(now: Int64, dedupWindow: Duration, failureRetention: Duration, completion: @escaping @Sendable (Result<Int, StoreUnavailable>) -> Void)
    /// Failure records, newest first.
    func failures(_ query: FailureQuery) throws -> [FailureRecord]
    /// How many failure records `query` matches (its `limit` ignored).
    func failureCount(_ query: FailureQuery) throws -> Int
    /// How many deliveries of `destination` turned `delivered` at or after `since` (Unix ms):
    /// the delivered attempts of that time, one per delivery (a replayed delivery delivered
    /// again counts once, at its last). At most `limit`.
    func deliveredCount(destination: String, since: Int64, limit: Int) throws -> Int
    /// One event and its deliveries; nil when there is none with that id.
    func eventRecord(id: String) throws -> EventRecord?
    /// Events and deliveries by state.
    func counts() throws -> StoreCounts
    /// The delivery backlog.
    func queueStatus() throws -> QueueStatus

    // MARK: Steering (SPEC §12)

    /// Pauses (`paused: true`) or resumes `destination`, durably, until the opposite call: a
    /// pause lasts across restarts. Answers whether anything changed (false: it already was so).
    func setPaused(_ destination: String, paused: Bool, now: Int64, completion: @escaping @Sendable (Result<Bool, StoreUnavailable>) -> Void)
    /// The destinations paused now, by name (a running relay reads this at most once a second).
    func pausedDestinations() throws -> Set<String>
}

extension RelayStore {
    /// Async form of `accept(_:completion:)`.
    public func accept(_ request: AcceptRequest) async -> Result<AcceptOutcome, StoreUnavailable> {
        await withCheckedContinuation { continuation in
            accept(request) { continuation.resume(returning: $0) }
        }
    }

    /// Async form of `record(_:completion:)`.
    public func record(_ attempt: AttemptRecord) async -> Result<Void, StoreUnavailable> {
        await withCheckedContinuation { continuation in
            record(attempt) { continuation.resume(returning: $0) }
        }
    }

    /// Async form of `replay(_:now:completion:)`.
    public func replay(_ selection: ReplaySelection, now: Int64) async -> Result<Int, StoreUnavailable> {
        await withCheckedContinuation { continuation in
            replay(selection, now: now) { continuation.resume(returning: $0) }
        }
    }

    /// Async form of `release(deliveryIDs:dueAt:completion:)`.
    public func release(deliveryIDs: [Int64], dueAt: Int64) async -> Result<Void, StoreUnavailable> {
        await withCheckedContinuation { continuation in
            release(deliveryIDs: deliveryIDs, dueAt: dueAt) { continuation.resume(returning: $0) }
        }
    }

    /// Async form of `setPaused(_:paused:now:completion:)`.
    public func setPaused(_ destination: String, paused: Bool, now: Int64) async -> Result<Bool, StoreUnavailable> {
        await withCheckedContinuation { continuation in
            setPaused(destination, paused: paused, now: now) { continuation.resume(returning: $0) }
        }
    }

    /// Async form of `purge(now:dedupWindow:failureRetention:completion:)`.
    public func purge(now: Int64, dedupWindow: Duration, failureRetention: Duration) async -> Result<Int, StoreUnavailable> {
        await withCheckedContinuation { continuation in
            purge(now: now, dedupWindow: dedupWindow, failureRetention: failureRetention) { continuation.resume(returning: $0) }
        }
    }
}
