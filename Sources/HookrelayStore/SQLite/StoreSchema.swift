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
            UNIQUE (event_id, url)
        );
        CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(next_attempt_at) WHERE next_attempt_at IS NOT NULL;
        CREATE INDEX IF NOT EXISTS deliveries_created ON deliveries(created_at);

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
