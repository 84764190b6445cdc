import HookrelayCore
import HookrelayTestSupport
import Testing

/// The replay API only takes JSON: a cross-site form post from a browser cannot replay.
@Suite("Admin replay guard")
struct AdminReplayGuardTests {
    @Test("replay with a form or text content type is refused with 415; JSON is taken")
    func onlyJSON() async throws {
        try await withRelay { relay in
            _ = try await relay.send(relay.mailgun.json(id: "evt-guard"))
            for type in ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"] {
                let request = TestRequest(path: "/admin/api/replay", headers: [HeaderField(name: "Content-Type", value: type)], body: Array(#"{"event_id":"evt-guard"}"#.utf8))
                #expect(try await HTTPTestClient.send(request, port: relay.adminPort).status == 415, "\(type)")
            }
            let json = TestRequest.json("/admin/api/replay", Array(#"{"event_id":"evt-guard"}"#.utf8))
            let accepted = try await HTTPTestClient.send(json, port: relay.adminPort)
            #expect(accepted.status == 200)
            // A selection holds four values: a body of more than 64 is refused before it is built
            // (the object, its two members and 62 zeros: 65).
            let zeros = Array(repeating: "0", count: 62).joined(separator: ",")
            let large = TestRequest.json("/admin/api/replay", Array(#"{"event_id":"evt-guard","x":[\#(zeros)]}"#.utf8))
            let refused = try await HTTPTestClient.send(large, port: relay.adminPort)
            #expect(refused.status == 400)
            #expect(refused.text.contains("more than 64 JSON values"), "\(refused.text)")
        }
    }
}
