import CSQLite
import Foundation
import HookrelayCore
import HookrelayStore
import HookrelayTestSupport
import Testing

/// A data directory written by a release with store schema version 1 opens in this release:
/// the store is rewritten in place and every event, delivery state, token and failure survives.
@Suite("Store upgrade")
struct StoreUpgradeTests {
    /// The version-1 tables as that release created them (frozen here on purpose: this is the
    /// file an operator upgrades from, not whatever the current code would write).
    static let version1 = """
        CREATE TABLE events (event_id TEXT PRIMARY KEY, source TEXT NOT NULL, event_type TEXT NOT NULL, domain TEXT,
            content_type TEXT NOT NULL, body BLOB NOT NULL, received_at INTEGER NOT NULL) WITHOUT ROWID;
        CREATE INDEX events_received ON events(received_at);
        CREATE TABLE deliveries (id INTEGER PRIMARY KEY, event_id TEXT NOT NULL, destination TEXT NOT NULL, url TEXT NOT NULL,
            state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER, last_status INTEGER, last_error TEXT,
            created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, claimed INTEGER NOT NULL DEFAULT 0,
            replays INTEGER NOT NULL DEFAULT 0, UNIQUE (event_id, url));
        CREATE INDEX deliveries_due ON deliveries(destination, next_attempt_at) WHERE next_attempt_at IS NOT NULL;
        CREATE INDEX deliveries_claimed ON deliveries(claimed) WHERE claimed = 1;
        CREATE INDEX deliveries_open ON deliveries(created_at) WHERE state IN ('pending', 'retrying');
        CREATE INDEX deliveries_destination_state ON deliveries(destination, state, updated_at);
        \(failuresAndTokens)
        PRAGMA user_version = 1;
        """

    /// The failures and tokens tables, the same in versions 1, 2 and 3 (frozen too).
    static let failuresAndTokens = """
        CREATE TABLE failures (id INTEGER PRIMARY KEY, time INTEGER NOT NULL, event_id TEXT NOT NULL, event_type TEXT NOT NULL,
            destination TEXT NOT NULL, url TEXT NOT NULL, attempt INTEGER NOT NULL, status INTEGER, error TEXT NOT NULL, message TEXT,
            response TEXT NOT NULL, next_attempt INTEGER, replay INTEGER NOT NULL DEFAULT 0);
        CREATE INDEX failures_time ON failures(time);
        CREATE INDEX failures_destination_time ON failures(destination, time);
        CREATE TABLE tokens (source TEXT NOT NULL, token TEXT NOT NULL, event_id TEXT NOT NULL, expires_at INTEGER NOT NULL,
            PRIMARY KEY (source, token)) WITHOUT ROWID;
        CREATE INDEX tokens_expiry ON tokens(expires_at);
        """

    /// Two events as version 1 stored them: evt-a delivered to the CRM and retrying to the
    /// partner (one failure logged), evt-b in flight (claimed) when that process stopped.
    static let rows = """
        PRAGMA journal_mode = WAL;
        INSERT INTO events VALUES ('evt-a', 'mailgun', 'delivered', 'mg.example.com', 'application/json', X'7B2261223A317D', 1000);
        INSERT INTO events VALUES ('evt-b', 'mailgun', 'opened', NULL, 'application/json', X'7B7D', 2000);
        INSERT INTO deliveries (id, event_id, destination, url, state, attempts, next_attempt_at, last_status, created_at, updated_at)
            VALUES (7, 'evt-a', 'crm', 'http://127.0.0.1:9/crm', 'delivered', 1, NULL, 200, 1000, 1100);
        INSERT INTO deliveries (id, event_id, destination, url, state, attempts, next_attempt_at, last_status, last_error, created_at, updated_at)
            VALUES (8, 'evt-a', 'partner', 'http://127.0.0.1:9/partner', 'retrying', 1, 5000, 500, 'http', 1000, 1100);
        INSERT INTO deliveries (id, event_id, destination, url, state, attempts, next_attempt_at, created_at, updated_at, claimed)
            VALUES (9, 'evt-b', 'crm', 'http://127.0.0.1:9/crm', 'pending', 0, NULL, 2000, 2000, 1);
        INSERT INTO failures (time, event_id, event_type, destination, url, attempt, status, error, response, next_attempt)
            VALUES (1100, 'evt-a', 'delivered', 'partner', 'http://127.0.0.1:9/partner', 1, 500, 'http', 'oops', 5000);
        INSERT INTO tokens VALUES ('mailgun', 'token-a', 'evt-a', 9999999999999);
        """

