import HookrelayCore
import HookrelayStore

/// The operator's views on the shared tables (SPEC §12, `OperatorViewStore`): the per-minute
/// attempt series, queue depth samples, the event explorer's search and event page — the same
/// answers as the SQLite store's `EventStore+Views`, for the whole cluster.
///
/// The attempt series is added to by every node's outcome batches at once: each batch upserts
/// one row per (destination, minute) it touches, adding its counts and its latency buckets
/// element-wise in SQL (`addMinute`), so two nodes' batches of the same minute never lose
/// each other's counts.
enum ViewSQL {
    static let attemptSeriesSQL = """
        SELECT minute, delivered, failed, rejected, latency, latency_max FROM attempt_minutes
        WHERE destination = $1 AND minute >= $2 ORDER BY minute LIMIT $3
        """

    /// Adds one batch's counts of a (destination, minute) to its row.
    static let addMinute = """
        INSERT INTO attempt_minutes AS m (destination, minute, delivered, failed, rejected, latency, latency_max)
        VALUES ($1, $2, $3, $4, $5, $6::bigint[], $7)
        ON CONFLICT (destination, minute) DO UPDATE SET
            delivered = m.delivered + excluded.delivered,
            failed = m.failed + excluded.failed,
            rejected = m.rejected + excluded.rejected,
            latency = ARRAY(SELECT coalesce(a, 0) + coalesce(b, 0) FROM unnest(m.latency, excluded.latency) WITH ORDINALITY AS t(a, b, i) ORDER BY i),
            latency_max = greatest(m.latency_max, excluded.latency_max)
        """

    static let queueDepthSeriesSQL = """
        SELECT minute, depth FROM queue_depth_minutes WHERE destination = $1 AND minute >= $2 ORDER BY minute LIMIT $3
        """
    static let queueDepthsSQL = "SELECT destination, count(*) FROM deliveries WHERE state = 'pending' OR state = 'retrying' GROUP BY destination"
    static let upsertDepth = """
        INSERT INTO queue_depth_minutes (destination, minute, depth) VALUES ($1, $2, $3)
        ON CONFLICT (destination, minute) DO UPDATE SET depth = excluded.depth
        """
    static let trimDepths = "DELETE FROM queue_depth_minutes WHERE minute < $1"
    static let trimAttempts = "DELETE FROM attempt_minutes WHERE minute < $1"

    static let scannedSQL = "SELECT count(*) FROM (SELECT 1 FROM events WHERE received_at >= $1 AND received_at < $2 LIMIT $3) AS s"
    /// A claimed delivery's `due_at` is its lease, not a planned attempt: not shown (as `QuerySQL`).
    static let deliveryColumns = """
        d.destination, d.url, d.state, d.attempts, d.last_status, d.last_error, CASE WHEN d.claimed_by IS NULL THEN d.due_at END
        """
    static let detailEvent = """
        SELECT id, source, event_type, domain, received_at, content_type, body FROM events WHERE event_id = $1 ORDER BY id LIMIT 1
        """
    static let detailDeliveries = """
        SELECT \(deliveryColumns), d.created_at, d.updated_at FROM deliveries d WHERE d.event = $1 ORDER BY d.id
        """
    static let detailAttempts = """
        SELECT \(QuerySQL.failureColumns) FROM failures WHERE event_id = $1 ORDER BY time, id LIMIT $2
        """

    /// The statements adding `minutes` (one outcome batch's counts) to `attempt_minutes`, in key
    /// order so two nodes' batches lock shared rows in the same order.
    static func addMinutes(_ minutes: [SeriesKey: SeriesMinute]) -> [(sql: String, parameters: [PGValue])] {
        minutes.sorted { ($0.key.destination, $0.key.minute) < ($1.key.destination, $1.key.minute) }.map { key, counts in
            (addMinute, [
                .text(key.destination), .int(key.minute), .int(Int64(counts.delivered)), .int(Int64(counts.failed)),
                .int(Int64(counts.rejected)), .intArray(counts.latency.counts.map(Int64.init)), .optionalInt(counts.latency.maxMillis),
            ])
        }
    }

    static func attemptSeries(destination: String, since: Int64, limit: Int, on connection: PGConnection) throws -> [SeriesMinute] {
        let rows = try connection.query(attemptSeriesSQL, [.text(destination), .int(SeriesMinute.start(of: since)), .int(Int64(max(0, limit)))])
        return (0..<rows.rowCount).map { row in
            SeriesMinute(
                minute: rows.int(row, 0), delivered: Int(rows.int(row, 1)), failed: Int(rows.int(row, 2)), rejected: Int(rows.int(row, 3)),
                latency: histogram(rows.textArray(row, 4), maxMillis: rows.optionalInt(row, 5))
            )
        }
    }

