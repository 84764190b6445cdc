/// What `hookrelay migrate` copies out of a SQLite store into a shared one (SPEC §10, moving
/// up): the events the dedup window still covers or that still have work, with every delivery
/// of each (finished ones keep the dedup by URL), the unexpired tokens, the failure log.
public enum StoreTransfer {
    /// One event and its deliveries.
    public struct Event: Sendable {
        public var eventID: String
        public var source: String
        public var type: String
        public var domain: String?
        public var contentType: String
        public var body: [UInt8]
        public var receivedAt: Int64
        public var deliveries: [Delivery]
    }

    /// One delivery as stored; a delivery in flight at the last stop comes out due (`nextAttemptAt`).
    public struct Delivery: Sendable {
        public var destination: String
        public var url: String
        public var state: String
        public var attempts: Int
        public var nextAttemptAt: Int64?
        public var lastStatus: Int?
        public var lastError: String?
        public var createdAt: Int64
        public var updatedAt: Int64
        public var replays: Int
    }

    /// A kept Mailgun token.
    public struct Token: Sendable {
        public var source: String
        public var token: String
        public var eventID: String
        public var expiresAt: Int64
    }
}

extension EventStore {
    /// Reads what `StoreTransfer` describes, handing each item to the callbacks (in the order
    /// events, tokens, failures; nothing is held in memory but one event's rows). Blocking.
    /// `now`: what "in flight" deliveries are made due at, and the end of the dedup window.
    public func transfer(
        now: Int64, dedupWindow: Duration,
        events: (StoreTransfer.Event) throws -> Void,
        tokens: (StoreTransfer.Token) throws -> Void,
        failures: (FailureRecord) throws -> Void
    ) throws {
        try read { connection in
            let deliveries = try connection.prepare("""
                SELECT destination, url, state, attempts, next_attempt_at, last_status, last_error, created_at, updated_at, replays, claimed
                FROM deliveries WHERE event = ? ORDER BY id
                """)
            let cutoff = now - dedupWindow.milliseconds
            // Inside the window, or with work left (an old retry keeps its event).
            try connection.prepare("""
                SELECT id, event_id, source, event_type, domain, content_type, body, received_at FROM events e
                WHERE received_at >= ? OR EXISTS (SELECT 1 FROM deliveries d WHERE d.event = e.id AND \(StoreSchema.openStateCondition))
                ORDER BY id
                """).bind(.integer(cutoff)).forEachRow { row in
                var event = StoreTransfer.Event(
                    eventID: row.text(1), source: row.text(2), type: row.text(3), domain: row.optionalText(4),
                    contentType: row.text(5), body: row.blob(6), receivedAt: row.integer(7), deliveries: []
                )
                try deliveries.bind(.integer(row.integer(0))).forEachRow { delivery in
                    let inFlight = delivery.integer(10) == 1
                    event.deliveries.append(StoreTransfer.Delivery(
                        destination: delivery.text(0), url: delivery.text(1), state: delivery.text(2), attempts: Int(delivery.integer(3)),
                        nextAttemptAt: inFlight ? now : delivery.optionalInteger(4), lastStatus: delivery.optionalInteger(5).map(Int.init),
                        lastError: delivery.optionalText(6), createdAt: delivery.integer(7), updatedAt: delivery.integer(8),
                        replays: Int(delivery.integer(9))
                    ))
                }
                try events(event)
            }
            try connection.prepare("SELECT source, token, event_id, expires_at FROM tokens WHERE expires_at >= ? ORDER BY id")
                .bind(.integer(now)).forEachRow { row in
                    try tokens(StoreTransfer.Token(source: row.text(0), token: row.text(1), eventID: row.text(2), expiresAt: row.integer(3)))
                }
        }
        for record in try self.failures(FailureQuery(since: 0, limit: Int.max)).reversed() {
            try failures(record)
        }
    }
}
