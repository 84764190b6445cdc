import HookrelayCore
import Testing

/// What a reload reports as needing a restart (SPEC §12): `[server]` keys by the file's names.
@Suite("Server config changes")
struct ServerConfigChangesTests {
    @Test("no change: no key; each changed field named as the file spells it, never with its value")
    func changedKeys() {
        let base = ServerConfig()
        #expect(base.keysChanged(comparedTo: base).isEmpty)
        var changed = base
        changed.listen = SocketAddressSpec(host: "127.0.0.1", port: 8081)
        changed.adminToken = "s3cret"
        changed.maxURLsPerEvent = 5
        changed.dataDirectory = "/elsewhere"
        #expect(changed.keysChanged(comparedTo: base) == ["listen", "admin_token", "data_dir", "max_urls_per_event"])
    }

    @Test("the shared store's keys: store and claim_lease need a restart, named without the URL (it may hold a password)")
    func storeKeys() {
        let base = ServerConfig()
        var changed = base
        changed.store = "postgres://relay:s3cret@db.internal/hookrelay"
        changed.claimLease = base.claimLease + .seconds(30)
        let keys = changed.keysChanged(comparedTo: base)
        #expect(keys == ["store", "claim_lease"])
        #expect(!keys.joined().contains("s3cret"))
    }

    @Test("every [server] field is compared: all changed, one key each")
    func everyFieldCompared() {
        let base = ServerConfig()
        var changed = base
        changed.listen = SocketAddressSpec(host: "127.0.0.2", port: 18081)
        changed.adminListen = SocketAddressSpec(host: "127.0.0.2", port: 19091)
        changed.adminToken = "s3cret"
        changed.dataDirectory = "/elsewhere"
        changed.maxBody += 1
        changed.maxURLsPerEvent += 1
        changed.dedupWindow += .seconds(1)
        changed.failureLogRetention += .seconds(1)
        changed.idleTimeout += .seconds(1)
        changed.queueLimit += 1
        changed.maxBuffered += 1
        changed.maxConnections += 1
        changed.headerTimeout += .seconds(1)
        changed.adminHosts.append("relay.example.com")
        changed.store = "postgres://db.internal/hookrelay"
        changed.claimLease += .seconds(1)
        let keys = changed.keysChanged(comparedTo: base)
        #expect(Set(keys).count == keys.count)
        #expect(keys.count == Mirror(reflecting: base).children.count, "a field of ServerConfig that keysChanged does not compare: \(keys)")
    }

    @Test("a delivery waiting for a destination no longer configured shows as orphaned; finished ones keep their state")
    func orphaned() {
        #expect(ShownDeliveryState.of(state: "retrying", destination: "gone", configured: ["crm"]) == "orphaned")
        #expect(ShownDeliveryState.of(state: "pending", destination: "gone", configured: ["crm"]) == "orphaned")
        #expect(ShownDeliveryState.of(state: "dead", destination: "gone", configured: ["crm"]) == "dead")
        #expect(ShownDeliveryState.of(state: "retrying", destination: "crm", configured: ["crm"]) == "retrying")
    }
}
