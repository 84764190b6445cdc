import Foundation
import HookrelayCore
import HookrelayTestSupport
import Testing

/// SPEC §11: the admin listener serves only its own names, so a web page in an operator's
/// browser cannot reach it through DNS rebinding (a foreign `Host`, a foreign `Origin`); and its
/// request bin stays bounded. Against a real `hookrelay serve`.
@Suite("Admin listener: Host and Origin", .serialized)
struct AdminHostTests {
    /// A relay process with `server` in its [server] table; its admin port.
    static func withRelayProcess(server: String = "", _ body: (Int) async throws -> Void) async throws {
        let (relay, ports, directory) = try await HostileClientTests.start(server: server)
        do {
            try await body(ports.admin)
        } catch {
            await HostileClientTests.stop(relay, directory)
            throw error
        }
        await HostileClientTests.stop(relay, directory)
    }

    /// One request with exactly these headers, on a raw connection (the test client sets its own Host).
    static func exchange(port: Int, _ method: String, _ path: String, host: String?, headers: [String] = [], body: String = "") async -> (status: Int?, text: String) {
        await Blocking.run {
            guard let connection = try? RawConnection(port: port) else { return (nil, "") }
            defer { connection.close() }
            var head = "\(method) \(path) HTTP/1.1\r\n"
            if let host { head += "Host: \(host)\r\n" }
            for header in headers { head += header + "\r\n" }
            head += "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
            connection.send(head)
            let answer = connection.receive(timeout: .seconds(10))
            return (RawConnection.status(of: answer.bytes), String(decoding: answer.bytes, as: UTF8.self))
        }
    }

    @Test("a foreign Host gets 421, before the token is looked at; loopback names, admin_listen's host and admin_hosts are served")
    func foreignHost() async throws {
        try await Self.withRelayProcess(server: "admin_token = \"s3cret\"\nadmin_hosts = [\"relay.internal\"]") { port in
            let bearer = "Authorization: Bearer s3cret"
            for host in ["evil.example", "evil.example:\(port)", "127.evil.example:\(port)", "relay.internal.evil.example"] {
                // With the right token or none: the Host decides first.
                #expect(await Self.exchange(port: port, "GET", "/admin/api/failures", host: host, headers: [bearer]).status == 421, "\(host)")
                #expect(await Self.exchange(port: port, "GET", "/admin/api/failures", host: host).status == 421, "\(host)")
                #expect(await Self.exchange(port: port, "GET", "/bin/demo/inspect", host: host, headers: [bearer]).status == 421, "\(host)")
                #expect(await Self.exchange(port: port, "POST", "/admin/api/replay", host: host, headers: [bearer, "Content-Type: application/json"],
                                            body: #"{"event_id":"x"}"#).status == 421, "\(host)")
                // Probes and metrics are exempt.
                #expect(await Self.exchange(port: port, "GET", "/healthz", host: host).status == 200)
                #expect(await Self.exchange(port: port, "GET", "/readyz", host: host).status == 200)
                #expect(await Self.exchange(port: port, "GET", "/metrics", host: host, headers: [bearer]).status == 200)
            }
            for host in ["127.0.0.1:\(port)", "localhost:\(port)", "localhost", "[::1]:\(port)", "relay.internal", "RELAY.INTERNAL:\(port)"] {
                #expect(await Self.exchange(port: port, "GET", "/admin/api/failures", host: host, headers: [bearer]).status == 200, "\(host)")
            }
            // The token still counts once the Host is fine.
            #expect(await Self.exchange(port: port, "GET", "/admin/api/failures", host: "127.0.0.1:\(port)").status == 401)
        }
    }

