/// The tables of the shared store (SPEC §10), created or upgraded by the first node that
/// starts, under an advisory lock so two nodes starting at once on an empty database do it once.
///
/// Times are Unix milliseconds, as in the SQLite store. A delivery's `due_at` is when it may be
/// claimed next: its next attempt, or — while a node holds it (`claimed_by`) — the end of that
/// node's lease, after which any node may claim it again. Finished deliveries have none.
enum PostgresSchema {
    /// The version this binary writes; a database with a higher one is refused. The server-side
    /// functions (`AcceptSQL.function`, `RateSQL.function`) are installed with the schema: a
    /// change to one is a new version, so every node of a version runs the same SQL.
    ///
    /// Version 2: the operator's views (`ViewSQL`: attempt minutes, queue depth samples, the
    /// failure log by event) and the paused destinations (`PauseSQL`).
    static let version = 2

    /// Key of the advisory lock held while the schema is created or upgraded ('hookrelay').
    static let migrationLock: Int64 = 0x686F_6F6B_7265_6C61

    /// The version table, created first (under the lock).
    static let versionTable = "CREATE TABLE IF NOT EXISTS hookrelay_schema (version integer NOT NULL)"

    /// Everything a new database gets (version 1).
    static let tables = """
        CREATE TABLE events (
            id           bigserial PRIMARY KEY,
            event_id     text NOT NULL,
            source       text NOT NULL,
            event_type   text NOT NULL,
            domain       text,
            content_type text NOT NULL,
            body         bytea NOT NULL,
            received_at  bigint NOT NULL,
            UNIQUE (event_id, source)
        );
        CREATE INDEX events_received ON events (received_at);

        CREATE TABLE deliveries (
            id          bigserial PRIMARY KEY,
            event       bigint NOT NULL,
            destination text NOT NULL,
            url         text NOT NULL,
            state       text NOT NULL,
            attempts    integer NOT NULL DEFAULT 0,
            due_at      bigint,
            claimed_by  text,
            last_status integer,
            last_error  text,
            created_at  bigint NOT NULL,
            updated_at  bigint NOT NULL,
            replays     integer NOT NULL DEFAULT 0,
            UNIQUE (event, url)
        );
        CREATE INDEX deliveries_due ON deliveries (destination, due_at) WHERE due_at IS NOT NULL;
        CREATE INDEX deliveries_claimed ON deliveries (claimed_by) WHERE claimed_by IS NOT NULL;
        CREATE INDEX deliveries_open ON deliveries (destination, state, created_at)
            WHERE state = 'pending' OR state = 'retrying';
        CREATE INDEX deliveries_finished ON deliveries (destination, state, updated_at)
            WHERE state = 'delivered' OR state = 'rejected' OR state = 'dead';

        CREATE TABLE failures (
            id           bigserial PRIMARY KEY,
            time         bigint NOT NULL,
            event_id     text NOT NULL,
            event_type   text NOT NULL,
            destination  text NOT NULL,
            url          text NOT NULL,
            attempt      integer NOT NULL,
            status       integer,
            error        text NOT NULL,
            message      text,
            response     text NOT NULL,
            next_attempt bigint,
            replay       integer NOT NULL DEFAULT 0
        );
        CREATE INDEX failures_time ON failures (time);
        CREATE INDEX failures_destination_time ON failures (destination, time);

        -- The token rule across nodes (SPEC §2): one row per token, taken over once expired.
        CREATE TABLE tokens (
            token      text PRIMARY KEY,
            source     text NOT NULL,
            event_id   text NOT NULL,
            expires_at bigint NOT NULL
        );
        CREATE INDEX tokens_expiry ON tokens (expires_at);

        -- A destination's cluster-wide `rate` (SPEC §10): a token bucket per destination.
        CREATE TABLE rate_buckets (
            destination text PRIMARY KEY,
            tokens      double precision NOT NULL,
            updated_at  bigint NOT NULL
        );
        """

    /// What version 1 gains to become version 2 (a new database gets it after `tables`).
    static let version2Tables = """
        -- One row per destination and minute with attempts (SPEC §12): counts by outcome, the
        -- LatencyHistogram's bucket counts (added element-wise by each outcome batch) and the
        -- slowest attempt of the minute.
        CREATE TABLE attempt_minutes (
            destination text NOT NULL,
            minute      bigint NOT NULL,
            delivered   bigint NOT NULL,
            failed      bigint NOT NULL,
            rejected    bigint NOT NULL,
            latency     bigint[] NOT NULL,
            latency_max bigint,
            PRIMARY KEY (destination, minute)
        );
        -- One queue depth sample per destination and minute (the whole cluster's backlog).
        CREATE TABLE queue_depth_minutes (
            destination text NOT NULL,
            minute      bigint NOT NULL,
            depth       bigint NOT NULL,
            PRIMARY KEY (destination, minute)
        );
        -- The failure log by event, for an event's attempt timeline.
        CREATE INDEX failures_event ON failures (event_id, time);

        -- Destinations an operator paused: a row while paused, deleted on resume.
        CREATE TABLE paused_destinations (
            destination text PRIMARY KEY,
            paused_at   bigint NOT NULL
        );
        """

    /// Creates or upgrades the schema. `allowUpgrade` false (the operator's commands): a
    /// database without the schema, or with an older one, is refused rather than changed.
    static func migrate(_ connection: PGConnection, allowUpgrade: Bool) throws {
        try connection.execute("SELECT pg_advisory_lock(\(migrationLock))")
        defer { try? connection.execute("SELECT pg_advisory_unlock(\(migrationLock))") }
        try connection.execute(versionTable)
        let found = try connection.query("SELECT max(version) FROM hookrelay_schema")
        let current = found.optionalInt(0, 0).map(Int.init) ?? 0
        if current == version { return }
        if current > version {
            throw PostgresError(message: "the PostgreSQL store has schema version \(current), newer than this hookrelay (\(version)); upgrade hookrelay on this node")
        }
        if !allowUpgrade {
            throw PostgresError(message: current == 0
                ? "the PostgreSQL database has no hookrelay schema yet (start `hookrelay serve` once to create it)"
                : "the PostgreSQL store has schema version \(current); start `hookrelay serve` of this release once to upgrade it")
        }
        try connection.execute("BEGIN")
        do {
            if current < 1 { try connection.execute(tables) }
            if current < 2 { try connection.execute(version2Tables) }
            try connection.execute(AcceptSQL.function)
            try connection.execute(RateSQL.function)
            try connection.execute("DELETE FROM hookrelay_schema; INSERT INTO hookrelay_schema (version) VALUES (\(version)); COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }
}
