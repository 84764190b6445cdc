import CSQLite
import Foundation
import HookrelayCore
@testable import HookrelayStore
import HookrelayTestSupport
import Testing

/// A store written with schema version 2 opens in this release: only its two state indexes are
/// rebuilt (their conditions were IN lists, evaluated at a cost on every insert and update).
@Suite("Store upgrade from version 2")
struct StoreVersion2UpgradeTests {
    /// The version-2 tables as that release created them (frozen, like StoreUpgradeTests.version1).
    static let version2 = """
        CREATE TABLE events (id INTEGER PRIMARY KEY, event_id TEXT NOT NULL, source TEXT NOT NULL, event_type TEXT NOT NULL,
            domain TEXT, content_type TEXT NOT NULL, body BLOB NOT NULL, received_at INTEGER NOT NULL, UNIQUE (event_id, source));
        CREATE INDEX events_received ON events(received_at);
        CREATE TABLE deliveries (id INTEGER PRIMARY KEY, event INTEGER NOT NULL, destination TEXT NOT NULL, url TEXT NOT NULL,
            state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER, last_status INTEGER, last_error TEXT,
            created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, claimed INTEGER NOT NULL DEFAULT 0,
            replays INTEGER NOT NULL DEFAULT 0, UNIQUE (event, url));
        CREATE INDEX deliveries_due ON deliveries(destination, next_attempt_at) WHERE next_attempt_at IS NOT NULL;
        CREATE INDEX deliveries_open ON deliveries(destination, state, claimed, created_at) WHERE state IN ('pending', 'retrying');
        CREATE INDEX deliveries_finished ON deliveries(destination, state, updated_at) WHERE state IN ('delivered', 'rejected', 'dead');
        \(StoreUpgradeTests.failuresAndTokens)
        PRAGMA user_version = 2;
        PRAGMA journal_mode = WAL;
        INSERT INTO events VALUES (1, 'evt-a', 'mailgun', 'delivered', 'mg.example.com', 'application/json', X'7B2261223A317D', 1000);
        INSERT INTO events VALUES (2, 'evt-b', 'mailgun', 'opened', NULL, 'application/json', X'7B7D', 2000);
        INSERT INTO deliveries (id, event, destination, url, state, attempts, next_attempt_at, last_status, created_at, updated_at)
            VALUES (7, 1, 'crm', 'http://127.0.0.1:9/crm', 'delivered', 1, NULL, 200, 1000, 1100);
        INSERT INTO deliveries (id, event, destination, url, state, attempts, next_attempt_at, last_status, last_error, created_at, updated_at)
            VALUES (8, 1, 'partner', 'http://127.0.0.1:9/partner', 'dead', 8, NULL, 500, 'http', 1000, 1100);
        INSERT INTO deliveries (id, event, destination, url, state, attempts, next_attempt_at, created_at, updated_at, claimed)
            VALUES (9, 2, 'crm', 'http://127.0.0.1:9/crm', 'pending', 0, NULL, 2000, 2000, 1);
        """

    @Test("a version-2 store keeps its deliveries, and its state indexes are rebuilt without IN lists")
    func upgradeFromVersion2() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/hookrelay.sqlite"
        try StoreUpgradeTests.execute(Self.version2, in: path)

        let store = try EventStore(directory: directory.path)
        defer { store.close() }
        #expect(try StoreUpgradeTests.userVersion(of: path) == 5)
        #expect(store.recoveredInFlight == 1, "evt-b's claimed delivery, found through the rebuilt open index")
        let status = try store.queueStatus()
        #expect(status.depth == 1)
        #expect(status.byDestination["crm"] == ["delivered": 1, "pending": 1])
        #expect(status.byDestination["partner"] == ["dead": 1])
        let definitions = try Self.indexDefinitions(in: path)
        #expect(definitions.count == 2)
        #expect(definitions.allSatisfy { $0.contains(" OR ") && !$0.contains(" IN ") }, "\(definitions)")

        // The finished index serves a destination-wide replay of the dead delivery.
        let replayed = try await withCheckedThrowingContinuation { continuation in
            store.replay(.destination("partner", state: "dead", since: nil), now: 3000) { continuation.resume(with: $0.mapError { $0 as any Error }) }
        }
        #expect(replayed == 1)
    }

    @Test("the conditions queries repeat are the ones the state indexes are declared with")
    func conditionsMatchTheIndexes() {
        #expect(StoreSchema.stateIndexes.contains("WHERE \(StoreSchema.openStateCondition);"))
        #expect(StoreSchema.stateIndexes.contains("WHERE \(StoreSchema.finishedStateCondition);"))
    }

    @Test("the operator's commands do not upgrade a version-2 store either")
    func noUpgradeFromCommands() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/hookrelay.sqlite"
        try StoreUpgradeTests.execute(Self.version2, in: path)
        #expect {
            try EventStore(directory: directory.path, recoverInFlight: false, allowUpgrade: false)
        } throws: { error in
            "\(error)".contains("schema version 2") && "\(error)".contains("hookrelay serve")
        }
        #expect(try StoreUpgradeTests.userVersion(of: path) == 2)
    }

    /// The SQL of the two state indexes, as the store file declares them.
    static func indexDefinitions(in path: String) throws -> [String] {
        var db: OpaquePointer?
        SQLiteLibrary.configure()  // before this starts SQLite
        guard sqlite3_open(path, &db) == SQLITE_OK, let db else { throw StoreTestError("cannot open \(path)") }
        defer { sqlite3_close(db) }
        var statement: OpaquePointer?
        let sql = "SELECT sql FROM sqlite_master WHERE name IN ('deliveries_open', 'deliveries_finished') ORDER BY name"
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK else { throw StoreTestError("prepare") }
        defer { sqlite3_finalize(statement) }
        var definitions: [String] = []
        while sqlite3_step(statement) == SQLITE_ROW {
            definitions.append(String(cString: sqlite3_column_text(statement, 0)))
        }
        return definitions
    }
}
