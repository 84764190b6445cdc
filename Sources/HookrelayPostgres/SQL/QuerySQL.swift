import HookrelayStore

/// The reads of the admin API, `failures` and `stats` (SPEC §7, §10: the whole cluster's).
enum QuerySQL {
    static let findEvent = "SELECT id, source, event_type, domain, received_at FROM events WHERE event_id = $1 ORDER BY id LIMIT 1"
    /// A claimed delivery's `due_at` is its lease, not a planned attempt: not shown.
    static let eventDeliveries = """
        SELECT destination, url, state, attempts, last_status, last_error, CASE WHEN claimed_by IS NULL THEN due_at END
        FROM deliveries WHERE event = $1 ORDER BY id
        """
    static let countEvents = "SELECT count(*) FROM events"
    static let countByState = "SELECT state, count(*) FROM deliveries GROUP BY state"
    static let queueDepth = "SELECT count(*), min(created_at) FROM deliveries WHERE state = 'pending' OR state = 'retrying'"
    static let byDestination = "SELECT destination, state, count(*) FROM deliveries GROUP BY destination, state"
    static let deliveredCountSQL = """
        SELECT count(*) FROM (SELECT 1 FROM deliveries WHERE destination = $1 AND state = 'delivered'
            AND (state = 'delivered' OR state = 'rejected' OR state = 'dead') AND updated_at >= $2 LIMIT $3) AS d
        """
    static let failureColumns = "time, event_id, event_type, destination, url, attempt, status, error, message, response, next_attempt, replay"

    static func eventRecord(id: String, on connection: PGConnection) throws -> EventRecord? {
        let found = try connection.query(findEvent, [.text(id)])
        guard found.rowCount > 0 else { return nil }
        var record = EventRecord(
            id: id, source: found.text(0, 1), type: found.text(0, 2), domain: found.optionalText(0, 3),
            receivedAt: found.int(0, 4), deliveries: []
        )
        let rows = try connection.query(eventDeliveries, [.int(found.int(0, 0))])
        for row in 0..<rows.rowCount {
            record.deliveries.append(DeliveryRecord(
                destination: rows.text(row, 0), url: rows.text(row, 1), state: rows.text(row, 2), attempts: Int(rows.int(row, 3)),
                lastStatus: rows.optionalInt(row, 4).map(Int.init), lastError: rows.optionalText(row, 5), nextAttemptAt: rows.optionalInt(row, 6)
            ))
        }
        return record
    }

    static func counts(on connection: PGConnection) throws -> StoreCounts {
        let events = Int(try connection.query(countEvents).int(0, 0))
        let rows = try connection.query(countByState)
        var byState: [String: Int] = [:]
        for row in 0..<rows.rowCount { byState[rows.text(row, 0)] = Int(rows.int(row, 1)) }
        return StoreCounts(events: events, deliveriesByState: byState)
    }

    static func queueStatus(on connection: PGConnection) throws -> QueueStatus {
        let depth = try connection.query(queueDepth)
        let rows = try connection.query(byDestination)
        var byDestination: [String: [String: Int]] = [:]
        for row in 0..<rows.rowCount { byDestination[rows.text(row, 0), default: [:]][rows.text(row, 1)] = Int(rows.int(row, 2)) }
        return QueueStatus(depth: Int(depth.int(0, 0)), oldestPendingCreatedAt: depth.optionalInt(0, 1), byDestination: byDestination)
    }

    static func deliveredCount(destination: String, since: Int64, limit: Int, on connection: PGConnection) throws -> Int {
        Int(try connection.query(deliveredCountSQL, [.text(destination), .int(since), .int(Int64(max(0, limit)))]).int(0, 0))
    }

    static func failures(_ query: FailureQuery, on connection: PGConnection) throws -> [FailureRecord] {
        let (conditions, values) = Self.conditions(query)
        return failureRecords(try connection.query(
            "SELECT \(failureColumns) FROM failures WHERE \(conditions) ORDER BY time DESC, id DESC LIMIT $\(values.count)", values
        ))
    }

    /// The rows of a query selecting `failureColumns`.
    static func failureRecords(_ rows: PGResult) -> [FailureRecord] {
        var records: [FailureRecord] = []
        records.reserveCapacity(rows.rowCount)
        for row in 0..<rows.rowCount {
            records.append(FailureRecord(
                time: rows.int(row, 0), eventID: rows.text(row, 1), eventType: rows.text(row, 2), destination: rows.text(row, 3),
                url: rows.text(row, 4), attempt: Int(rows.int(row, 5)), status: rows.optionalInt(row, 6).map(Int.init),
                error: rows.text(row, 7), message: rows.optionalText(row, 8), response: rows.text(row, 9),
                nextAttempt: rows.optionalInt(row, 10), replay: Int(rows.int(row, 11))
            ))
        }
        return records
    }

    static func failureCount(_ query: FailureQuery, on connection: PGConnection) throws -> Int {
        let (conditions, values) = Self.conditions(query)
        let sql = "SELECT count(*) FROM (SELECT 1 FROM failures WHERE \(conditions) LIMIT $\(values.count)) AS f"
        return Int(try connection.query(sql, values).int(0, 0))
    }

    /// The WHERE terms of `query` and their values, the limit's last.
    private static func conditions(_ query: FailureQuery) -> (String, [PGValue]) {
        var conditions = "time >= $1"
        var values: [PGValue] = [.int(query.since ?? 0)]
        if let destination = query.destination {
            values.append(.text(destination))
            conditions += " AND destination = $\(values.count)"
        }
        values.append(.int(Int64(max(0, query.limit))))
        return (conditions, values)
    }
}
