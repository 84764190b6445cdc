import CSQLite
import HookrelayCore

/// Takes one event inside the writer's transaction: replay check on the token, the event row,
/// one pending delivery per URL that does not have the event yet (for an event arriving again
/// under a new token: the same request again is a duplicate, whatever it routes to now).
///
/// An event no route wants (no destinations) is not stored, but still goes through the token
/// rule (a token replayed with another event is `tokenReplayed`, whatever its type) and is
/// `duplicate` if it was accepted before (its route since removed); otherwise `noRoute`.
enum AcceptWrite {
    static func perform(_ request: AcceptRequest, statements: AcceptStatements, on connection: SQLiteConnection) throws -> AcceptOutcome {
        let event = request.event
        var tokenSeen = false
        if let token = event.token {
            // A token is the sender's, whichever source took it (SPEC §2).
            switch try statements.use(ofToken: token, eventID: event.id, now: request.receivedAt) {
            case .otherEvent(let seen):
                return .tokenReplayed(originalEventID: seen)
            case .sameEvent(let source) where source != request.source:
                // The same request on another path: forward nothing (this path's routes may
                // differ, and the content is not signed).
                return .duplicate
            case .sameEvent:
                // Seen with the same event on this source: carry on, and the inserts below say
                // whether it is a duplicate (the token may come from a 406, the event not stored then).
                tokenSeen = true
            case .unseen:
                try statements.insertToken.bind(.text(request.source), .text(token), .text(event.id), .integer(request.tokenExpiresAt)).run()
                statements.tokenIndex.insert(
                    source: request.source, token: token, rowID: connection.lastInsertRowID, now: request.receivedAt, expiresAt: request.tokenExpiresAt
                )
            }
        }
        if request.destinations.isEmpty {
            let accepted = try statements.findEvent.bind(.text(event.id), .text(request.source)).firstRow({ $0.integer(0) }) != nil
            return accepted ? .duplicate : .noRoute
        }
        try statements.insertEvent.bind(
            .text(event.id), .text(request.source), .text(event.type), .optionalText(event.domain),
            .text(event.contentType), .blob(request.body), .integer(request.receivedAt)
        ).run()
        let eventRow: Int64
        let stored = connection.changes == 1
        if stored {
            eventRow = connection.lastInsertRowID
        } else {
            // The same request again (its token already kept with this event): a duplicate that
            // forwards nothing, SPEC §2. Mailgun's signature does not cover the event, so its
            // content may have been changed to reach other routes' URLs.
            if tokenSeen { return .duplicate }
            guard let existing = try statements.findEvent.bind(.text(event.id), .text(request.source)).firstRow({ $0.integer(0) }) else {
                throw SQLiteError(code: SQLITE_ERROR, message: "event \(event.id) neither inserted nor found")
            }
            eventRow = existing
        }
        var inserted = 0
        var claimed: [ClaimedTarget] = []
        for target in request.destinations {
            // An event stored before keeps its first body: a URL it reaches now gets a due
            // delivery that reads the stored body, not a first attempt with this request's.
            if target.claimNow && stored {
                try statements.insertClaimedDelivery.bind(
                    .integer(eventRow), .text(target.destination), .text(target.url), .integer(request.receivedAt), .integer(request.receivedAt)
                ).run()
                if connection.changes == 1 {
                    claimed.append(ClaimedTarget(destination: target.destination, url: target.url, deliveryID: connection.lastInsertRowID))
                    inserted += 1
                }
            } else {
                try statements.insertDelivery.bind(
                    .integer(eventRow), .text(target.destination), .text(target.url),
                    .integer(request.receivedAt), .integer(request.receivedAt), .integer(request.receivedAt)
                ).run()
                inserted += connection.changes
            }
        }
        return inserted > 0 ? .accepted(newDeliveries: inserted, claimed: claimed) : .duplicate
    }
}

