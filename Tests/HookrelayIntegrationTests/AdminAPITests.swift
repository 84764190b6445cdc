import Foundation
import HookrelayCore
import HookrelayRuntime
import HookrelayStore
import HookrelayTestSupport
import Testing

/// The operator's API of SPEC §7 over a real loopback socket and a real SQLite file.
@Suite("Admin API: failure log, replay, routing, auth")
struct AdminAPITests {
    static let failureFields: Set<String> = ["time", "event_id", "event", "destination", "url", "attempt", "status", "error", "response", "next_attempt"]

    /// Three failed attempts: crm 2 h ago (HTTP 500, retrying), app-v2 30 min ago (connect
    /// error, dead), crm 10 min ago (HTTP 406, rejected).
    static func seedThreeFailures(_ store: EventStore, now: Int64) async throws {
        try await store.seedFailure(
            time: now - 7_200_000, eventID: "evt-old", destination: "crm", url: AdminRelay.crmURL, attempt: 2,
            status: 500, response: "oops\nline two", nextAttempt: now + 600_000
        )
        try await store.seedFailure(
            time: now - 1_800_000, eventID: "evt-mid", eventType: "delivered", destination: "app-v2", url: AdminRelay.appURL, attempt: 8,
            status: nil, error: "connect", message: "Connection refused", nextAttempt: nil
        )
        try await store.seedFailure(
            time: now - 600_000, eventID: "evt-new", destination: "crm", url: AdminRelay.crmURL, attempt: 1,
            status: 406, response: "not acceptable", nextAttempt: nil
        )
    }

