/// The store's tables, created or upgraded when the store opens.
///
/// Times are Unix milliseconds. `user_version` records the schema version so a later
/// release can migrate an existing data directory in place.
enum StoreSchema {
    static let version = 1

    /// Durability settings: WAL, and an fsync of the WAL on every commit (`synchronous = FULL`).
    static let pragmas = """
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = FULL;
        PRAGMA foreign_keys = OFF;
        PRAGMA temp_store = MEMORY;
        PRAGMA wal_autocheckpoint = 4096;
        PRAGMA cache_size = -8192;
        """

    static let version1 = """
        CREATE TABLE IF NOT EXISTS events (
            event_id     TEXT PRIMARY KEY,
            source       TEXT NOT NULL,
            event_type   TEXT NOT NULL,
            domain       TEXT,
            content_type TEXT NOT NULL,
            body         BLOB NOT NULL,
            received_at  INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS events_received ON events(received_at);

        CREATE TABLE IF NOT EXISTS deliveries (
            id              INTEGER PRIMARY KEY,
            event_id        TEXT NOT NULL,
            destination     TEXT NOT NULL,
            url             TEXT NOT NULL,
            state           TEXT NOT NULL,
            attempts        INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER,
            last_status     INTEGER,
            last_error      TEXT,
            created_at      INTEGER NOT NULL,
            updated_at      INTEGER NOT NULL,
            claimed         INTEGER NOT NULL DEFAULT 0,
            replays         INTEGER NOT NULL DEFAULT 0,
            UNIQUE (event_id, url)
        );
        -- Due work per destination; a claimed (in-flight) or finished delivery has no next_attempt_at.
        CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(destination, next_attempt_at) WHERE next_attempt_at IS NOT NULL;
        CREATE INDEX IF NOT EXISTS deliveries_claimed ON deliveries(claimed) WHERE claimed = 1;
        CREATE INDEX IF NOT EXISTS deliveries_open ON deliveries(created_at) WHERE state IN ('pending', 'retrying');
        CREATE INDEX IF NOT EXISTS deliveries_destination_state ON deliveries(destination, state, updated_at);

        -- One row per failed attempt (SPEC §7).
        CREATE TABLE IF NOT EXISTS failures (
            id           INTEGER PRIMARY KEY,
            time         INTEGER NOT NULL,
            event_id     TEXT NOT NULL,
            event_type   TEXT NOT NULL,
            destination  TEXT NOT NULL,
            url          TEXT NOT NULL,
            attempt      INTEGER NOT NULL,
            status       INTEGER,
            error        TEXT NOT NULL,
            message      TEXT,
            response     TEXT NOT NULL,
            next_attempt INTEGER,
            replay       INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX IF NOT EXISTS failures_time ON failures(time);
        CREATE INDEX IF NOT EXISTS failures_destination_time ON failures(destination, time);

        CREATE TABLE IF NOT EXISTS tokens (
            source     TEXT NOT NULL,
            token      TEXT NOT NULL,
            event_id   TEXT NOT NULL,
            expires_at INTEGER NOT NULL,
            PRIMARY KEY (source, token)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS tokens_expiry ON tokens(expires_at);
        """
}
