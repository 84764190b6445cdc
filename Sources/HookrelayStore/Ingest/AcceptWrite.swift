/// The write that takes one event: replay check on the token, event row, one pending
/// delivery per URL that does not have the event yet.
///
/// `@unchecked Sendable`: `outcome` is written and read only on the writer thread
/// (in `perform`, then in `finish`).
final class AcceptWrite: GroupedWrite, @unchecked Sendable {
    private let request: AcceptRequest
    private let statements: AcceptStatements
    private let completion: @Sendable (Result<AcceptOutcome, StoreUnavailable>) -> Void
    private var outcome: AcceptOutcome = .duplicate

    init(_ request: AcceptRequest, statements: AcceptStatements, completion: @escaping @Sendable (Result<AcceptOutcome, StoreUnavailable>) -> Void) {
        self.request = request
        self.statements = statements
        self.completion = completion
    }

    func perform(on connection: SQLiteConnection) throws {
        let event = request.event
        if let token = event.token {
            let seen = try statements.findToken.bind(.text(request.source), .text(token)).firstRow { $0.text(0) }
            if let seen {
                outcome = seen == event.id ? .duplicate : .tokenReplayed(originalEventID: seen)
                return
            }
            try statements.insertToken.bind(.text(request.source), .text(token), .text(event.id), .integer(request.tokenExpiresAt)).run()
        }
        try statements.insertEvent.bind(
            .text(event.id), .text(request.source), .text(event.type), .optionalText(event.domain),
            .text(event.contentType), .blob(request.body), .integer(request.receivedAt)
        ).run()
        var inserted = 0
        var claimed: [ClaimedTarget] = []
        for target in request.destinations {
            if target.claimNow {
                try statements.insertClaimedDelivery.bind(
                    .text(event.id), .text(target.destination), .text(target.url), .integer(request.receivedAt), .integer(request.receivedAt)
                ).run()
                if connection.changes == 1 {
                    claimed.append(ClaimedTarget(destination: target.destination, url: target.url, deliveryID: connection.lastInsertRowID))
                    inserted += 1
                }
            } else {
                try statements.insertDelivery.bind(
                    .text(event.id), .text(target.destination), .text(target.url),
                    .integer(request.receivedAt), .integer(request.receivedAt), .integer(request.receivedAt)
                ).run()
                inserted += connection.changes
            }
        }
        outcome = inserted > 0 ? .accepted(newDeliveries: inserted, claimed: claimed) : .duplicate
    }

    func finish(failure: StoreUnavailable?) {
        if let failure {
            completion(.failure(failure))
        } else {
            completion(.success(outcome))
        }
    }
}

/// The prepared statements of the accept path, prepared once on the writer's connection.
///
/// `@unchecked Sendable`: used only on the writer thread.
final class AcceptStatements: @unchecked Sendable {
    let findToken: SQLiteStatement
    let insertToken: SQLiteStatement
    let insertEvent: SQLiteStatement
    let insertDelivery: SQLiteStatement
    let insertClaimedDelivery: SQLiteStatement

    init(_ connection: SQLiteConnection) throws(SQLiteError) {
        findToken = try connection.prepare("SELECT event_id FROM tokens WHERE source = ? AND token = ?")
        insertToken = try connection.prepare("INSERT INTO tokens (source, token, event_id, expires_at) VALUES (?, ?, ?, ?)")
        // The first arrival of an event keeps its body; a later one only adds deliveries.
        insertEvent = try connection.prepare("""
            INSERT INTO events (event_id, source, event_type, domain, content_type, body, received_at)
            VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING
            """)
        insertDelivery = try connection.prepare("""
            INSERT INTO deliveries (event_id, destination, url, state, attempts, next_attempt_at, created_at, updated_at)
            VALUES (?, ?, ?, 'pending', 0, ?, ?, ?) ON CONFLICT (event_id, url) DO NOTHING
            """)
        insertClaimedDelivery = try connection.prepare("""
            INSERT INTO deliveries (event_id, destination, url, state, attempts, next_attempt_at, created_at, updated_at, claimed)
            VALUES (?, ?, ?, 'pending', 0, NULL, ?, ?, 1) ON CONFLICT (event_id, url) DO NOTHING
            """)
    }
}
