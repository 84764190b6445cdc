public import HookrelayStore

/// `hookrelay migrate`: what a SQLite store hands over (`StoreTransfer`) written into an empty
/// PostgreSQL store, in one transaction — all of it or nothing.
enum ImportSQL {
    static let anyEvent = "SELECT EXISTS (SELECT 1 FROM events)"
    static let insertEvent = """
        INSERT INTO events (event_id, source, event_type, domain, content_type, body, received_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id
        """
    static let insertDelivery = """
        INSERT INTO deliveries (event, destination, url, state, attempts, due_at, last_status, last_error, created_at, updated_at, replays)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (event, url) DO NOTHING
        """
    static let insertToken = """
        INSERT INTO tokens (token, source, event_id, expires_at) VALUES ($1, $2, $3, $4)
        ON CONFLICT (token) DO UPDATE SET source = EXCLUDED.source, event_id = EXCLUDED.event_id, expires_at = EXCLUDED.expires_at
            WHERE tokens.expires_at < EXCLUDED.expires_at
        """
    static let insertPaused = "INSERT INTO paused_destinations (destination, paused_at) VALUES ($1, $2) ON CONFLICT (destination) DO NOTHING"
}

/// How much `PostgresStore.importing` wrote.
public struct ImportCounts: Sendable, Equatable {
    public var events = 0
    public var deliveries = 0
    /// Deliveries still to make (pending or retrying).
    public var openDeliveries = 0
    public var tokens = 0
    public var failures = 0
    /// Destinations paused in the SQLite store, paused in the shared one too.
    public var paused = 0
}

/// Writes a transfer's items, inside `PostgresStore.importing`'s transaction.
public final class PostgresImport {
    private let connection: PGConnection
    public private(set) var counts = ImportCounts()

    init(connection: PGConnection) {
        self.connection = connection
    }

    public func add(_ event: StoreTransfer.Event) throws {
        let row = try connection.query(ImportSQL.insertEvent, [
            .text(event.eventID), .text(event.source), .text(event.type), .optionalText(event.domain), .text(event.contentType),
            .bytes(event.body), .int(event.receivedAt),
        ]).int(0, 0)
        counts.events += 1
        for delivery in event.deliveries {
            let finished = ["delivered", "rejected", "dead"].contains(delivery.state)
            try connection.query(ImportSQL.insertDelivery, [
                .int(row), .text(delivery.destination), .text(delivery.url), .text(delivery.state), .int(Int64(delivery.attempts)),
                .optionalInt(finished ? nil : delivery.nextAttemptAt), .optionalInt(delivery.lastStatus.map(Int64.init)),
                .optionalText(delivery.lastError), .int(delivery.createdAt), .int(delivery.updatedAt), .int(Int64(delivery.replays)),
            ])
            counts.deliveries += 1
            if !finished { counts.openDeliveries += 1 }
        }
    }

    public func add(_ token: StoreTransfer.Token) throws {
        try connection.query(ImportSQL.insertToken, [.text(token.token), .text(token.source), .text(token.eventID), .int(token.expiresAt)])
        counts.tokens += 1
    }

    public func add(_ failure: FailureRecord) throws {
        try connection.query(DeliverySQL.insertFailure, [
            .int(failure.time), .text(failure.eventID), .text(failure.eventType), .text(failure.destination), .text(failure.url),
            .int(Int64(failure.attempt)), .optionalInt(failure.status.map(Int64.init)), .text(failure.error),
            .optionalText(failure.message), .text(failure.response), .optionalInt(failure.nextAttempt), .int(Int64(failure.replay)),
        ])
        counts.failures += 1
    }

    /// A destination paused in the SQLite store: it stays paused (SPEC §12) on every node.
    public func addPaused(_ destination: String, at time: Int64) throws {
        try connection.query(ImportSQL.insertPaused, [.text(destination), .int(time)])
        counts.paused += 1
    }
}

extension PostgresStore {
    /// Runs `body` with an importer in one transaction on a connection of its own; refuses a
    /// store that already holds events (migrate copies into an empty one, so nothing is doubled).
    public func importing(_ body: (PostgresImport) throws -> Void) throws -> ImportCounts {
        let connection = try PGConnection(url: url)
        return try connection.transaction {
            if try connection.query(ImportSQL.anyEvent).bool(0, 0) {
                throw PostgresError(message: "\(location) already holds events: migrate copies a SQLite store into an empty PostgreSQL store")
            }
            let importer = PostgresImport(connection: connection)
            try body(importer)
            try connection.query(DeliverySQL.notifyDue)
            return importer.counts
        }
    }
}
