import HookrelayCore
import HookrelayStore

/// Claims, outcomes, hand-backs, replay and purge (SPEC §6, §7, §10) on the shared tables.
///
/// A claim takes due rows with `FOR UPDATE SKIP LOCKED` (two nodes claiming at once get
/// different rows) and moves their `due_at` to the end of this node's lease: a node that dies
/// holding them loses nothing, its rows turn due again for every node when the lease ends.
/// An outcome or a hand-back applies only while this node still holds the claim.
enum DeliverySQL {
    static let claimSQL = """
        WITH picked AS (
            SELECT id FROM deliveries WHERE destination = $1 AND due_at IS NOT NULL AND due_at <= $2
            ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED
        )
        UPDATE deliveries d SET due_at = $4, claimed_by = $5, updated_at = $2
        FROM picked, events e
        WHERE d.id = picked.id AND e.id = d.event
        RETURNING d.id, e.event_id, e.event_type, e.source, d.url, d.attempts, d.replays, e.body, e.content_type
        """

    static let nextDue = "SELECT min(due_at) FROM deliveries WHERE destination = $1 AND due_at IS NOT NULL"

    static let recordOutcome = """
        UPDATE deliveries SET state = $1, attempts = $2, due_at = $3, last_status = $4, last_error = $5,
            claimed_by = NULL, updated_at = $6
        WHERE id = $7 AND claimed_by = $8
        """

    static let insertFailure = """
        INSERT INTO failures (time, event_id, event_type, destination, url, attempt, status, error, message, response, next_attempt, replay)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
        """

    static let releaseSQL = """
        UPDATE deliveries SET claimed_by = NULL, due_at = $1, updated_at = $1
        WHERE id = ANY($2::bigint[]) AND claimed_by = $3
        """

    /// Every claim this node still holds, handed back (its close, after the scheduler stopped).
    static let releaseAllSQL = "UPDATE deliveries SET claimed_by = NULL, due_at = $1, updated_at = $1 WHERE claimed_by = $2"

    static let notifyDue = "SELECT pg_notify('hookrelay_due', '')"

    static let replaySet = "state = 'pending', attempts = 0, due_at = $1, replays = replays + 1, updated_at = $1, claimed_by = NULL"

    static let replayEvent = """
        UPDATE deliveries SET \(replaySet)
        WHERE event IN (SELECT id FROM events WHERE event_id = $2) AND claimed_by IS NULL
            AND state IN ('delivered', 'rejected', 'dead', 'retrying')
        """

    static let replayDestination = """
        UPDATE deliveries SET \(replaySet)
        WHERE destination = $2 AND state = $3 AND updated_at >= $4 AND claimed_by IS NULL
        """

    /// One node purges at a time (the others skip the round).
    static let purgeLock = "SELECT pg_try_advisory_xact_lock(\(PostgresSchema.migrationLock + 1))"
    static let purgeTokens = "DELETE FROM tokens WHERE expires_at < $1"
    static let purgeFinished = """
        DELETE FROM deliveries WHERE (state = 'delivered' OR state = 'rejected' OR state = 'dead')
            AND state = $1 AND updated_at < $2 AND claimed_by IS NULL
        """
    static let purgeEvents = """
        DELETE FROM events e WHERE received_at < $1 AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event = e.id)
        """
    static let purgeFailures = "DELETE FROM failures WHERE time < $1"

    static func claim(
        destination: String, now: Int64, limit: Int, leaseUntil: Int64, node: String, on connection: PGConnection
    ) throws -> [ClaimedDelivery] {
        let rows = try connection.query(claimSQL, [.text(destination), .int(now), .int(Int64(limit)), .int(leaseUntil), .text(node)])
        var claimed: [ClaimedDelivery] = []
        claimed.reserveCapacity(rows.rowCount)
        for row in 0..<rows.rowCount {
            claimed.append(ClaimedDelivery(
                id: rows.int(row, 0), eventID: rows.text(row, 1), eventType: rows.text(row, 2), source: rows.text(row, 3),
                destination: destination, url: rows.text(row, 4), attempts: Int(rows.int(row, 5)), replays: Int(rows.int(row, 6)),
                body: rows.bytes(row, 7), contentType: rows.text(row, 8)
            ))
        }
        // Oldest due first, as the SQLite store hands them out.
        return claimed.sorted { $0.id < $1.id }
    }

