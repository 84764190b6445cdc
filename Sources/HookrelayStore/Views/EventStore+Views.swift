import HookrelayCore

extension EventStore: OperatorViewStore {
    /// Minutes of `destination` with attempts, oldest first: a range of `attempt_minutes`' key.
    public func attemptSeries(destination: String, since: Int64, limit: Int) throws -> [SeriesMinute] {
        try read { connection in
            var minutes: [SeriesMinute] = []
            try connection.prepare("""
                SELECT minute, delivered, failed, rejected, latency, latency_max FROM attempt_minutes
                WHERE destination = ? AND minute >= ? ORDER BY minute LIMIT ?
                """)
                .bind(.text(destination), .integer(SeriesMinute.start(of: since)), .integer(Int64(max(0, limit))))
                .forEachRow { row in
                    minutes.append(SeriesMinute(
                        minute: row.integer(0), delivered: Int(row.integer(1)), failed: Int(row.integer(2)), rejected: Int(row.integer(3)),
                        latency: LatencyHistogram(bytes: row.blob(4), maxMillis: row.optionalInteger(5))
                    ))
                }
            return minutes
        }
    }

    public func queueDepthSeries(destination: String, since: Int64, limit: Int) throws -> [QueueDepthSample] {
        try read { connection in
            var samples: [QueueDepthSample] = []
            try connection.prepare("""
                SELECT minute, depth FROM queue_depth_minutes WHERE destination = ? AND minute >= ? ORDER BY minute LIMIT ?
                """)
                .bind(.text(destination), .integer(SeriesMinute.start(of: since)), .integer(Int64(max(0, limit))))
                .forEachRow { samples.append(QueueDepthSample(minute: $0.integer(0), depth: Int($0.integer(1)))) }
            return samples
        }
    }

    /// One pass over the `deliveries_open` index (the backlog only, never the finished deliveries).
    public func queueDepths() throws -> [String: Int] {
        try read { connection in
            var depths: [String: Int] = [:]
            try connection.prepare("SELECT destination, count(*) FROM deliveries WHERE \(StoreSchema.openStateCondition) GROUP BY destination")
                .forEachRow { depths[$0.text(0)] = Int($0.integer(1)) }
            return depths
        }
    }

    public func recordQueueDepths(_ depths: [String: Int], now: Int64, keepSince: Int64, completion: @escaping @Sendable (Result<Void, StoreUnavailable>) -> Void) {
        let minute = SeriesMinute.start(of: now)
        let cutoff = SeriesMinute.start(of: keepSince)
        submit(ResultWrite({ connection in
            let insert = try connection.prepare("INSERT OR REPLACE INTO queue_depth_minutes (destination, minute, depth) VALUES (?, ?, ?)")
            for (destination, depth) in depths.sorted(by: { $0.key < $1.key }) {
                try insert.bind(.text(destination), .integer(minute), .integer(Int64(depth))).run()
            }
            try connection.prepare("DELETE FROM queue_depth_minutes WHERE minute < ?").bind(.integer(cutoff)).run()
            try connection.prepare("DELETE FROM attempt_minutes WHERE minute < ?").bind(.integer(cutoff)).run()
        }, completion: completion))
    }

