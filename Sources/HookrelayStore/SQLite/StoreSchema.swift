/// The store's tables, created or upgraded when the store opens.
///
/// Times are Unix milliseconds. `user_version` records the schema version so a later
/// release can migrate an existing data directory in place.
enum StoreSchema {
    static let version = 5

    /// States of a finished delivery (in `deliveries_finished`; the others are in `deliveries_open`).
    static let finishedStates: Set<String> = ["delivered", "rejected", "dead"]
    /// Both groups of states as the conditions the partial indexes are declared with: a query
    /// must repeat one as a term of its WHERE (or name one state with a literal) for SQLite to
    /// use the index. ORs, not `state IN (...)`: SQLite checks each partial index's condition
    /// for every row an INSERT or UPDATE writes, and builds a temporary table for an IN list of
    /// three each time (version 2 did: ~13 µs more per event, `bench/store_loop.sh`).
    static let openStateCondition = "(state = 'pending' OR state = 'retrying')"
    static let finishedStateCondition = "(state = 'delivered' OR state = 'rejected' OR state = 'dead')"

    /// Durability settings: WAL, and an fsync of the WAL on every commit (`synchronous = FULL`).
    /// Checkpoints are run by `WALCheckpointer`, not inside commits.
    static let pragmas = """
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = FULL;
        PRAGMA foreign_keys = OFF;
        PRAGMA temp_store = MEMORY;
        PRAGMA cache_size = -8192;
        """

    /// The tables, laid out for the write path (version 2; version 3 changed `stateIndexes`,
    /// version 4 `tokensTable`): every tree an accept or an outcome touches grows at its right
    /// edge except the one keyed by random text, `events(event_id, source)`, whose entries are
    /// small (the tokens, keyed by theirs up to version 3, are now appended). The body
    /// lives in a row appended by rowid, deliveries point at it by that rowid, and a delivery is
    /// in the open or the finished index, never both.
    /// (Version 1 dirtied ~2.5 times as many pages per event: its random trees held the body.)
    /// Events are unique per source, not globally (version 1 let two sources' ids collide).
    static let tables = """
        CREATE TABLE IF NOT EXISTS events (
            id           INTEGER PRIMARY KEY,
            event_id     TEXT NOT NULL,
            source       TEXT NOT NULL,
            event_type   TEXT NOT NULL,
            domain       TEXT,
            content_type TEXT NOT NULL,
            body         BLOB NOT NULL,
            received_at  INTEGER NOT NULL,
            -- Ids are the sender's: two sources may use the same one for different events.
            UNIQUE (event_id, source)
        );
        CREATE INDEX IF NOT EXISTS events_received ON events(received_at);

        CREATE TABLE IF NOT EXISTS deliveries (
            id              INTEGER PRIMARY KEY,
            event           INTEGER NOT NULL,  -- events.id
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
            UNIQUE (event, url)
        );
        -- Due work per destination; a claimed (in flight) or finished delivery has no next_attempt_at.
        CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(destination, next_attempt_at) WHERE next_attempt_at IS NOT NULL;
        -- The state indexes follow (`stateIndexes`).

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

        \(tokensTable)

        \(pausedTable)
        """

    /// Destinations an operator paused (version 5, SPEC §12): a row while paused, deleted on
    /// resume. Read by the running relay at most once a second; written by the admin API and
    /// `hookrelay pause|resume`.
    static let pausedTable = """
        CREATE TABLE IF NOT EXISTS paused_destinations (
            destination TEXT PRIMARY KEY,
            paused_at   INTEGER NOT NULL
        ) WITHOUT ROWID;
        """

    /// Tokens in arrival order (version 4), each with the source that took it first (the token
    /// rule itself is global, SPEC §2): found through the writer's in-memory `TokenIndex`,
    /// not a tree keyed by the random token, which cost a dirty page per event. Not unique: a
    /// token accepted again after its row expired is a new row.
    static let tokensTable = """
        CREATE TABLE IF NOT EXISTS tokens (
            id         INTEGER PRIMARY KEY,
            source     TEXT NOT NULL,
            token      TEXT NOT NULL,
            event_id   TEXT NOT NULL,
            expires_at INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS tokens_expiry ON tokens(expires_at);
        """

    /// A delivery is in exactly one of these, by state (conditions as above, spelled out: the
    /// bench's C loop reads this DDL as it is).
    static let stateIndexes = """
        -- Unfinished deliveries (the backlog; claimed ones are found here after a crash).
        CREATE INDEX IF NOT EXISTS deliveries_open ON deliveries(destination, state, claimed, created_at)
            WHERE (state = 'pending' OR state = 'retrying');
        -- Finished deliveries, for the purge and destination-wide replays.
        CREATE INDEX IF NOT EXISTS deliveries_finished ON deliveries(destination, state, updated_at)
            WHERE (state = 'delivered' OR state = 'rejected' OR state = 'dead');
        """

    /// Everything a new store is created with.
    static let current = tables + "\n" + stateIndexes

    /// Version 2 to 3: the state indexes were declared with IN lists.
    static let version3Upgrade = """
        DROP INDEX IF EXISTS deliveries_open;
        DROP INDEX IF EXISTS deliveries_finished;
        \(stateIndexes)
        """

    /// Version 3 to 4: the tokens move from a tree keyed by (source, token) to a table in arrival
    /// order (`tokensTable`). Run after the older upgrades, which leave the old tokens table as it was.
    static let version4Upgrade = """
        ALTER TABLE tokens RENAME TO tokens_v3;
        DROP INDEX IF EXISTS tokens_expiry;
        \(tokensTable)
        INSERT INTO tokens (source, token, event_id, expires_at)
            SELECT source, token, event_id, expires_at FROM tokens_v3 ORDER BY expires_at;
        DROP TABLE tokens_v3;
        """

    /// Version 4 to 5: the paused destinations.
    static let version5Upgrade = pausedTable

    /// Rewrites a version-1 store in place (to the current version), inside the caller's
    /// transaction. Version 1 keyed events by their text id with the body inline, and
    /// deliveries by (event id, URL); its DDL is frozen in StoreUpgradeTests. Events and
    /// deliveries move to the current tables; failures and tokens keep their shape. The old
    /// tables stay until the caller has checked that every delivery was copied
    /// (`version1UpgradeCleanup`).
    static let version1Upgrade = """
        ALTER TABLE events RENAME TO events_v1;
        ALTER TABLE deliveries RENAME TO deliveries_v1;
        DROP INDEX IF EXISTS events_received;
        DROP INDEX IF EXISTS deliveries_due;
        DROP INDEX IF EXISTS deliveries_claimed;
        DROP INDEX IF EXISTS deliveries_open;
        DROP INDEX IF EXISTS deliveries_destination_state;
        \(current)
        INSERT INTO events (event_id, source, event_type, domain, content_type, body, received_at)
            SELECT event_id, source, event_type, domain, content_type, body, received_at FROM events_v1 ORDER BY received_at;
        INSERT INTO deliveries (id, event, destination, url, state, attempts, next_attempt_at, last_status, last_error,
                                created_at, updated_at, claimed, replays)
            SELECT d.id, e.id, d.destination, d.url, d.state, d.attempts, d.next_attempt_at, d.last_status, d.last_error,
                   d.created_at, d.updated_at, d.claimed, d.replays
            FROM deliveries_v1 d JOIN events e ON e.event_id = d.event_id ORDER BY d.id;
        """

    /// After `version1Upgrade`, once every delivery is known to have been copied.
    static let version1UpgradeCleanup = """
        DROP TABLE deliveries_v1;
        DROP TABLE events_v1;
        """
}
