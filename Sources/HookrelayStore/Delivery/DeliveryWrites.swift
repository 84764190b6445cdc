import HookrelayCore
/// A write whose result is computed inside the transaction and handed over after the commit.
final class ResultWrite<T: Sendable>: GroupedWrite, @unchecked Sendable {
    private let body: (SQLiteConnection) throws -> T
    private let answer: CommittedAnswer<T>

    init(_ body: @escaping (SQLiteConnection) throws -> T, completion: @escaping @Sendable (Result<T, StoreUnavailable>) -> Void) {
        self.body = body
        answer = CommittedAnswer(completion)
    }

    func perform(on connection: SQLiteConnection) throws {
        answer.computed(try body(connection))
    }

    func finish(failure: StoreUnavailable?) {
        answer.finish(failure: failure)
    }
}

/// The delivery statements, prepared once on the writer's connection.
///
/// `@unchecked Sendable`: used only on the writer thread.
final class DeliveryStatements: @unchecked Sendable {
    let selectDue: SQLiteStatement
    let selectClaim: SQLiteStatement
    let recordOutcome: SQLiteStatement
    let insertFailure: SQLiteStatement
    let release: SQLiteStatement
    let releaseHeld: SQLiteStatement

    init(_ connection: SQLiteConnection) throws(SQLiteError) {
        // Ids only (the due index covers them): the ones held in flight are skipped before any
        // row is read.
        selectDue = try connection.prepare("""
            SELECT id FROM deliveries
            WHERE destination = ? AND next_attempt_at IS NOT NULL AND next_attempt_at <= ?
            ORDER BY next_attempt_at LIMIT ?
            """)
        selectClaim = try connection.prepare("""
            SELECT e.event_id, e.event_type, e.source, d.url, d.attempts, d.replays, e.body, e.content_type
            FROM deliveries d JOIN events e ON e.id = d.event WHERE d.id = ?
            """)
        // Not when an operator replayed the delivery during the attempt (`hookrelay replay` in
        // another process cannot see this one's claims in memory): the replay's reset stands and
        // the delivery goes out again. The attempt's failure record is kept either way.
        recordOutcome = try connection.prepare("""
            UPDATE deliveries SET state = ?, attempts = ?, next_attempt_at = ?, last_status = ?, last_error = ?,
                claimed = 0, updated_at = ? WHERE id = ? AND replays = ?
            """)
        insertFailure = try connection.prepare("""
            INSERT INTO failures (time, event_id, event_type, destination, url, attempt, status, error, message, response, next_attempt, replay)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        release = try connection.prepare("UPDATE deliveries SET claimed = 0, next_attempt_at = ?, updated_at = ? WHERE id = ? AND claimed = 1")
        releaseHeld = try connection.prepare("UPDATE deliveries SET next_attempt_at = ?, updated_at = ? WHERE id = ? AND next_attempt_at IS NOT NULL")
    }
}

extension EventStore {
    /// Claims up to `limit` deliveries of `destination` due at `now`: held in memory
    /// (`InFlightClaims`), not due again until their outcome is recorded, they are released, or
    /// the store reopens. Runs on the writer thread, so it sees every outcome committed before it.
    public func claimDue(destination: String, now: Int64, limit: Int, completion: @escaping @Sendable (Result<[ClaimedDelivery], StoreUnavailable>) -> Void) {
        submit(ClaimWrite(destination: destination, now: now, limit: limit, statements: deliveryStatements, claims: claims, completion: completion))
    }

    /// `claimDue` for a thread of the caller's own that has nothing else to do meanwhile (the
    /// scheduler's): blocks until the claim committed or was refused. Never call it on an event
    /// loop or the writer thread.
    public func claimDue(destination: String, now: Int64, limit: Int) -> Result<[ClaimedDelivery], StoreUnavailable> {
        let answer = WriteAnswer<[ClaimedDelivery]>()
        claimDue(destination: destination, now: now, limit: limit) { answer.set($0) }
        return answer.wait()
    }

    /// Stores the outcome of an attempt and, for a failed one, its failure-log record.
    /// Outcomes arriving together are stored by one write (see `OutcomeBatch`).
    public func record(_ attempt: AttemptRecord, completion: @escaping @Sendable (Result<Void, StoreUnavailable>) -> Void) {
        if let write = outcomeBatch.add(attempt, completion: completion) {
            submit(write)
        }
    }

    /// Puts claimed deliveries back, due at `dueAt` (on shutdown, for attempts not finished).
    public func release(deliveryIDs: [Int64], dueAt: Int64, completion: @escaping @Sendable (Result<Void, StoreUnavailable>) -> Void) {
        let statements = deliveryStatements
        let claims = self.claims
        submit(ResultWrite({ _ in
            let held = claims.all
            for id in deliveryIDs {
                try (held.contains(id) ? statements.releaseHeld : statements.release).bind(.integer(dueAt), .integer(dueAt), .integer(id)).run()
            }
        }, completion: { result in
            // Held ones are due again once the new due time committed.
            if case .success = result { claims.remove(deliveryIDs) }
            completion(result)
        }))
    }

    /// Re-queues deliveries now (SPEC §7 replay); returns how many. Attempts restart at 1; the
    /// delivery's replay count goes up. Deliveries in flight are left alone.
    public func replay(_ selection: ReplaySelection, now: Int64, completion: @escaping @Sendable (Result<Int, StoreUnavailable>) -> Void) {
        let claims = self.claims
        submit(ResultWrite({ connection in
            let set = "state = 'pending', attempts = 0, next_attempt_at = ?, replays = replays + 1, updated_at = ?"
            // Deliveries in flight: those stored claimed, and those held in memory (ids, inlined).
            let held = claims.all
            let notHeld = held.isEmpty ? "" : " AND id NOT IN (\(held.map(String.init).joined(separator: ",")))"
            switch selection {
            case .event(let id):
                try connection.prepare("""
                    UPDATE deliveries SET \(set) WHERE event IN (SELECT id FROM events WHERE event_id = ?)
                        AND claimed = 0 AND state IN ('delivered', 'rejected', 'dead', 'retrying')\(notHeld)
                    """)
                    .bind(.integer(now), .integer(now), .text(id)).run()
            case .destination(let name, let state, let since):
                // The state condition lets SQLite use the partial index that holds `state`.
                let states = StoreSchema.finishedStates.contains(state) ? StoreSchema.finishedStateCondition : StoreSchema.openStateCondition
                try connection.prepare("""
                    UPDATE deliveries SET \(set) WHERE destination = ? AND \(states) AND state = ? AND updated_at >= ? AND claimed = 0\(notHeld)
                    """)
                    .bind(.integer(now), .integer(now), .text(name), .text(state), .integer(since ?? 0)).run()
            }
            return connection.changes
        }, completion: completion))
    }

    /// Deletes what has outlived its window: tokens past expiry, delivered and rejected
    /// deliveries that finished more than `dedupWindow` ago, dead ones after the longer of
    /// `dedupWindow` and `failureRetention` (so they stay replayable), events left without
    /// deliveries, failure records older than `failureRetention`. Deliveries are found per destination and finished
    /// state through the `deliveries_finished` index, which only finished deliveries enter.
    public func purge(now: Int64, dedupWindow: Duration, failureRetention: Duration, completion: @escaping @Sendable (Result<Int, StoreUnavailable>) -> Void) {
        submit(ResultWrite({ connection in
            var removed = 0
            try connection.prepare("DELETE FROM tokens WHERE expires_at < ?").bind(.integer(now)).run()
            removed += connection.changes
            let cutoff = now - dedupWindow.milliseconds
            let destinations = try connection.destinations(withDeliveriesIn: StoreSchema.finishedStateCondition)
            // Dead deliveries stay replayable as long as their failures are shown.
            let deadCutoff = now - max(dedupWindow, failureRetention).milliseconds
            let delete = try connection.prepare("""
                DELETE FROM deliveries WHERE destination = ? AND \(StoreSchema.finishedStateCondition) AND state = ? AND updated_at < ? AND claimed = 0
                """)
            for destination in destinations {
                for (state, before) in [(DeliveryState.delivered.rawValue, cutoff), (DeliveryState.rejected.rawValue, cutoff), (DeliveryState.dead.rawValue, deadCutoff)] {
                    try delete.bind(.text(destination), .text(state), .integer(before)).run()
                    removed += connection.changes
                }
            }
            try connection.prepare("DELETE FROM events WHERE received_at < ? AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event = events.id)")
                .bind(.integer(cutoff)).run()
            removed += connection.changes
            try connection.prepare("DELETE FROM failures WHERE time < ?").bind(.integer(now - failureRetention.milliseconds)).run()
            removed += connection.changes
            return removed
        }, completion: completion))
    }
}

/// Which deliveries a replay re-queues.
public enum ReplaySelection: Sendable, Equatable {
    /// Every finished or retrying delivery of the event with this id (of every source that sent one).
    case event(String)
    /// A destination's deliveries in `state` (e.g. `dead`) last changed at or after `since` (Unix ms).
    case destination(String, state: String, since: Int64?)
}

extension SQLiteConnection {
    /// The destinations that have deliveries in `states` (one of `StoreSchema`'s state conditions),
    /// found by walking the leading column of that partial index: one seek per destination,
    /// however many deliveries each has.
    func destinations(withDeliveriesIn states: String) throws -> [String] {
        var destinations: [String] = []
        var next = try prepare("SELECT min(destination) FROM deliveries WHERE \(states)").firstRow { $0.optionalText(0) } ?? nil
        let after = try prepare("SELECT min(destination) FROM deliveries WHERE \(states) AND destination > ?")
        while let destination = next {
            destinations.append(destination)
            next = try after.bind(.text(destination)).firstRow { $0.optionalText(0) } ?? nil
        }
        return destinations
    }
}
