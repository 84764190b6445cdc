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

    @Test("a delivery waiting for a destination no longer configured shows as orphaned; finished ones keep their state")
    func orphaned() {
        #expect(ShownDeliveryState.of(state: "retrying", destination: "gone", configured: ["crm"]) == "orphaned")
        #expect(ShownDeliveryState.of(state: "pending", destination: "gone", configured: ["crm"]) == "orphaned")
        #expect(ShownDeliveryState.of(state: "dead", destination: "gone", configured: ["crm"]) == "dead")
        #expect(ShownDeliveryState.of(state: "retrying", destination: "crm", configured: ["crm"]) == "retrying")
    }
}
