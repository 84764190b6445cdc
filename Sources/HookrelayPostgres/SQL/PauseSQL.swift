/// Pause and resume (SPEC §12) on the shared tables: a row of `paused_destinations` per paused
/// destination, so a pause made on one node holds on every node (each reads the set at most once
/// a second).
enum PauseSQL {
    static let pause = "INSERT INTO paused_destinations (destination, paused_at) VALUES ($1, $2) ON CONFLICT (destination) DO NOTHING"
    static let resume = "DELETE FROM paused_destinations WHERE destination = $1"
    static let paused = "SELECT destination FROM paused_destinations"

    /// Pauses or resumes `destination`; answers whether a row was added or removed.
    static func setPaused(_ destination: String, paused: Bool, now: Int64, on connection: PGConnection) throws -> Bool {
        let result = paused
            ? try connection.query(pause, [.text(destination), .int(now)])
            : try connection.query(resume, [.text(destination)])
        return result.changes > 0
    }

    static func pausedDestinations(on connection: PGConnection) throws -> Set<String> {
        let rows = try connection.query(paused)
        return Set((0..<rows.rowCount).map { rows.text($0, 0) })
    }
}
