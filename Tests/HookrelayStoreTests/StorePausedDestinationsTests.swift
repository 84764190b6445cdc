import Foundation
import HookrelayCore
import HookrelayStore
import HookrelayTestSupport
import Testing

/// The SQLite store's paused destinations (SPEC §12): kept across a restart, and a version-4
/// store (before pause existed) gains the table when the relay opens it.
@Suite("Store: paused destinations across restarts and the version-4 upgrade")
struct StorePausedDestinationsTests {
    @Test("a pause written before a restart is there after it; a resume too")
    func acrossRestart() async throws {
        try await StoreVersion3UpgradeTests.acrossRestart({ store, now async throws in
            #expect(try await store.setPaused("crm", paused: true, now: now).get())
            #expect(try await store.setPaused("app", paused: true, now: now).get())
            #expect(try await store.setPaused("app", paused: false, now: now).get())
        }, then: { store, _ async throws in
            #expect(try store.pausedDestinations() == ["crm"])
        })
    }

    @Test("a version-4 store opens with no destination paused, and takes pauses")
    func upgradeFromVersion4() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/hookrelay.sqlite"
        // This release's store taken back to version 4: no paused_destinations table.
        try EventStore(directory: directory.path).close()
        try StoreUpgradeTests.execute("DROP TABLE paused_destinations; PRAGMA user_version = 4;", in: path)
        #expect(try StoreUpgradeTests.userVersion(of: path) == 4)
        // The operator's commands refuse an older store; the serving relay upgrades it.
        #expect(throws: (any Error).self) { try EventStore(directory: directory.path, recoverInFlight: false, allowUpgrade: false) }
        let store = try EventStore(directory: directory.path)
        defer { store.close() }
        #expect(try StoreUpgradeTests.userVersion(of: path) == 5)
        #expect(try store.pausedDestinations().isEmpty)
        #expect(try await store.setPaused("crm", paused: true, now: 1).get())
        #expect(try store.pausedDestinations() == ["crm"])
    }
}
