import Foundation
import HookrelayCore
import HookrelayRuntime
import HookrelayStore
import HookrelayTestSupport
import Testing

/// `GET /admin/api/destinations` (SPEC §12) over a real socket, on a store seeded before start.
@Suite("Admin API: destinations")
struct AdminDestinationsTests {
    static let fields: Set<String> = ["name", "url", "state", "pending", "retrying", "dead", "delivered_1h", "failed_1h"]

    /// Claims every open delivery of `destination` and records each delivered at `time`.
    static func seedDelivered(_ store: EventStore, destination: String, time: Int64) async throws {
        let claimed: [ClaimedDelivery] = try await withCheckedThrowingContinuation { continuation in
            store.claimDue(destination: destination, now: Int64.max / 2, limit: 1000) { continuation.resume(with: $0.mapError { $0 as any Error }) }
        }
        for delivery in claimed {
            try await store.seedRecord(AttemptRecord(
                deliveryID: delivery.id, eventID: delivery.eventID, eventType: delivery.eventType, destination: destination,
                url: delivery.url, attempt: 1, state: .delivered, nextAttemptAt: nil, status: 200, error: nil, message: nil,
                response: "ok", replays: 0, time: time, isFailure: false
            ))
        }
    }

    /// crm: 2 delivered 10 minutes ago and 1 two hours ago; 1 dead 5 minutes ago; 2 retrying
    /// (failed 20 minutes ago, next attempt tomorrow); 3 pending (due tomorrow); a failure two
    /// hours ago. app-v2: nothing. ghost (not in the config): one pending delivery. Nothing is
    /// due while the test runs, so the scheduler changes none of it.
    static func seed(_ store: EventStore, now: Int64) async throws {
        let crm = ("crm", AdminRelay.crmURL)
        for id in ["d1", "d2"] { try await store.seedEvent(id: id, destinations: [crm]) }
        try await seedDelivered(store, destination: "crm", time: now - 600_000)
        try await store.seedEvent(id: "d3", destinations: [crm])
        try await seedDelivered(store, destination: "crm", time: now - 7_200_000)
        try await store.seedEvent(id: "x1", destinations: [crm])
        try await store.seedOutcome(destination: "crm", state: "dead", time: now - 300_000)
        for id in ["r1", "r2"] { try await store.seedEvent(id: id, destinations: [crm]) }
        try await store.seedOutcome(destination: "crm", state: "retrying", time: now - 1_200_000, nextAttempt: now + 86_400_000)
        for id in ["p1", "p2", "p3"] { try await store.seedEvent(id: id, destinations: [crm], receivedAt: now + 86_400_000) }
        try await store.seedFailure(time: now - 7_200_000, eventID: "old", destination: "crm", url: AdminRelay.crmURL, status: 500, nextAttempt: nil)
        try await store.seedEvent(id: "g1", destinations: [("ghost", "http://127.0.0.1:9/ghost")], receivedAt: now + 86_400_000)
    }

    // Guards SPEC §12 GET /admin/api/destinations: fields, config order, masked url, exact counts.
    @Test("destinations: config order, masked URL, state active, exact backlog and last-hour counts")
    func destinations() async throws {
        let now = AdminTime.nowMillis()
        try await withAdminRelay(seed: { try await Self.seed($0, now: now) }) { relay in
            let response = try await relay.get("/admin/api/destinations")
            #expect(response.status == 200)
            #expect(response.header("content-type") == "application/json")
            #expect(AdminRelay.hidesSecrets(response.text), "url masked: \(response.text)")
            let rows = try AdminAPITests.array(response)
            #expect(rows.map { $0["name"] as? String } == ["crm", "app-v2"], "configured destinations only, in config order")
            for row in rows { #expect(Set(row.keys) == Self.fields) }
            let crm = rows[0]
            #expect(crm["url"] as? String == AdminRelay.crmMaskedURL)
            #expect(crm["state"] as? String == "active")
            #expect(crm["pending"] as? Int == 3)
            #expect(crm["retrying"] as? Int == 2)
            #expect(crm["dead"] as? Int == 1)
            #expect(crm["delivered_1h"] as? Int == 2)
            #expect(crm["failed_1h"] as? Int == 3)
            let app = rows[1]
            #expect(app["url"] as? String == URLMasking.mask(AdminRelay.appURL))
            #expect(app["state"] as? String == "active")
            for field in ["pending", "retrying", "dead", "delivered_1h", "failed_1h"] {
                #expect(app[field] as? Int == 0, "\(field)")
            }
            let post = try await relay.request("POST", "/admin/api/destinations", json: "{}")
            #expect(post.status == 405)
            // The Host rule of every admin API path.
            #expect(await AdminHostTests.exchange(port: relay.adminPort, "GET", "/admin/api/destinations", host: "evil.example").status == 421)
        }
    }

    @Test("destinations: admin_token required like every admin API path")
    func destinationsNeedTheToken() async throws {
        try await withAdminRelay(token: "s3cret-admin") { relay in
            let wrong = try await relay.request("GET", "/admin/api/destinations", token: "wrong")
            #expect(wrong.status == 401)
            let right = try await relay.get("/admin/api/destinations")
            #expect(right.status == 200)
        }
    }
}
