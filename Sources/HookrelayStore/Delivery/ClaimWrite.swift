import HookrelayCore

/// `claimDue` on the writer thread: the due ids of a destination not held in flight already,
/// the rows of the first `limit`, and those ids held (`InFlightClaims`) once the claim is
/// through — a read, nothing written. An outcome not committed yet keeps its delivery held, so
/// a claim never takes a delivery whose attempt is still being recorded. A claim that fails
/// holds nothing.
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

    /// Nothing is written: once accepts stop coming, the writer runs it at once, between commits
    /// (`GroupCommitWriter`); under load it joins a batch like any write.
    var readsOnly: Bool { true }

    func perform(on connection: SQLiteConnection) throws {
        // Held from `finish` on, not here: a batch rolled back and run again (another write of
        // it failed) must not see this claim's first run (a replay in it would skip its ids).
        // Nothing else claims this destination meanwhile: the scheduler has one claim out at a time.
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
        answer.computed(claimed)
    }

    func finish(failure: StoreUnavailable?) {
        // Before the caller hears of them: their attempts, and so their outcomes, come after.
        if failure == nil { claims.insert(taken, destination: destination) }
        answer.finish(failure: failure)
    }
}
