import HookrelayConfig
import HookrelayCore
import Testing

/// `[server] store` and `claim_lease` (SPEC §10).
@Suite("Store config")
struct StoreConfigTests {
    @Test("absent, the store is SQLite in data_dir and the lease 30s; store takes a postgres URL from env:")
    func storeAndLease() throws {
        let sqlite = try load(baseConfig).config.server
        #expect(sqlite.store == nil)
        #expect(sqlite.claimLease == .seconds(30))

        let text = "[server]\nstore = \"env:HOOKRELAY_STORE\"\nclaim_lease = \"45s\"\n" + baseConfig
        let loaded = try load(text, environment: ["HOOKRELAY_STORE": "postgresql://relay:pw@db.internal:5432/hookrelay"])
        #expect(loaded.config.server.store == "postgresql://relay:pw@db.internal:5432/hookrelay")
        #expect(loaded.config.server.claimLease == .seconds(45))
    }

    @Test("the lease is checked against the longest destination timeout only on a shared store")
    func leaseOnlyWithStore() throws {
        let slow = baseConfig.replacing("url = \"https://crm.example.com/hooks\"", with: "url = \"https://crm.example.com/hooks\"\ntimeout = \"60s\"")
        #expect(try load(slow).config.server.claimLease == .seconds(30), "SQLite: no lease, nothing to check")
        let error = loadError("[server]\nstore = \"postgres://u@db/x\"\n" + slow)
        #expect(error?.keyPath == "server.claim_lease")
        #expect(error?.description.contains("set claim_lease to at least 65s") == true, "\(String(describing: error))")
        #expect(try load("[server]\nstore = \"postgres://u@db/x\"\nclaim_lease = \"65s\"\n" + slow).config.server.claimLease == .seconds(65))
    }

    @Test("a bad store URL read from env: is refused without printing it")
    func badStoreFromEnvironment() {
        let error = loadError("[server]\nstore = \"env:HOOKRELAY_STORE\"\n" + baseConfig, environment: ["HOOKRELAY_STORE": "mysql://u:hunter2@db/x"])
        #expect(error?.keyPath == "server.store")
        #expect(error?.description.contains("hunter2") == false)
        #expect(error?.description.contains("env:HOOKRELAY_STORE") == true, "\(String(describing: error))")
    }
}