    static func execute(_ sql: String, in path: String, expectFailure: Bool = false) throws {
        var db: OpaquePointer?
        SQLiteLibrary.configure()  // before this starts SQLite
        guard sqlite3_open(path, &db) == SQLITE_OK, let db else { throw StoreTestError("cannot open \(path)") }
        defer { sqlite3_close(db) }
        var message: UnsafeMutablePointer<CChar>?
        let ok = sqlite3_exec(db, sql, nil, nil, &message) == SQLITE_OK
        defer { sqlite3_free(message) }
        if ok == expectFailure {
            throw StoreTestError(expectFailure ? "expected \(sql) to fail" : message.map { String(cString: $0) } ?? "sqlite3_exec failed")
        }
    }

    static func userVersion(of path: String) throws -> Int32 {
        var db: OpaquePointer?
        SQLiteLibrary.configure()  // before this starts SQLite
        guard sqlite3_open(path, &db) == SQLITE_OK, let db else { throw StoreTestError("cannot open \(path)") }
        defer { sqlite3_close(db) }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &statement, nil) == SQLITE_OK else { throw StoreTestError("prepare") }
        defer { sqlite3_finalize(statement) }
        guard sqlite3_step(statement) == SQLITE_ROW else { throw StoreTestError("no user_version") }
        return sqlite3_column_int(statement, 0)
    }

    @Test("a version-1 store keeps its events, delivery states, tokens and failures, and its in-flight delivery is due again")
    func upgradeFromVersion1() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/hookrelay.sqlite"
        try Self.execute(Self.version1 + Self.rows, in: path)

        let store = try EventStore(directory: directory.path)
        defer { store.close() }
        #expect(try Self.userVersion(of: path) == 5)
        #expect(store.recoveredInFlight == 1, "evt-b's claimed delivery")

        let a = try #require(try store.eventRecord(id: "evt-a"))
        #expect(a.source == "mailgun" && a.type == "delivered" && a.domain == "mg.example.com" && a.receivedAt == 1000)
        #expect(a.deliveries.map(\.destination) == ["crm", "partner"])
        #expect(a.deliveries.map(\.state) == ["delivered", "retrying"])
        #expect(a.deliveries[1].nextAttemptAt == 5000 && a.deliveries[1].lastStatus == 500)
        #expect(try store.failures(FailureQuery()).map(\.eventID) == ["evt-a"])
        let status = try store.queueStatus()
        #expect(status.depth == 2)
        #expect(status.byDestination["crm"] == ["delivered": 1, "pending": 1])
        #expect(status.byDestination["partner"] == ["retrying": 1])

        // The retry and the recovered delivery are claimable, with their bodies.
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let partner = try await Self.claim(store, destination: "partner", now: now)
        #expect(partner.map(\.id) == [8] && partner.first?.body == Array(#"{"a":1}"#.utf8))
        let crm = try await Self.claim(store, destination: "crm", now: now)
        #expect(crm.map(\.id) == [9] && crm.first?.eventID == "evt-b" && crm.first?.body == Array("{}".utf8))

        // Dedup and the token rule still see what version 1 stored.
        let again = AcceptRequest(
            source: "mailgun", event: ReceivedEvent(id: "evt-a", type: "delivered", token: "token-b", contentType: "application/json"),
            body: Array("{}".utf8), destinations: [DeliveryTarget(destination: "crm", url: "http://127.0.0.1:9/crm")],
            receivedAt: now, tokenExpiresAt: now + 1000
        )
        #expect(try await store.accept(again).get() == .duplicate)
        var replayed = again
        replayed.event = ReceivedEvent(id: "evt-c", type: "delivered", token: "token-a", contentType: "application/json")
        #expect(try await store.accept(replayed).get() == .tokenReplayed(originalEventID: "evt-a"))
        // A new URL for an upgraded event is a new delivery of the stored body.
        var newURL = again
        newURL.event = ReceivedEvent(id: "evt-a", type: "delivered", token: "token-c", contentType: "application/json")
        newURL.destinations = [DeliveryTarget(destination: "v2", url: "http://127.0.0.1:9/v2")]
        #expect(try await store.accept(newURL).get() == .accepted(newDeliveries: 1, claimed: []))
        let v2 = try await Self.claim(store, destination: "v2", now: now)
        #expect(v2.first?.body == Array(#"{"a":1}"#.utf8), "the first arrival's body")
    }

    @Test("the operator's commands do not upgrade: a version-1 store is refused and left as it was")
    func noUpgradeFromCommands() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/hookrelay.sqlite"
        try Self.execute(Self.version1 + Self.rows, in: path)
        #expect(throws: SQLiteError.self) { try EventStore(directory: directory.path, recoverInFlight: false, allowUpgrade: false) }
        #expect(try Self.userVersion(of: path) == 1)
    }

    @Test("a damaged version-1 store (a delivery without its event) is not upgraded: refused, rolled back")
    func damagedStoreRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/hookrelay.sqlite"
        try Self.execute(Self.version1 + Self.rows + """
            INSERT INTO deliveries (id, event_id, destination, url, state, attempts, created_at, updated_at)
                VALUES (10, 'evt-gone', 'crm', 'http://127.0.0.1:9/crm', 'pending', 0, 3000, 3000);
            """, in: path)
        #expect {
            try EventStore(directory: directory.path)
        } throws: { error in
            "\(error)".contains("1 of 4 deliveries have no event row")
        }
        #expect(try Self.userVersion(of: path) == 1)
        try Self.execute("SELECT count(*) FROM deliveries WHERE event_id = 'evt-gone';", in: path)  // still the v1 shape
        try Self.execute("SELECT 1 FROM events_v1;", in: path, expectFailure: true)  // the rewrite was rolled back
    }

    static func claim(_ store: EventStore, destination: String, now: Int64) async throws -> [ClaimedDelivery] {
        try await withCheckedThrowingContinuation { continuation in
            store.claimDue(destination: destination, now: now, limit: 10) { continuation.resume(with: $0.mapError { $0 as any Error }) }
        }
    }
}

