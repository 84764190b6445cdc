/// One failed attempt from the failure log (SPEC §7).
public struct FailureRecord: Sendable, Equatable {
    /// Unix ms when the attempt ended.
    public var time: Int64
    public var eventID: String
    public var eventType: String
    public var destination: String
    public var url: String
    public var attempt: Int
    /// nil when no HTTP answer came.
    public var status: Int?
    /// `http`, `timeout`, `connect`, `dns`, `tls`, `network`, …
    public var error: String
    /// The transport's message for a transport error.
    public var message: String?
    /// ≤ 1 KiB of the response body.
    public var response: String
    /// Unix ms of the next attempt; nil when the delivery is dead or was rejected.
    public var nextAttempt: Int64?
    /// The delivery's replay count at the time of the attempt.
    public var replay: Int

    public init(
        time: Int64, eventID: String, eventType: String, destination: String, url: String, attempt: Int, status: Int?,
        error: String, message: String?, response: String, nextAttempt: Int64?, replay: Int
    ) {
        self.time = time
        self.eventID = eventID
        self.eventType = eventType
        self.destination = destination
        self.url = url
        self.attempt = attempt
        self.status = status
        self.error = error
        self.message = message
        self.response = response
        self.nextAttempt = nextAttempt
        self.replay = replay
    }
}

/// Which failure records to read.
public struct FailureQuery: Sendable {
    /// Only records at or after this Unix ms.
    public var since: Int64?
    public var destination: String?
    public var limit: Int

    public init(since: Int64? = nil, destination: String? = nil, limit: Int = 100) {
        self.since = since
        self.destination = destination
        self.limit = limit
    }
}

extension EventStore {
    /// Failure records, newest first. Blocking: call it off event loops.
    public func failures(_ query: FailureQuery) throws -> [FailureRecord] {
        try read { connection in
            let (conditions, values) = Self.conditions(query)
            let sql = "SELECT time, event_id, event_type, destination, url, attempt, status, error, message, response, next_attempt, replay"
                + " FROM failures WHERE \(conditions) ORDER BY time DESC, id DESC LIMIT ?"
            var records: [FailureRecord] = []
            try connection.prepare(sql).bind(values).forEachRow { row in
                records.append(FailureRecord(
                    time: row.integer(0), eventID: row.text(1), eventType: row.text(2), destination: row.text(3), url: row.text(4),
                    attempt: Int(row.integer(5)), status: row.optionalInteger(6).map(Int.init), error: row.text(7),
                    message: row.optionalText(8), response: row.text(9), nextAttempt: row.optionalInteger(10), replay: Int(row.integer(11))
                ))
            }
            return records
        }
    }

    /// How many failure records `query` selects, counted without reading them (at most its limit).
    public func failureCount(_ query: FailureQuery) throws -> Int {
        try read { connection in
            let (conditions, values) = Self.conditions(query)
            let sql = "SELECT count(*) FROM (SELECT 1 FROM failures WHERE \(conditions) LIMIT ?)"
            return Int(try connection.prepare(sql).bind(values).firstRow { $0.integer(0) } ?? 0)
        }
    }

    /// The WHERE terms of `query` and their values, the limit's last.
    private static func conditions(_ query: FailureQuery) -> (String, [SQLiteValue]) {
        var conditions = "time >= ?"
        var values: [SQLiteValue] = [.integer(query.since ?? 0)]
        if let destination = query.destination {
            conditions += " AND destination = ?"
            values.append(.text(destination))
        }
        values.append(.integer(Int64(max(0, query.limit))))
        return (conditions, values)
    }
}
