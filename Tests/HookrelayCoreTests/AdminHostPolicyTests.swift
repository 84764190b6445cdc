import HookrelayCore
import Testing

/// SPEC §11: "loopback" is an IP literal in 127.0.0.0/8 or ::1, or the name localhost.
@Test(arguments: ["127.0.0.1", "127.1.2.3", "127.255.255.255", "::1", "0:0:0:0:0:0:0:1", "0::1", "localhost", "LOCALHOST"])
func loopbackHosts(host: String) {
    #expect(LoopbackHost.isLoopback(host))
}

@Test(arguments: ["127.evil.example", "127.0.0.1.evil.example", "127.0.0", "127.0.0.256", "128.0.0.1", "0.0.0.0",
                  "::", "::2", "::ffff:127.0.0.1", "localhost.evil.example", "evil-localhost", "", "1270.0.0.1", "127.00000.0.1"])
func notLoopbackHosts(host: String) {
    #expect(!LoopbackHost.isLoopback(host))
}

/// SPEC §11: the admin listener answers only to a loopback Host, admin_listen's host, or one of admin_hosts (421 otherwise).
@Test func adminHostHeader() {
    let policy = AdminHostPolicy(listenHost: "10.0.0.5", adminHosts: ["relay.internal", "[fd00::7]"])
    for allowed in ["127.0.0.1", "127.0.0.1:9090", "localhost:9090", "LocalHost", "[::1]:9090", "[::1]", "10.0.0.5:9090",
                    "relay.internal", "RELAY.internal:80", "relay.internal.", "[fd00::7]:9090"] {
        #expect(policy.refusal(host: allowed) == nil, "\(allowed)")
    }
    for refused in ["evil.example", "evil.example:9090", "127.evil.example:9090", "relay.internal.evil.example", "10.0.0.6",
                    "", ":9090", "[::1", "localhost:http", "::1"] {
        #expect(policy.refusal(host: refused)?.status == 421, "\(refused)")
    }
    #expect(policy.refusal(host: nil)?.status == 421)
}

/// SPEC §11: a state-changing call whose Origin is present and is not http:// + its own Host gets 403.
@Test func adminOriginHeader() {
    let policy = AdminHostPolicy(listenHost: "127.0.0.1", adminHosts: [])
    #expect(policy.refusal(origin: nil, host: "127.0.0.1:9090") == nil)
    #expect(policy.refusal(origin: "http://127.0.0.1:9090", host: "127.0.0.1:9090") == nil)
    #expect(policy.refusal(origin: "HTTP://LOCALHOST:9090", host: "localhost:9090") == nil)
    #expect(policy.refusal(origin: "http://evil.example", host: "127.0.0.1:9090")?.status == 403)
    #expect(policy.refusal(origin: "http://127.0.0.1:9091", host: "127.0.0.1:9090")?.status == 403)
    #expect(policy.refusal(origin: "null", host: "127.0.0.1:9090")?.status == 403)
    #expect(policy.refusal(origin: "https://127.0.0.1:9090", host: "127.0.0.1:9090")?.status == 403)
}

@Test(arguments: ["relay.internal", "10.0.0.5", "fd00::7", "[fd00::7]", "a-b.example"])
func adminHostsEntries(entry: String) {
    #expect(AdminHostPolicy.isHostName(entry))
}

@Test(arguments: ["", "relay.internal:9090", "http://relay.internal", "relay internal", "relay/x", "[relay]"])
func adminHostsBadEntries(entry: String) {
    #expect(!AdminHostPolicy.isHostName(entry))
}