/// What the kept tokens say of a token arriving with an event.
enum TokenUse {
    /// Not kept (or expired).
    case unseen
    /// Kept with this event, first taken by `source`.
    case sameEvent(source: String)
    /// Kept with another event (this id): a replay.
    case otherEvent(String)
}

/// The prepared statements of the accept path, prepared once on the writer's connection, and
/// the index of the tokens table (`TokenIndex`), loaded at the first accept.
///
/// `@unchecked Sendable`: used only on the writer thread.
final class AcceptStatements: @unchecked Sendable {
    let tokenRow: SQLiteStatement
    let insertToken: SQLiteStatement
    let unexpiredTokens: SQLiteStatement
    let insertEvent: SQLiteStatement
    let findEvent: SQLiteStatement
    let insertDelivery: SQLiteStatement
    let insertClaimedDelivery: SQLiteStatement
    var tokenIndex = TokenIndex()
    private var tokenIndexLoaded = false

    init(_ connection: SQLiteConnection) throws(SQLiteError) {
        tokenRow = try connection.prepare("SELECT source, token, event_id, expires_at FROM tokens WHERE id = ?")
        // Appended in arrival order: the index finds them (no tree keyed by the random token).
        insertToken = try connection.prepare("INSERT INTO tokens (source, token, event_id, expires_at) VALUES (?, ?, ?, ?)")
        unexpiredTokens = try connection.prepare("SELECT id, source, token, expires_at FROM tokens WHERE expires_at >= ? ORDER BY id")
        // The first arrival of an event keeps its body; a later one only adds deliveries.
        insertEvent = try connection.prepare("""
            INSERT INTO events (event_id, source, event_type, domain, content_type, body, received_at)
            VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id, source) DO NOTHING
            """)
        findEvent = try connection.prepare("SELECT id FROM events WHERE event_id = ? AND source = ?")
        insertDelivery = try connection.prepare("""
            INSERT INTO deliveries (event, destination, url, state, attempts, next_attempt_at, created_at, updated_at)
            VALUES (?, ?, ?, 'pending', 0, ?, ?, ?) ON CONFLICT (event, url) DO NOTHING
            """)
        insertClaimedDelivery = try connection.prepare("""
            INSERT INTO deliveries (event, destination, url, state, attempts, next_attempt_at, created_at, updated_at, claimed)
            VALUES (?, ?, ?, 'pending', 0, NULL, ?, ?, 1) ON CONFLICT (event, url) DO NOTHING
            """)
    }

    /// What the kept, unexpired rows say of `token` (taken by any source) arriving with
    /// `eventID`. Each row the index offers is read and compared: the index only narrows the
    /// search. A row with the same event wins over one with another (two sources could each
    /// keep the token from before tokens were global, store schema 4).
    func use(ofToken token: String, eventID: String, now: Int64) throws -> TokenUse {
        if !tokenIndexLoaded { try loadTokenIndex(now: now) }
        tokenIndex.dropExpired(now: now)
        var otherEvent: String?
        let sameEventSource: String? = try tokenIndex.firstMatch(token: token) { rowID in
            // Expired rows do not count, as after a restart (only unexpired ones are loaded).
            try tokenRow.bind(.integer(rowID)).firstRow { row -> String? in
                guard row.text(1) == token && row.integer(3) >= now else { return nil }
                if row.text(2) == eventID { return row.text(0) }
                if otherEvent == nil { otherEvent = row.text(2) }
                return nil
            } ?? nil
        }
        if let sameEventSource { return .sameEvent(source: sameEventSource) }
        if let otherEvent { return .otherEvent(otherEvent) }
        return .unseen
    }

    /// Indexes the unexpired tokens of the table (what earlier processes accepted).
    private func loadTokenIndex(now: Int64) throws {
        tokenIndex.removeAll()
        try unexpiredTokens.bind(.integer(now)).forEachRow { row in
            tokenIndex.insert(source: row.text(1), token: row.text(2), rowID: row.integer(0), now: now, expiresAt: row.integer(3))
        }
        tokenIndexLoaded = true
    }
}
