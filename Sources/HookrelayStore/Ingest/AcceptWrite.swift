/// Takes one event inside the writer's transaction: replay check on the token, the event row,
/// one pending delivery per URL that does not have the event yet.
enum AcceptWrite {
    static func perform(_ request: AcceptRequest, statements: AcceptStatements, on connection: SQLiteConnection) throws -> AcceptOutcome {
        let event = request.event
        if let token = event.token {
            let seen = try statements.findToken.bind(.text(request.source), .text(token)).firstRow { $0.text(0) }
            if let seen {
                return seen == event.id ? .duplicate : .tokenReplayed(originalEventID: seen)
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
        return inserted > 0 ? .accepted(newDeliveries: inserted, claimed: claimed) : .duplicate
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
