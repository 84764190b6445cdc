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
        let held = claims.ids(of: destination)
        return try read { connection in
            // The held ones can only come first; one more row than them finds the earliest other.
            var next: Int64?
            try connection.prepare("""
                SELECT id, next_attempt_at FROM deliveries WHERE destination = ? AND next_attempt_at IS NOT NULL
                ORDER BY next_attempt_at LIMIT ?
                """)
                .bind(.text(destination), .integer(Int64(held.count + 1)))
                .forEachRow { row in
                    if next == nil && !held.contains(row.integer(0)) { next = row.integer(1) }
                }
            return next
        }
    }
}