    static func array(_ response: TestResponse) throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [[String: Any]], "body: \(response.text)")
    }

    @Test("failure counts for the admin page: by destination and time, capped, without reading the rows")
    func failureCounts() async throws {
        let now = AdminTime.nowMillis()
        try await withAdminRelay(seed: { try await Self.seedThreeFailures($0, now: now) }) { relay in
            let lastHour = now - 3_600_000
            #expect(try relay.store.failureCount(FailureQuery(since: lastHour, destination: "crm", limit: 10_000)) == 1)
            #expect(try relay.store.failureCount(FailureQuery(since: lastHour, destination: "app-v2", limit: 10_000)) == 1)
            #expect(try relay.store.failureCount(FailureQuery(destination: "crm", limit: 10_000)) == 2)
            #expect(try relay.store.failureCount(FailureQuery(limit: 2)) == 2, "at most the limit (the page shows 10000+)")
            #expect(try relay.store.failureCount(FailureQuery(since: now, limit: 10_000)) == 0)
            let stats = try AdminStats.collect(store: relay.store, config: relay.relay.config, now: now)
            #expect(stats.destinations.first { $0.name == "crm" }?.recentFailures == 1)
        }
    }

    @Test("failures: exact fields per SPEC §7, newest first, RFC 3339 times, null status and next_attempt")
    func failureFields() async throws {
        let now = AdminTime.nowMillis()
        try await withAdminRelay(seed: { try await Self.seedThreeFailures($0, now: now) }) { relay in
            let response = try await relay.get("/admin/api/failures")
            #expect(response.status == 200)
            #expect(response.header("content-type") == "application/json")
            let records = try Self.array(response)
            #expect(records.count == 3)
            for record in records {
                #expect(Set(record.keys) == Self.failureFields)
            }
            #expect(records.map { $0["event_id"] as? String } == ["evt-new", "evt-mid", "evt-old"])

            let newest = records[0]
            #expect(newest["time"] as? String == AdminTime.rfc3339(now - 600_000))
            #expect(newest["event"] as? String == "failed")
            #expect(newest["destination"] as? String == "crm")
            #expect(newest["url"] as? String == AdminRelay.crmURL, "the stored URL, in full (SPEC §7's record)")
            #expect(newest["attempt"] as? Int == 1)
            #expect(newest["status"] as? Int == 406)
            #expect(newest["error"] as? String == "http")
            #expect(newest["response"] as? String == "not acceptable")
            #expect(newest["next_attempt"] is NSNull)

            let transport = records[1]
            #expect(transport["status"] is NSNull)
            #expect(transport["error"] as? String == "connect")
            #expect(transport["event"] as? String == "delivered")
            #expect(transport["next_attempt"] is NSNull)

            let retrying = records[2]
            #expect(retrying["status"] as? Int == 500)
            #expect(retrying["response"] as? String == "oops\nline two")
            #expect(retrying["next_attempt"] as? String == AdminTime.rfc3339(now + 600_000))
            #expect((retrying["time"] as? String)?.hasSuffix("Z") == true)
            #expect(retrying["url"] as? String == AdminRelay.crmURL)
            #expect(transport["url"] as? String == AdminRelay.appURL)
        }
    }

    @Test("events/{id}: each delivery's url as stored, in full, next to its destination's name")
    func eventURLs() async throws {
        try await withAdminRelay(seed: { store in
            try await store.seedEvent(id: "evt-secret", destinations: [("crm", AdminRelay.crmURL), ("app-v2", AdminRelay.appURL)])
        }) { relay in
            let event = try await relay.get("/admin/api/events/evt-secret")
            #expect(event.status == 200)
            let deliveries = try #require(event.json["deliveries"] as? [[String: Any]])
            let urls = Dictionary(uniqueKeysWithValues: deliveries.map { ($0["destination"] as? String ?? "", $0["url"] as? String ?? "") })
            #expect(urls == ["crm": AdminRelay.crmURL, "app-v2": AdminRelay.appURL])
        }
    }

    @Test("failures: filter by destination and since (duration, RFC 3339, Unix seconds), honour limit")
    func failureFilters() async throws {
        let now = AdminTime.nowMillis()
        try await withAdminRelay(seed: { try await Self.seedThreeFailures($0, now: now) }) { relay in
            let crm = try Self.array(try await relay.get("/admin/api/failures?destination=crm"))
            #expect(crm.map { $0["event_id"] as? String } == ["evt-new", "evt-old"])

            let lastHour = try Self.array(try await relay.get("/admin/api/failures?since=1h"))
            #expect(lastHour.map { $0["event_id"] as? String } == ["evt-new", "evt-mid"])

            let both = try Self.array(try await relay.get("/admin/api/failures?since=1h&destination=crm"))
            #expect(both.map { $0["event_id"] as? String } == ["evt-new"])

            let rfc3339 = AdminTime.rfc3339(now - 3_600_000)
            let byTime = try Self.array(try await relay.get("/admin/api/failures?since=\(rfc3339)"))
            #expect(byTime.count == 2)

            // The same instant in Unix seconds.
            let seconds = (now - 3_600_000) / 1000
            #expect(try Self.array(try await relay.get("/admin/api/failures?since=\(seconds)")).count == 2)

            let limited = try Self.array(try await relay.get("/admin/api/failures?limit=2"))
            #expect(limited.map { $0["event_id"] as? String } == ["evt-new", "evt-mid"])
            #expect(try Self.array(try await relay.get("/admin/api/failures?limit=100000")).count == 3, "clamped to 1000, not refused")

            #expect(try await relay.get("/admin/api/failures?destination=nobody").text == "[]")
        }
    }

    @Test("failures: a bad since or limit is 400")
    func failureBadQuery() async throws {
        try await withAdminRelay { relay in
            for query in ["since=yesterday", "since=1y", "since=2024-13-01T00:00:00Z", "limit=0", "limit=ten", "limit=-5"] {
                let response = try await relay.get("/admin/api/failures?\(query)")
                #expect(response.status == 400, "\(query): \(response.text)")
            }
            #expect(try await relay.get("/admin/api/failures?since=2024-05-01T12:00:00%2B02:00").status == 200)
            #expect(try await relay.get("/admin/api/failures?since=2024-05-01T12:00:00.250Z").status == 200)
        }
    }

    @Test("admin_token: 401 without or with a wrong bearer token, 200 with it; probes stay open")
    func bearerToken() async throws {
        try await withRelay(server: "admin_token = \"t0ken\"") { harness in
            let plain = try await harness.admin("/admin/api/failures")
            #expect(plain.status == 401)
            #expect(plain.header("www-authenticate") == "Bearer")
            let wrong = try await HTTPTestClient.send(
                TestRequest(method: "GET", path: "/admin/api/failures", headers: [HeaderField(name: "Authorization", value: "Bearer nope")]),
                port: harness.adminPort
            )
            #expect(wrong.status == 401)
            let right = try await HTTPTestClient.send(
                TestRequest(method: "GET", path: "/admin/api/failures", headers: [HeaderField(name: "Authorization", value: "Bearer t0ken")]),
                port: harness.adminPort
            )
            #expect(right.status == 200)
            #expect(right.text == "[]")
            // The scheme's name in any case; the token itself exactly.
            for (value, status) in [("bearer t0ken", 200), ("BEARER t0ken", 200), ("Bearer T0KEN", 401), ("Bearer", 401), ("Basic t0ken", 401)] {
                let response = try await HTTPTestClient.send(
                    TestRequest(method: "GET", path: "/admin/api/failures", headers: [HeaderField(name: "Authorization", value: value)]),
                    port: harness.adminPort
                )
                #expect(response.status == status, "\(value)")
            }
            #expect(try await harness.admin("/metrics").status == 401)
            #expect(try await harness.admin("/healthz").status == 200)
            #expect(try await harness.admin("/readyz").status == 200)
        }
    }

    @Test("replay by event id: every finished delivery back to pending with attempts 0; answers the count")
    func replayEvent() async throws {
        try await withAdminRelay(seed: { store in
            // "ghost" is not in the config: the scheduler never touches these deliveries.
            try await store.seedEvent(id: "evt-ghost", destinations: [("ghost", "http://127.0.0.1:9/a"), ("ghost", "http://127.0.0.1:9/b")])
            try await store.seedOutcome(destination: "ghost", state: "dead")
        }) { relay in
            let before = try #require(try relay.store.eventRecord(id: "evt-ghost"))
            #expect(before.deliveries.map(\.state) == ["dead", "dead"])
            #expect(before.deliveries.map(\.attempts) == [1, 1])

            let response = try await relay.post("/admin/api/replay", json: #"{"event_id":"evt-ghost"}"#)
            #expect(response.status == 200, "\(response.text)")
            #expect(response.text == #"{"replayed":2}"#)
            let after = try #require(try relay.store.eventRecord(id: "evt-ghost"))
            #expect(after.deliveries.map(\.state) == ["pending", "pending"])
            #expect(after.deliveries.map(\.attempts) == [0, 0])
            #expect(after.deliveries.allSatisfy { $0.nextAttemptAt != nil })

            let missing = try await relay.post("/admin/api/replay", json: #"{"event_id":"evt-nope"}"#)
            #expect(missing.status == 404)
        }
    }

    @Test("replay by destination and state dead, with and without since")
    func replayDestination() async throws {
        let now = AdminTime.nowMillis()
        try await withAdminRelay(seed: { store in
            try await store.seedEvent(id: "evt-a", destinations: [("crm", AdminRelay.crmURL)])
            try await store.seedOutcome(destination: "crm", state: "dead", time: now - 7_200_000)
            try await store.seedEvent(id: "evt-b", destinations: [("crm", AdminRelay.crmURL)])
            try await store.seedEvent(id: "evt-c", destinations: [("crm", AdminRelay.crmURL)])
            try await store.seedOutcome(destination: "crm", state: "dead", time: now - 60_000)
            try await store.seedEvent(id: "evt-other", destinations: [("app-v2", AdminRelay.appURL)])
            try await store.seedOutcome(destination: "app-v2", state: "dead", time: now - 60_000)
        }) { relay in
            let recent = try await relay.post("/admin/api/replay", json: #"{"destination":"crm","state":"dead","since":"1h"}"#)
            #expect(recent.status == 200, "\(recent.text)")
            #expect(recent.json["replayed"] as? Int == 2)

            let a = try #require(try relay.store.eventRecord(id: "evt-a")).deliveries[0]
            #expect(a.state == "dead", "dead before the since window: left alone")
            // The replay woke the scheduler, which races this test's reads: a delivery it has claimed
            // still reads pending/0 until its attempt's outcome commits. With rate = "1/h" it has
            // exactly one token, so it makes exactly one attempt (to a closed port: retrying, attempt 1)
            // and leaves the other pending: wait for that attempt, then the counts are exact.
            var replayed: [DeliveryRecord] = []
            let attempted = await Polling.until(timeout: .seconds(10)) {
                replayed = ["evt-b", "evt-c"].compactMap { try? relay.store.eventRecord(id: $0)?.deliveries.first }
                return replayed.count == 2 && replayed.contains { $0.attempts == 1 }
            }
            #expect(attempted, "the scheduler made no attempt after the replay: \(replayed)")
            #expect(replayed.allSatisfy { $0.state != "dead" })
            #expect(replayed.filter { $0.state == "retrying" && $0.attempts == 1 }.count == 1, "\(replayed)")
            #expect(replayed.filter { $0.state == "pending" && $0.attempts == 0 }.count == 1, "\(replayed)")
            #expect(try relay.store.eventRecord(id: "evt-other")?.deliveries[0].state == "dead", "other destinations untouched")

            let rest = try await relay.post("/admin/api/replay", json: #"{"destination":"crm","state":"dead"}"#)
            #expect(rest.json["replayed"] as? Int == 1)
            let again = try #require(try relay.store.eventRecord(id: "evt-a")).deliveries[0]
            #expect(again.state != "dead")
        }
    }

    @Test("replay: bad JSON, missing or conflicting fields, unknown destination or state are 400; GET is 405")
    func replayBadInput() async throws {
        try await withAdminRelay { relay in
            let bodies = [
                "", "{not json", "[]", "{}", #"{"event_id":""}"#, #"{"event_id":42}"#,
                #"{"event_id":"x","destination":"crm","state":"dead"}"#,
                #"{"destination":"crm"}"#, #"{"destination":"crm","state":"pending"}"#,
                #"{"destination":"nobody","state":"dead"}"#, #"{"destination":"crm","state":"dead","since":"later"}"#,
                #"{"event_id":"x","state":"dead"}"#, #"{"event":"x"}"#,
                // Unix seconds out of range or not a number: refused, not converted (1e16 s in ms
                // is past Int64, which used to stop the process).
                #"{"destination":"crm","state":"dead","since":1e16}"#, #"{"destination":"crm","state":"dead","since":1e300}"#,
                #"{"destination":"crm","state":"dead","since":-5}"#, #"{"destination":"crm","state":"dead","since":true}"#,
            ]
            for body in bodies {
                let response = try await relay.post("/admin/api/replay", json: body)
                #expect(response.status == 400, "\(body): \(response.status) \(response.text)")
                #expect(response.json["status"] as? String == "error")
            }
            let numeric = try await relay.post("/admin/api/replay", json: #"{"destination":"crm","state":"dead","since":1714564800}"#)
            #expect(numeric.status == 200, "Unix seconds as a number: \(numeric.text)")
            let get = try await relay.get("/admin/api/replay")
            #expect(get.status == 405)
            #expect(get.header("allow") == "POST")
        }
    }

    @Test("unknown admin path 404, wrong method 405, event lookup kept")
    func routing() async throws {
        try await withAdminRelay(seed: { store in
            try await store.seedEvent(id: "evt/with slash", destinations: [("ghost", "http://127.0.0.1:9/a")])
        }) { relay in
            #expect(try await relay.get("/admin/api/nothing").status == 404)
            #expect(try await relay.get("/admin/api/events/").status == 404)
            #expect(try await relay.get("/nowhere").status == 404)
            let post = try await relay.post("/admin/api/failures", json: "{}")
            #expect(post.status == 405)
            #expect(post.header("allow") == "GET")
            #expect(try await relay.request("DELETE", "/metrics").status == 405)
            #expect(try await relay.request("POST", "/admin/api/events/x").status == 405)

            let event = try await relay.get("/admin/api/events/evt%2Fwith%20slash")
            #expect(event.status == 200)
            #expect(event.json["id"] as? String == "evt/with slash")
            let deliveries = try #require(event.json["deliveries"] as? [[String: Any]])
            // "ghost" is not in the config: its pending delivery is parked, shown `orphaned` (SPEC §12).
            #expect(deliveries.first?["state"] as? String == "orphaned")
            #expect(deliveries.first?["attempts"] as? Int == 0)
        }
    }

    @Test("GET /admin: an HTML page with per-destination counts and the failure log")
    func adminPage() async throws {
        let now = AdminTime.nowMillis()
        try await withAdminRelay(seed: { try await Self.seedThreeFailures($0, now: now) }) { relay in
            let page = try await relay.get("/admin")
            #expect(page.status == 200)
            #expect(page.header("content-type")?.hasPrefix("text/html") == true)
            #expect(page.text.contains("app-v2"))
            // Both tables: the destination's name, then its URL as the failure log holds it.
            #expect(page.text.contains(#"<tr data-destination="crm"><td>crm</td><td class="url">\#(AdminRelay.crmURL)</td>"#), "\(page.text)")
            #expect(page.text.contains(#"<td>crm</td><td class="url">\#(AdminRelay.crmURL)</td><td class="reason">"#))
            #expect(page.text.contains("HTTP 406"))
            #expect(page.text.contains("connect: Connection refused"))
        }
    }

    @Test("request bin: ANY /bin/NAME is kept, GET /bin/NAME/inspect shows it")
    func requestBin() async throws {
        try await withAdminRelay(token: "s3cret") { relay in
            let sent = try await relay.post("/bin/demo", json: #"{"hello":"bin"}"#)
            #expect(sent.status == 200)
            let json = try await relay.get("/bin/demo/inspect?format=json")
            let kept = try Self.array(json)
            #expect(kept.count == 1)
            #expect(kept.first?["method"] as? String == "POST")
            #expect(kept.first?["body"] as? String == #"{"hello":"bin"}"#)
            let html = try await relay.get("/bin/demo/inspect")
            #expect(html.text.contains("hello"))
            #expect(html.header("Content-Type")?.hasPrefix("text/html") == true)
            let accepted = try await HTTPTestClient.send(TestRequest(method: "GET", path: "/bin/demo/inspect", headers: [
                HeaderField(name: "Authorization", value: "Bearer s3cret"), HeaderField(name: "Accept", value: "application/json"),
            ]), port: relay.adminPort)
            #expect(try Self.array(accepted).count == 1, "Accept: application/json gets JSON too")
            #expect(try await relay.request("GET", "/bin/demo/inspect", token: "wrong").status == 401)
            // A body over 1 MiB, as a destination may be sent (ingest takes up to max_body): kept, cut at 64 KiB.
            let big = try await relay.post("/bin/big", json: String(repeating: "x", count: 2 << 20))
            #expect(big.status == 200)
            let bigKept = try Self.array(try await relay.get("/bin/big/inspect?format=json"))
            #expect((bigKept.first?["body"] as? String)?.utf8.count == 64 * 1024)
            #expect(bigKept.first?["truncated"] as? Bool == true)
        }
    }
}
