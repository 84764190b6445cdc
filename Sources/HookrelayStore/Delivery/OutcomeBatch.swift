import Foundation

/// Collects attempt outcomes and stores them in batches: an outcome arriving while a batch
/// write is queued joins it, so the writer runs one write (one completion hop) for many
/// outcomes instead of one each. The batch's outcomes are counted per (destination, minute) in
/// memory and added to `attempt_minutes` once per such pair (`AttemptSeriesStatements`).
///
/// `@unchecked Sendable`: `pending` and `flushQueued` are guarded by `lock`.
final class OutcomeBatch: @unchecked Sendable {
    typealias Completion = @Sendable (Result<Void, StoreUnavailable>) -> Void

    private let lock = NSLock()
    private var pending: [(AttemptRecord, Completion)] = []
    private var flushQueued = false
    private let statements: DeliveryStatements
    private let series: AttemptSeriesStatements
    private let claims: InFlightClaims

    init(statements: DeliveryStatements, series: AttemptSeriesStatements, claims: InFlightClaims) {
        self.statements = statements
        self.series = series
        self.claims = claims
    }

    /// The outcomes committed: their deliveries are no longer held in flight.
    fileprivate func committed(_ outcomes: [(AttemptRecord, Completion)]) {
        for (record, _) in outcomes { claims.remove(record.deliveryID, destination: record.destination) }
    }

    /// Adds an outcome; returns a write to submit when no batch write is queued yet.
    func add(_ record: AttemptRecord, completion: @escaping Completion) -> (any GroupedWrite)? {
        lock.lock()
        defer { lock.unlock() }
        pending.append((record, completion))
        guard !flushQueued else { return nil }
        flushQueued = true
        return FlushWrite(batch: self)
    }

    /// Takes everything pending (on the writer thread, inside the transaction).
    fileprivate func take() -> [(AttemptRecord, Completion)] {
        lock.lock()
        defer { lock.unlock() }
        let taken = pending
        pending.removeAll(keepingCapacity: true)
        flushQueued = false
        return taken
    }

    /// Adds the batch's per-minute counts to the series.
    fileprivate func storeSeries(_ counts: [AttemptSeriesKey: SeriesMinute]) throws {
        try series.add(counts)
    }

    fileprivate func store(_ attempt: AttemptRecord) throws {
        try statements.recordOutcome.bind(
            .text(attempt.state.rawValue), .integer(Int64(attempt.attempt)), .optionalInteger(attempt.nextAttemptAt),
            .optionalInteger(attempt.status.map(Int64.init)), .optionalText(attempt.error),
            .integer(attempt.time), .integer(attempt.deliveryID), .integer(Int64(attempt.replays))
        ).run()
        if attempt.isFailure {
            try statements.insertFailure.bind(
                .integer(attempt.time), .text(attempt.eventID), .text(attempt.eventType), .text(attempt.destination),
                .text(attempt.url), .integer(Int64(attempt.attempt)), .optionalInteger(attempt.status.map(Int64.init)),
                .text(attempt.error ?? "http"), .optionalText(attempt.message), .text(attempt.response),
                .optionalInteger(attempt.nextAttemptAt), .integer(Int64(attempt.replays))
            ).run()
        }
    }
}

/// The queued write of an `OutcomeBatch`: stores what is pending when it runs.
///
/// `@unchecked Sendable`: `taken` is set in `perform` and read in `finish`, both on the writer thread.
private final class FlushWrite: GroupedWrite, @unchecked Sendable {
    private let batch: OutcomeBatch
    private var taken: [(AttemptRecord, OutcomeBatch.Completion)]?

    init(batch: OutcomeBatch) {
        self.batch = batch
    }

    /// The attempts' slots are free already; their deliveries stay held (`InFlightClaims`) until
    /// the commit, so waiting delays nothing but the outcome's own record.
    var mayWait: Bool { true }

    func perform(on connection: SQLiteConnection) throws {
        // A second run (after a rollback) stores the same outcomes again.
        let outcomes = taken ?? batch.take()
        taken = outcomes
        var minutes: [AttemptSeriesKey: SeriesMinute] = [:]
        for (record, _) in outcomes {
            try batch.store(record)
            let minute = SeriesMinute.start(of: record.time)
            minutes[AttemptSeriesKey(destination: record.destination, minute: minute), default: SeriesMinute(minute: minute)]
                .count(record.state, latencyMillis: record.latencyMillis)
        }
        try batch.storeSeries(minutes)
    }

    func finish(failure: StoreUnavailable?) {
        // Not performed (queue full, store closed): fail what is pending now.
        let outcomes = taken ?? batch.take()
        // Not committed: the deliveries stay held until the scheduler hands them back (`release`).
        if failure == nil { batch.committed(outcomes) }
        let result: Result<Void, StoreUnavailable> = failure.map { .failure($0) } ?? .success(())
        for (_, completion) in outcomes { completion(result) }
    }
}
