import CSQLite
import HookrelayStore
import HookrelayTestSupport
import Testing

/// SQLite runs without its allocation statistics (a global mutex taken on every malloc; each
/// connection has one owner, DECISIONS.md). The setting takes effect only if it is made before
/// anything in the process starts SQLite, so every entry point — the tests' own VFS and file
/// helpers included — goes through `SQLiteLibrary.configure()` first.
@Suite struct SQLiteLibraryTests {
    @Test func settingsTakeEffectBeforeSQLiteStarts() throws {
        SQLiteLibrary.configure()
        #expect(SQLiteLibrary.settingsApplied)
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try EventStore(directory: directory.file("data"), recoverInFlight: false)
        store.close()
        // With the statistics off SQLite keeps no count of what it holds.
        #expect(sqlite3_memory_used() == 0)
    }
}
