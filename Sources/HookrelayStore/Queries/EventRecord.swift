/// An event as kept in the store, with the state of its deliveries (`GET /admin/api/events/{id}`).
public struct EventRecord: Sendable, Equatable {
    public var id: String
    public var source: String
    public var type: String
    public var domain: String?
    /// Unix milliseconds.
    public var receivedAt: Int64
    public var deliveries: [DeliveryRecord]

    public init(id: String, source: String, type: String, domain: String?, receivedAt: Int64, deliveries: [DeliveryRecord]) {
        self.id = id
        self.source = source
        self.type = type
        self.domain = domain
        self.receivedAt = receivedAt
        self.deliveries = deliveries
    }
}

/// One destination URL's delivery of an event.
public struct DeliveryRecord: Sendable, Equatable {
    public var destination: String
    public var url: String
    /// `pending`, `delivered`, `rejected`, `retrying` or `dead`.
    public var state: String
    public var attempts: Int
    public var lastStatus: Int?
    public var lastError: String?
    /// Unix milliseconds of the next attempt; nil when none is planned.
    public var nextAttemptAt: Int64?

    public init(destination: String, url: String, state: String, attempts: Int, lastStatus: Int?, lastError: String?, nextAttemptAt: Int64?) {
        self.destination = destination
        self.url = url
        self.state = state
        self.attempts = attempts
        self.lastStatus = lastStatus
        self.lastError = lastError
        self.nextAttemptAt = nextAttemptAt
    }
}

extension EventStore {
    /// The event with this id and its deliveries, or nil. Ids are unique per source; when two
    /// sources used the same id, this is the one received first. Blocking: call it off event loops.
    public func eventRecord(id: String) throws -> EventRecord? {
        try read { connection in
            let found = try connection.prepare("SELECT id, source, event_type, domain, received_at FROM events WHERE event_id = ? ORDER BY id LIMIT 1")
                .bind(.text(id))
                .firstRow { row in
                    (row.integer(0), EventRecord(id: id, source: row.text(1), type: row.text(2), domain: row.optionalText(3), receivedAt: row.integer(4), deliveries: []))
                }
            guard let (row, record) = found else { return nil }
            var event = record
            let held = claims.all
            try connection.prepare("""
                SELECT destination, url, state, attempts, last_status, last_error, next_attempt_at, id
                FROM deliveries WHERE event = ? ORDER BY id
                """)
                .bind(.integer(row))
                .forEachRow { row in
                    event.deliveries.append(DeliveryRecord(
                        destination: row.text(0), url: row.text(1), state: row.text(2), attempts: Int(row.integer(3)),
                        lastStatus: row.optionalInteger(4).map(Int.init), lastError: row.optionalText(5),
                        nextAttemptAt: InFlightClaims.shownDueTime(row.optionalInteger(6), id: row.integer(7), held: held)
                    ))
                }
            return event
        }
    }

    /// Rows in the store, for tests and `hookrelay stats`. Blocking.
    public func counts() throws -> StoreCounts {
        try read { connection in
            let events = try connection.prepare("SELECT count(*) FROM events").firstRow { Int($0.integer(0)) } ?? 0
            var byState: [String: Int] = [:]
            try connection.prepare("SELECT state, count(*) FROM deliveries GROUP BY state").forEachRow { row in
                byState[row.text(0)] = Int(row.integer(1))
            }
            return StoreCounts(events: events, deliveriesByState: byState)
        }
    }
}

/// How many events and deliveries (by state) the store holds.
public struct StoreCounts: Sendable, Equatable {
    public var events: Int
    public var deliveriesByState: [String: Int]
    public var deliveries: Int { deliveriesByState.values.reduce(0, +) }

    public init(events: Int, deliveriesByState: [String: Int]) {
        self.events = events
        self.deliveriesByState = deliveriesByState
    }
}