    /// An attempt's outcome and, for a failed one, its failure-log record.
    static func record(_ attempt: AttemptRecord, node: String) -> [(sql: String, parameters: [PGValue])] {
        var statements: [(sql: String, parameters: [PGValue])] = [(recordOutcome, [
            .text(attempt.state.rawValue), .int(Int64(attempt.attempt)), .optionalInt(attempt.nextAttemptAt),
            .optionalInt(attempt.status.map(Int64.init)), .optionalText(attempt.error), .int(attempt.time),
            .int(attempt.deliveryID), .text(node),
        ])]
        if attempt.isFailure {
            statements.append((insertFailure, [
                .int(attempt.time), .text(attempt.eventID), .text(attempt.eventType), .text(attempt.destination),
                .text(attempt.url), .int(Int64(attempt.attempt)), .optionalInt(attempt.status.map(Int64.init)),
                .text(attempt.error ?? "http"), .optionalText(attempt.message), .text(attempt.response),
                .optionalInt(attempt.nextAttemptAt), .int(Int64(attempt.replays)),
            ]))
        }
        return statements
    }

    static func release(_ ids: [Int64], dueAt: Int64, node: String, on connection: PGConnection) throws {
        let released = try connection.query(releaseSQL, [.int(dueAt), .intArray(ids), .text(node)])
        if released.changes > 0 { try connection.query(notifyDue) }
    }

    static func releaseAll(node: String, now: Int64, on connection: PGConnection) throws -> Int {
        let released = try connection.query(releaseAllSQL, [.int(now), .text(node)]).changes
        if released > 0 { try connection.query(notifyDue) }
        return released
    }

    static func replay(_ selection: ReplaySelection, now: Int64, on connection: PGConnection) throws -> Int {
        let changed: Int
        switch selection {
        case .event(let id):
            changed = try connection.query(replayEvent, [.int(now), .text(id)]).changes
        case .destination(let name, let state, let since):
            changed = try connection.query(replayDestination, [.int(now), .text(name), .text(state), .int(since ?? 0)]).changes
        }
        // The other nodes look at once (SPEC §10), not at their next poll.
        if changed > 0 { try connection.query(notifyDue) }
        return changed
    }

    /// As the SQLite store's purge: tokens past expiry, delivered and rejected deliveries past
    /// the dedup window, dead ones past the longer of the window and the failure retention,
    /// events left without deliveries, old failure records. 0 when another node is purging.
    static func purge(now: Int64, dedupWindow: Duration, failureRetention: Duration, on connection: PGConnection) throws -> Int {
        guard try connection.query(purgeLock).bool(0, 0) else { return 0 }
        var removed = try connection.query(purgeTokens, [.int(now)]).changes
        let cutoff = now - dedupWindow.milliseconds
        let deadCutoff = now - max(dedupWindow, failureRetention).milliseconds
        for (state, before) in [(DeliveryState.delivered, cutoff), (.rejected, cutoff), (.dead, deadCutoff)] {
            removed += try connection.query(purgeFinished, [.text(state.rawValue), .int(before)]).changes
        }
        removed += try connection.query(purgeEvents, [.int(cutoff)]).changes
        removed += try connection.query(purgeFailures, [.int(now - failureRetention.milliseconds)]).changes
        return removed
    }
}

/// One attempt's outcome in the writer's batch, pipelined with the others; counted in the
/// attempt series by the writer, in the same transaction, once it is stored (`countedAttempt`).
struct PostgresRecordWrite: PipelinedWrite {
    let statements: [(sql: String, parameters: [PGValue])]
    let attempt: AttemptRecord
    let completion: @Sendable (Result<Void, StoreUnavailable>) -> Void

    var countedAttempt: AttemptRecord? { attempt }

    func finish(failure: StoreUnavailable?) {
        completion(failure.map { .failure($0) } ?? .success(()))
    }
}