    /// By id: that event. Otherwise the newest `scanLimit` events of the range (the
    /// `events_received` index), their deliveries through the (event, url) key, newest first.
    public func findEvents(_ query: EventQuery) throws -> EventSearch {
        if let id = query.id {
            return EventSearch(events: try eventRecord(id: id).map { [$0] } ?? [], scanLimitReached: false)
        }
        return try read { connection in
            var conditions = ""
            var values: [SQLiteValue] = [.integer(query.since ?? 0), .integer(query.until ?? Int64.max), .integer(Int64(max(1, query.scanLimit)))]
            if let destination = query.destination {
                conditions += " AND d.destination = ?"
                values.append(.text(destination))
            }
            if let state = query.state {
                conditions += " AND d.state = ?"
                values.append(.text(state))
            }
            let scanned = try connection.prepare("SELECT count(*) FROM (SELECT 1 FROM events WHERE received_at >= ? AND received_at < ? LIMIT ?)")
                .bind(Array(values.prefix(3))).firstRow { Int($0.integer(0)) } ?? 0
            var events: [EventRecord] = []
            var rows: [Int64: Int] = [:]
            let held = claims.all
            try connection.prepare("""
                SELECT e.id, e.event_id, e.source, e.event_type, e.domain, e.received_at,
                       d.destination, d.url, d.state, d.attempts, d.last_status, d.last_error, d.next_attempt_at, d.id
                FROM (SELECT id, event_id, source, event_type, domain, received_at FROM events
                      WHERE received_at >= ? AND received_at < ? ORDER BY received_at DESC, id DESC LIMIT ?) e
                JOIN deliveries d ON d.event = e.id
                WHERE 1\(conditions)
                ORDER BY e.received_at DESC, e.id DESC, d.id
                """)
                .bind(values)
                .forEachRow { row in
                    let key = row.integer(0)
                    let delivery = DeliveryRecord(
                        destination: row.text(6), url: row.text(7), state: row.text(8), attempts: Int(row.integer(9)),
                        lastStatus: row.optionalInteger(10).map(Int.init), lastError: row.optionalText(11),
                        nextAttemptAt: InFlightClaims.shownDueTime(row.optionalInteger(12), id: row.integer(13), held: held)
                    )
                    if let index = rows[key] {
                        events[index].deliveries.append(delivery)
                    } else if events.count < query.limit {
                        rows[key] = events.count
                        events.append(EventRecord(
                            id: row.text(1), source: row.text(2), type: row.text(3), domain: row.optionalText(4), receivedAt: row.integer(5),
                            deliveries: [delivery]
                        ))
                    }
                }
            return EventSearch(events: events, scanLimitReached: scanned >= query.scanLimit)
        }
    }

    /// The event (as `eventRecord`), its body, and its failure records through `failures_event`.
    public func eventDetail(id: String, attemptLimit: Int) throws -> EventDetail? {
        try read { connection in
            let found = try connection.prepare("""
                SELECT id, source, event_type, domain, received_at, content_type, body FROM events WHERE event_id = ? ORDER BY id LIMIT 1
                """)
                .bind(.text(id))
                .firstRow { row in
                    (row.integer(0), EventRecord(id: id, source: row.text(1), type: row.text(2), domain: row.optionalText(3), receivedAt: row.integer(4), deliveries: []),
                     row.text(5), row.blob(6))
                }
            guard let (key, record, contentType, body) = found else { return nil }
            var detail = EventDetail(record: record, contentType: contentType, body: body, deliveryTimes: [], attempts: [], attemptsCut: false)
            let held = claims.all
            try connection.prepare("""
                SELECT destination, url, state, attempts, last_status, last_error, next_attempt_at, created_at, updated_at, id
                FROM deliveries WHERE event = ? ORDER BY id
                """)
                .bind(.integer(key))
                .forEachRow { row in
                    detail.record.deliveries.append(DeliveryRecord(
                        destination: row.text(0), url: row.text(1), state: row.text(2), attempts: Int(row.integer(3)),
                        lastStatus: row.optionalInteger(4).map(Int.init), lastError: row.optionalText(5),
                        nextAttemptAt: InFlightClaims.shownDueTime(row.optionalInteger(6), id: row.integer(9), held: held)
                    ))
                    detail.deliveryTimes.append(DeliveryTimes(created: row.integer(7), updated: row.integer(8)))
                }
            let limit = max(0, attemptLimit)
            try connection.prepare("""
                SELECT time, event_id, event_type, destination, url, attempt, status, error, message, response, next_attempt, replay
                FROM failures WHERE event_id = ? ORDER BY time, id LIMIT ?
                """)
                .bind(.text(id), .integer(Int64(limit) + 1))
                .forEachRow { row in
                    detail.attempts.append(FailureRecord(
                        time: row.integer(0), eventID: row.text(1), eventType: row.text(2), destination: row.text(3), url: row.text(4),
                        attempt: Int(row.integer(5)), status: row.optionalInteger(6).map(Int.init), error: row.text(7),
                        message: row.optionalText(8), response: row.text(9), nextAttempt: row.optionalInteger(10), replay: Int(row.integer(11))
                    ))
                }
            if detail.attempts.count > limit {
                detail.attempts.removeLast(detail.attempts.count - limit)
                detail.attemptsCut = true
            }
            return detail
        }
    }
}
