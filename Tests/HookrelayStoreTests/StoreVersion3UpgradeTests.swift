import Foundation
import HookrelayCore
import HookrelayStore
import HookrelayTestSupport
import Testing

/// A store written with schema version 3 opens in this release: its tokens move from a tree keyed
/// by (source, token) to a table in arrival order, found through the writer's `TokenIndex`, and
/// the token rule (SPEC §2) still sees every unexpired token, also after a restart.
@Suite("Store upgrade from version 3, and the token rule across restarts")
struct StoreVersion3UpgradeTests {
    /// Version 3 is version 2 with its state indexes declared by ORs (frozen: see StoreVersion2UpgradeTests).
    static let version3 = StoreVersion2UpgradeTests.version2
        .replacingOccurrences(of: "WHERE state IN ('pending', 'retrying')", with: "WHERE (state = 'pending' OR state = 'retrying')")
        .replacingOccurrences(of: "WHERE state IN ('delivered', 'rejected', 'dead')", with: "WHERE (state = 'delivered' OR state = 'rejected' OR state = 'dead')")
        .replacingOccurrences(of: "PRAGMA user_version = 2;", with: "PRAGMA user_version = 3;")
        + """
        INSERT INTO tokens VALUES ('mailgun', 'token-a', 'evt-a', 9999999999999);
        INSERT INTO tokens VALUES ('mailgun', 'token-old', 'evt-b', 1);
        """

    static func request(_ id: String, token: String, now: Int64) -> AcceptRequest {
        AcceptRequest(
            source: "mailgun", event: ReceivedEvent(id: id, type: "delivered", token: token, contentType: "application/json"),
            body: Array("{}".utf8), destinations: [DeliveryTarget(destination: "crm", url: "http://127.0.0.1:9/crm")],
            receivedAt: now, tokenExpiresAt: now + 1_200_000
        )
    }

    /// Runs `before` on a new store, closes it, and runs `after` on the same directory reopened.
    static func acrossRestart(
        _ before: (EventStore, Int64) async throws -> Void, then after: (EventStore, Int64) async throws -> Void
    ) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        do {
            let store = try EventStore(directory: directory.path)
            defer { store.close() }
            try await before(store, now)
        }
        let store = try EventStore(directory: directory.path)
        defer { store.close() }
        try await after(store, now)
    }

    @Test("a version-3 store's unexpired tokens still refuse a replay; an expired one does not")
    func upgradeFromVersion3() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/hookrelay.sqlite"
        #expect(Self.version3.contains("PRAGMA user_version = 3;") && Self.version3.contains(" OR "))
        try StoreUpgradeTests.execute(Self.version3, in: path)

        let store = try EventStore(directory: directory.path)
        defer { store.close() }
        #expect(try StoreUpgradeTests.userVersion(of: path) == 5)
        // The new table numbers its rows; the old one had no rowid.
        try StoreUpgradeTests.execute("SELECT id FROM tokens", in: path)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(try await store.accept(Self.request("evt-c", token: "token-a", now: now)).get() == .tokenReplayed(originalEventID: "evt-a"))
        #expect(try await store.accept(Self.request("evt-a", token: "token-a", now: now)).get() == .duplicate, "evt-a is delivered to crm already")
        #expect(try await store.accept(Self.request("evt-d", token: "token-old", now: now)).get() == .accepted(newDeliveries: 1, claimed: []),
                "token-old expired long ago")
    }

    @Test("tokens accepted before a restart refuse a replay after it; many tokens, each found")
    func tokensSurviveReopen() async throws {
        try await Self.acrossRestart({ store, now async throws in
            for n in 0..<300 {
                #expect(try await store.accept(Self.request("evt-\(n)", token: "tok-\(n)", now: now)).get() == .accepted(newDeliveries: 1, claimed: []))
            }
            // Within the process: the index answers before any restart.
            #expect(try await store.accept(Self.request("other", token: "tok-7", now: now)).get() == .tokenReplayed(originalEventID: "evt-7"))
        }, then: { store, now async throws in
            for n in stride(from: 0, to: 300, by: 37) {
                #expect(try await store.accept(Self.request("other-\(n)", token: "tok-\(n)", now: now)).get() == .tokenReplayed(originalEventID: "evt-\(n)"))
                #expect(try await store.accept(Self.request("evt-\(n)", token: "tok-\(n)", now: now)).get() == .duplicate)
            }
            // A token is the sender's, not a source's (SPEC §2; it used to be per source): on
            // another source, with another event it is a replay, with the same one a duplicate.
            var otherSource = Self.request("evt-x", token: "tok-1", now: now)
            otherSource.source = "legacy"
            #expect(try await store.accept(otherSource).get() == .tokenReplayed(originalEventID: "evt-1"))
            var sameEventElsewhere = Self.request("evt-1", token: "tok-1", now: now)
            sameEventElsewhere.source = "legacy"
            #expect(try await store.accept(sameEventElsewhere).get() == .duplicate)
        })
    }

    @Test("a token with a NUL inside is the whole token: replaying it is refused, its prefix is another token")
    func tokenWithNUL() async throws {
        try await Self.acrossRestart({ store, now async throws in
            #expect(try await store.accept(Self.request("evt-1", token: "abc\u{0}X", now: now)).get() == .accepted(newDeliveries: 1, claimed: []))
            #expect(try await store.accept(Self.request("evt-2", token: "abc\u{0}X", now: now)).get() == .tokenReplayed(originalEventID: "evt-1"))
            #expect(try await store.accept(Self.request("evt-3", token: "abc", now: now)).get() == .accepted(newDeliveries: 1, claimed: []))
        }, then: { store, now async throws in
            #expect(try await store.accept(Self.request("evt-4", token: "abc\u{0}X", now: now)).get() == .tokenReplayed(originalEventID: "evt-1"),
                    "after a restart too: the index is rebuilt from the whole stored token")
        })
    }

    @Test("an expired token does not count, also while its generation is still kept for younger tokens")
    func expiredTokenDoesNotCount() async throws {
        try await Self.acrossRestart({ store, now async throws in
            var short = Self.request("evt-short", token: "tok-short", now: now)
            short.tokenExpiresAt = now + 1_000
            #expect(try await store.accept(short).get() == .accepted(newDeliveries: 1, claimed: []))
            // Same generation, an hour to live: the generation stays after tok-short expires.
            #expect(try await store.accept(Self.request("evt-long", token: "tok-long", now: now + 1)).get() == .accepted(newDeliveries: 1, claimed: []))
            #expect(try await store.accept(Self.request("evt-again", token: "tok-short", now: now + 999)).get() == .tokenReplayed(originalEventID: "evt-short"))
            #expect(try await store.accept(Self.request("evt-later", token: "tok-short", now: now + 2_000)).get() == .accepted(newDeliveries: 1, claimed: []),
                    "expired at now + 1,000")
        }, then: { store, now async throws in
            #expect(try await store.accept(Self.request("evt-after", token: "tok-long", now: now + 3_000)).get() == .tokenReplayed(originalEventID: "evt-long"))
        })
    }
}