    @Test("two Host headers are a 400; an absolute-form target's authority is checked, not the Host beside it")
    func hostHeaderTricks() async throws {
        try await Self.withRelayProcess { port in
            let twoHosts = await Self.exchange(port: port, "GET", "/admin/api/failures", host: "127.0.0.1:\(port)", headers: ["Host: evil.example"])
            #expect(twoHosts.status == 400, "\(twoHosts.text)")
            let foreignTarget = await Self.exchange(port: port, "GET", "http://evil.example/admin/api/failures", host: "127.0.0.1:\(port)")
            #expect(foreignTarget.status == 421, "\(foreignTarget.text)")
            let ownTarget = await Self.exchange(port: port, "GET", "http://127.0.0.1:\(port)/admin/api/failures", host: "evil.example")
            #expect(ownTarget.status == 200, "\(ownTarget.text)")
        }
    }

    @Test("a POST to /admin/… from another Origin gets 403; its own Origin, no Origin, and a POST to /bin are served")
    func foreignOrigin() async throws {
        try await Self.withRelayProcess { port in
            let host = "127.0.0.1:\(port)"
            let json = "Content-Type: application/json"
            let replay = #"{"event_id":"evt-none"}"#
            for origin in ["http://evil.example", "http://127.0.0.1:\(port + 1)", "null", "https://\(host)"] {
                let answer = await Self.exchange(port: port, "POST", "/admin/api/replay", host: host, headers: [json, "Origin: \(origin)"], body: replay)
                #expect(answer.status == 403, "Origin \(origin): \(answer.text)")
            }
            // The same call from the listener's own page, or from a client that sends no Origin: it runs (no such event: 404).
            #expect(await Self.exchange(port: port, "POST", "/admin/api/replay", host: host, headers: [json, "Origin: http://\(host)"], body: replay).status == 404)
            #expect(await Self.exchange(port: port, "POST", "/admin/api/replay", host: host, headers: [json], body: replay).status == 404)
            // The request bin is a sink, not a state change: any Origin may post to it.
            #expect(await Self.exchange(port: port, "POST", "/bin/demo", host: host, headers: [json, "Origin: http://evil.example"], body: "{}").status == 200)
        }
    }

    @Test("the request bin holds at most 16 MiB in all, each request's head cut to 8 KiB, the newest kept")
    func requestBinBound() async throws {
        try await Self.withRelayProcess { port in
            let body = String(repeating: "b", count: 64 << 10)
            let padding = HeaderField(name: "X-Padding", value: String(repeating: "p", count: 12 << 10))
            // 32 bins × 10 requests of ~76 KiB each: ~24 MiB sent (~20 MiB once heads are cut), more than the bin may keep.
            for round in 0..<10 {
                let requests = (0..<32).map { bin in
                    TestRequest(method: "POST", path: "/bin/b\(bin)", headers: [HeaderField(name: "X-Round", value: "\(round)"), padding], body: Array(body.utf8))
                }
                let answers = try await HTTPTestClient.pipeline(requests, port: port)
                #expect(answers.allSatisfy { $0.status == 200 })
            }
            var keptBytes = 0
            var newestKept = true
            for bin in 0..<32 {
                let kept = try AdminAPITests.array(try await HTTPTestClient.send(TestRequest(method: "GET", path: "/bin/b\(bin)/inspect?format=json"), port: port))
                for request in kept {
                    let headers = request["headers"] as? [[String]] ?? []
                    let headBytes = headers.reduce(0) { $0 + $1.reduce(0) { $0 + $1.utf8.count } }
                    #expect(headBytes <= 8 << 10, "a kept head of \(headBytes) bytes")
                    keptBytes += headBytes + ((request["body"] as? String)?.utf8.count ?? 0) + ((request["uri"] as? String)?.utf8.count ?? 0)
                }
                // The last round's request of every bin is still there (the oldest went first).
                let newest = kept.first?["headers"] as? [[String]] ?? []
                if !newest.contains(["X-Round", "9"]) { newestKept = false }
                #expect(kept.first?["truncated"] as? Bool == true)
            }
            #expect(keptBytes <= 16 << 20, "the bins keep \(keptBytes >> 10) KiB")
            #expect(keptBytes >= 8 << 20, "the bins kept only \(keptBytes >> 10) KiB: they evict too much")
            #expect(newestKept)
        }
    }
}
