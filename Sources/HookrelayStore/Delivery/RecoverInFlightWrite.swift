import Foundation

/// Makes the deliveries a previous process left claimed (in flight when it died or stopped)
/// due again: at-least-once. Run at open; when the disk is full then, it waits in the writer
/// (`GroupCommitWriter.carry`) and runs with the first batch that can commit, so the relay still
/// starts and answers 503 meanwhile (SPEC §11). Running it twice changes nothing more.
///
/// `@unchecked Sendable`: its statement is used only on the writer's connection, by one thread
/// at a time (the opening thread, then the writer thread).
final class RecoverInFlightWrite: GroupedWrite, @unchecked Sendable {
    private let recover: SQLiteStatement

    init(_ connection: SQLiteConnection) throws(SQLiteError) {
        // Per destination, a seek to its claimed rows in `deliveries_open`: a backlog of
        // millions is not read to find the few that were in flight.
        recover = try connection.prepare("""
            UPDATE deliveries SET claimed = 0, next_attempt_at = ?
            WHERE destination = ? AND \(StoreSchema.openStateCondition) AND claimed = 1
            """)
    }

    /// Makes them due now; returns how many.
    func recover(on connection: SQLiteConnection) throws -> Int {
        let now = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
        var recovered = 0
        for destination in try connection.destinations(withDeliveriesIn: StoreSchema.openStateCondition) {
            try recover.bind(.integer(now), .text(destination)).run()
            recovered += connection.changes
        }
        return recovered
    }

    func perform(on connection: SQLiteConnection) throws {
        _ = try recover(on: connection)
    }

    func finish(failure: StoreUnavailable?) {}
}
