import HookrelayCore

/// `claimDue` on the writer thread: the due ids of a destination not held in flight already,
/// the rows of the first `limit`, and those ids held (`InFlightClaims`) — a read, nothing
/// written, run apart from the commits. An outcome not committed yet keeps its delivery held,
/// so a claim never takes a delivery whose attempt is still being recorded. A claim that fails
/// lets what it took go.
///
/// `@unchecked Sendable`: `taken` is touched only on the writer thread (`perform`, `finish`).
final class ClaimWrite: GroupedWrite, @unchecked Sendable {
    private let destination: String
    private let now: Int64
    private let limit: Int
    private let statements: DeliveryStatements
    private let claims: InFlightClaims
    private let answer: CommittedAnswer<[ClaimedDelivery]>
    private var taken: [Int64] = []

    init(
        destination: String, now: Int64, limit: Int, statements: DeliveryStatements, claims: InFlightClaims,
        completion: @escaping @Sendable (Result<[ClaimedDelivery], StoreUnavailable>) -> Void
    ) {
        self.destination = destination
        self.now = now
        self.limit = limit
        self.statements = statements
        self.claims = claims
        answer = CommittedAnswer(completion)
    }

    /// Nothing is written: the writer runs it at once, outside the commits (`GroupCommitWriter`).
    var readsOnly: Bool { true }

    func perform(on connection: SQLiteConnection) throws {
        // A second run (the batch again, after another write failed) starts from scratch.
        if !taken.isEmpty { claims.remove(taken) }
        taken = []
        let held = claims.ids(of: destination)
        var ids: [Int64] = []
        // Held ones come first in due order; reading past them costs an index entry each.
        try statements.selectDue.bind(.text(destination), .integer(now), .integer(Int64(limit + held.count))).forEachRow { row in
            let id = row.integer(0)
            if ids.count < limit && !held.contains(id) { ids.append(id) }
        }
        var claimed: [ClaimedDelivery] = []
        for id in ids {
            try statements.selectClaim.bind(.integer(id)).forEachRow { row in
                claimed.append(ClaimedDelivery(
                    id: id, eventID: row.text(0), eventType: row.text(1), source: row.text(2), destination: destination,
                    url: row.text(3), attempts: Int(row.integer(4)), replays: Int(row.integer(5)), body: row.blob(6), contentType: row.text(7)
                ))
            }
        }
        taken = claimed.map(\.id)
        claims.insert(taken, destination: destination)
        answer.computed(claimed)
    }

    func finish(failure: StoreUnavailable?) {
        if failure != nil && !taken.isEmpty { claims.remove(taken) }
        answer.finish(failure: failure)
    }
}
