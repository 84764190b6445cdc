import HookrelayCore

/// The SQLite tables behind the operator's views (SPEC §12), created when the store opens if
/// missing (`IF NOT EXISTS`: a store of this schema version gains them in place, and a release
/// without them ignores them). Kept apart from `StoreSchema`'s versioned tables so the charts
/// can land without a version of their own; fold them into the next version when one comes.
///
/// - `attempt_minutes`: one row per destination and minute with attempts — counts by outcome and
///   the `LatencyHistogram` (its bytes) and slowest attempt of the minute. An outcome batch adds
///   to one row per (destination, minute) it touches, never a row per attempt.
/// - `queue_depth_minutes`: one queue depth sample per destination and minute.
/// - `failures_event`: the failure log by event, for an event's attempt timeline (one more index
///   entry per failed attempt; delivered attempts write nothing here).
///
/// Both series tables hold at most a day per destination (`recordQueueDepths` trims them).
enum ViewSchema {
    static let tables = """
        CREATE TABLE IF NOT EXISTS attempt_minutes (
            destination TEXT NOT NULL,
            minute      INTEGER NOT NULL,
            delivered   INTEGER NOT NULL,
            failed      INTEGER NOT NULL,
            rejected    INTEGER NOT NULL,
            latency     BLOB NOT NULL,
            latency_max INTEGER,
            PRIMARY KEY (destination, minute)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS queue_depth_minutes (
            destination TEXT NOT NULL,
            minute      INTEGER NOT NULL,
            depth       INTEGER NOT NULL,
            PRIMARY KEY (destination, minute)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS failures_event ON failures(event_id, time);
        """
}

/// The statements that add an outcome batch to `attempt_minutes`, prepared once on the writer's
/// connection.
///
/// `@unchecked Sendable`: used only on the writer thread.
final class AttemptSeriesStatements: @unchecked Sendable {
    let select: SQLiteStatement
    let upsert: SQLiteStatement

    init(_ connection: SQLiteConnection) throws(SQLiteError) {
        select = try connection.prepare("""
            SELECT delivered, failed, rejected, latency, latency_max FROM attempt_minutes WHERE destination = ? AND minute = ?
            """)
        upsert = try connection.prepare("""
            INSERT OR REPLACE INTO attempt_minutes (destination, minute, delivered, failed, rejected, latency, latency_max)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
    }

    /// Adds `counts` (one batch's minutes) to the stored rows: one read and one write per
    /// (destination, minute), inside the batch's transaction.
    func add(_ counts: [AttemptSeriesKey: SeriesMinute]) throws {
        for (key, minute) in counts {
            var total = minute
            try select.bind(.text(key.destination), .integer(key.minute)).forEachRow { row in
                total.merge(SeriesMinute(
                    minute: key.minute, delivered: Int(row.integer(0)), failed: Int(row.integer(1)), rejected: Int(row.integer(2)),
                    latency: LatencyHistogram(bytes: row.blob(3), maxMillis: row.optionalInteger(4))
                ))
            }
            try upsert.bind(
                .text(key.destination), .integer(key.minute), .integer(Int64(total.delivered)), .integer(Int64(total.failed)),
                .integer(Int64(total.rejected)), .blob(total.latency.bytes), .optionalInteger(total.latency.maxMillis)
            ).run()
        }
    }
}

/// A row of `attempt_minutes`.
struct AttemptSeriesKey: Hashable {
    var destination: String
    var minute: Int64
}
