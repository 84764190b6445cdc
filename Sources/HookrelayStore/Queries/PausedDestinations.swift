/// Pause and resume (SPEC §12) on SQLite: a row of `paused_destinations` per paused destination.
extension EventStore {
    /// Pauses or resumes `destination` through the writer; answers whether a row was added or
    /// removed (false: it already was paused, or was not).
    public func setPaused(_ destination: String, paused: Bool, now: Int64, completion: @escaping @Sendable (Result<Bool, StoreUnavailable>) -> Void) {
        submit(ResultWrite({ connection in
            if paused {
                try connection.prepare("INSERT OR IGNORE INTO paused_destinations (destination, paused_at) VALUES (?, ?)")
                    .bind(.text(destination), .integer(now)).run()
            } else {
                try connection.prepare("DELETE FROM paused_destinations WHERE destination = ?").bind(.text(destination)).run()
            }
            return connection.changes > 0
        }, completion: completion))
    }

    /// The paused destinations' names. Blocking.
    public func pausedDestinations() throws -> Set<String> {
        try read { connection in
            var names: Set<String> = []
            try connection.prepare("SELECT destination FROM paused_destinations").forEachRow { names.insert($0.text(0)) }
            return names
        }
    }
}
