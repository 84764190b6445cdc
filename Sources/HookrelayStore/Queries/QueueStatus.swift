/// The delivery backlog at a glance (`/metrics`, `hookrelay stats`, the admin page).
public struct QueueStatus: Sendable, Equatable {
    /// Deliveries not finished yet (pending or retrying, in flight included).
    public var depth: Int
    /// Unix ms when the oldest unfinished delivery was created; nil when none.
    public var oldestPendingCreatedAt: Int64?
    /// Per destination, deliveries by state.
    public var byDestination: [String: [String: Int]]

    public init(depth: Int, oldestPendingCreatedAt: Int64?, byDestination: [String: [String: Int]]) {
        self.depth = depth
        self.oldestPendingCreatedAt = oldestPendingCreatedAt
        self.byDestination = byDestination
    }
}

extension EventStore {
    /// Backlog and per-destination counts. Blocking.
    public func queueStatus() throws -> QueueStatus {
        try read { connection in
            let (depth, oldest) = try connection.prepare("SELECT count(*), min(created_at) FROM deliveries WHERE \(StoreSchema.openStateCondition)")
                .firstRow { (Int($0.integer(0)), $0.optionalInteger(1)) } ?? (0, nil)
            var byDestination: [String: [String: Int]] = [:]
            // One pass over each partial index (every delivery is in exactly one of them).
            for states in [StoreSchema.openStateCondition, StoreSchema.finishedStateCondition] {
                try connection.prepare("SELECT destination, state, count(*) FROM deliveries WHERE \(states) GROUP BY destination, state").forEachRow { row in
                    byDestination[row.text(0), default: [:]][row.text(1)] = Int(row.integer(2))
                }
            }
            return QueueStatus(depth: depth, oldestPendingCreatedAt: oldest, byDestination: byDestination)
        }
    }

    /// Deliveries of `destination` delivered at or after `since`, at most `limit`; an index
    /// range of `deliveries_finished` (destination, state, updated_at), counted without reading rows.
    public func deliveredCount(destination: String, since: Int64, limit: Int) throws -> Int {
        try read { connection in
            let sql = "SELECT count(*) FROM (SELECT 1 FROM deliveries WHERE destination = ? AND state = 'delivered' AND updated_at >= ? LIMIT ?)"
            return Int(try connection.prepare(sql).bind([.text(destination), .integer(since), .integer(Int64(max(0, limit)))])
                .firstRow { $0.integer(0) } ?? 0)
        }
    }

    /// Unix ms of the earliest due delivery of `destination` not held in flight (`InFlightClaims`);
    /// nil when none is scheduled. Blocking.
    public func nextDueTime(destination: String) throws -> Int64? {
        // Prepared once: the scheduler asks before every claim (its SQL parse was ~20% of that thread).
        try read(prepared: """
            SELECT id, next_attempt_at FROM deliveries WHERE destination = ? AND next_attempt_at IS NOT NULL
            ORDER BY next_attempt_at LIMIT ?
            """) { statement in
            // The held ones can only come first: read past as many as are held, with a margin,
            // and look at what is held after the read. (Before it, an outcome committed in
            // between would be read as its new row and skipped as still held: a retry due
            // soon found a poll interval late. After it, the worst is a claim that finds nothing.)
            var limit = claims.ids(of: destination).count + 16
            while true {
                var rows: [(id: Int64, due: Int64)] = []
                try statement.bind(.text(destination), .integer(Int64(limit))).forEachRow { rows.append(($0.integer(0), $0.integer(1))) }
                let held = claims.ids(of: destination)
                if let next = rows.first(where: { !held.contains($0.id) }) { return next.due }
                if rows.count < limit { return nil }
                limit *= 2
            }
        }
    }
}