struct StoreTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Event ids belong to their source: the same id from two sources is two events.
@Suite("Store event identity")
struct StoreEventIdentityTests {
    @Test("the same event id from two sources is two events, each delivered with its own body")
    func sameIDTwoSources() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try EventStore(directory: directory.path)
        defer { store.close() }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        func request(source: String, body: String) -> AcceptRequest {
            AcceptRequest(
                source: source, event: ReceivedEvent(id: "42", type: "order", contentType: "application/json"),
                body: Array(body.utf8), destinations: [DeliveryTarget(destination: "crm", url: "http://127.0.0.1:9/crm")],
                receivedAt: now, tokenExpiresAt: now
            )
        }
        #expect(try await store.accept(request(source: "shop", body: #"{"from":"shop"}"#)).get() == .accepted(newDeliveries: 1, claimed: []))
        #expect(try await store.accept(request(source: "billing", body: #"{"from":"billing"}"#)).get() == .accepted(newDeliveries: 1, claimed: []))
        #expect(try await store.accept(request(source: "shop", body: #"{"from":"shop"}"#)).get() == .duplicate)
        let claimed = try await StoreUpgradeTests.claim(store, destination: "crm", now: now)
        #expect(Set(claimed.map { "\($0.source):" + String(decoding: $0.body, as: UTF8.self) })
                == [#"shop:{"from":"shop"}"#, #"billing:{"from":"billing"}"#])
        #expect(try store.counts().events == 2)
    }
}