    /// A `LatencyHistogram` from its stored bucket counts (through its byte form, which it reads back).
    static func histogram(_ counts: [String], maxMillis: Int64?) -> LatencyHistogram {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(counts.count * 4)
        for text in counts {
            let count = UInt32(clamping: Int64(text) ?? 0)
            for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: count >> UInt32(shift))) }
        }
        return LatencyHistogram(bytes: bytes, maxMillis: maxMillis)
    }

    static func queueDepthSeries(destination: String, since: Int64, limit: Int, on connection: PGConnection) throws -> [QueueDepthSample] {
        let rows = try connection.query(queueDepthSeriesSQL, [.text(destination), .int(SeriesMinute.start(of: since)), .int(Int64(max(0, limit)))])
        return (0..<rows.rowCount).map { QueueDepthSample(minute: rows.int($0, 0), depth: Int(rows.int($0, 1))) }
    }

    static func queueDepths(on connection: PGConnection) throws -> [String: Int] {
        let rows = try connection.query(queueDepthsSQL)
        var depths: [String: Int] = [:]
        for row in 0..<rows.rowCount { depths[rows.text(row, 0)] = Int(rows.int(row, 1)) }
        return depths
    }

    static func recordQueueDepths(_ depths: [String: Int], now: Int64, keepSince: Int64, on connection: PGConnection) throws {
        let minute = SeriesMinute.start(of: now)
        for (destination, depth) in depths.sorted(by: { $0.key < $1.key }) {
            try connection.query(upsertDepth, [.text(destination), .int(minute), .int(Int64(depth))])
        }
        let cutoff = SeriesMinute.start(of: keepSince)
        try connection.query(trimDepths, [.int(cutoff)])
        try connection.query(trimAttempts, [.int(cutoff)])
    }

    /// As the SQLite store: the newest `scanLimit` events of the range (`events_received`),
    /// their deliveries matching the query, newest first.
    static func findEvents(_ query: EventQuery, on connection: PGConnection) throws -> EventSearch {
        var values: [PGValue] = [.int(query.since ?? 0), .int(query.until ?? Int64.max), .int(Int64(max(1, query.scanLimit)))]
        let scanned = Int(try connection.query(scannedSQL, values).int(0, 0))
        var conditions = ""
        if let destination = query.destination {
            values.append(.text(destination))
            conditions += " AND d.destination = $\(values.count)"
        }
        if let state = query.state {
            values.append(.text(state))
            conditions += " AND d.state = $\(values.count)"
        }
        let rows = try connection.query("""
            SELECT e.id, e.event_id, e.source, e.event_type, e.domain, e.received_at, \(deliveryColumns)
            FROM (SELECT id, event_id, source, event_type, domain, received_at FROM events
                  WHERE received_at >= $1 AND received_at < $2 ORDER BY received_at DESC, id DESC LIMIT $3) e
            JOIN deliveries d ON d.event = e.id
            WHERE true\(conditions)
            ORDER BY e.received_at DESC, e.id DESC, d.id
            """, values)
        var events: [EventRecord] = []
        var indexes: [Int64: Int] = [:]
        for row in 0..<rows.rowCount {
            let key = rows.int(row, 0)
            let delivery = DeliveryRecord(
                destination: rows.text(row, 6), url: rows.text(row, 7), state: rows.text(row, 8), attempts: Int(rows.int(row, 9)),
                lastStatus: rows.optionalInt(row, 10).map(Int.init), lastError: rows.optionalText(row, 11), nextAttemptAt: rows.optionalInt(row, 12)
            )
            if let index = indexes[key] {
                events[index].deliveries.append(delivery)
            } else if events.count < query.limit {
                indexes[key] = events.count
                events.append(EventRecord(
                    id: rows.text(row, 1), source: rows.text(row, 2), type: rows.text(row, 3), domain: rows.optionalText(row, 4),
                    receivedAt: rows.int(row, 5), deliveries: [delivery]
                ))
            }
        }
        return EventSearch(events: events, scanLimitReached: scanned >= query.scanLimit)
    }

    static func eventDetail(id: String, attemptLimit: Int, on connection: PGConnection) throws -> EventDetail? {
        let found = try connection.query(detailEvent, [.text(id)])
        guard found.rowCount > 0 else { return nil }
        var detail = EventDetail(
            record: EventRecord(
                id: id, source: found.text(0, 1), type: found.text(0, 2), domain: found.optionalText(0, 3), receivedAt: found.int(0, 4), deliveries: []
            ),
            contentType: found.text(0, 5), body: found.bytes(0, 6), deliveryTimes: [], attempts: [], attemptsCut: false
        )
        let deliveries = try connection.query(detailDeliveries, [.int(found.int(0, 0))])
        for row in 0..<deliveries.rowCount {
            detail.record.deliveries.append(DeliveryRecord(
                destination: deliveries.text(row, 0), url: deliveries.text(row, 1), state: deliveries.text(row, 2),
                attempts: Int(deliveries.int(row, 3)), lastStatus: deliveries.optionalInt(row, 4).map(Int.init),
                lastError: deliveries.optionalText(row, 5), nextAttemptAt: deliveries.optionalInt(row, 6)
            ))
            detail.deliveryTimes.append(DeliveryTimes(created: deliveries.int(row, 7), updated: deliveries.int(row, 8)))
        }
        let limit = max(0, attemptLimit)
        detail.attempts = try QuerySQL.failureRecords(connection.query(detailAttempts, [.text(id), .int(Int64(limit) + 1)]))
        if detail.attempts.count > limit {
            detail.attempts.removeLast(detail.attempts.count - limit)
            detail.attemptsCut = true
        }
        return detail
    }
}

/// A row of `attempt_minutes`: a destination's minute (Unix ms of its start).
struct SeriesKey: Hashable {
    var destination: String
    var minute: Int64
}
