import Foundation
import HookrelayCore
@testable import HookrelayRuntime
import HookrelayStore
import HookrelayTestSupport
import Testing

/// The operator's cockpit as people use it (SPEC §12): a relay delivering to real loopback sinks
/// (one answering 200, one 500, one 406), `GET /admin/api/series`, and `/admin` rendered by
/// headless Chromium — its SVG charts must carry the API's numbers; the failure log groups an
/// event's attempts; the event explorer finds events and shows one, its body redacted.
///
/// `HOOKRELAY_DOCS_SCREENSHOTS=DIR` also saves `admin-failures.png` and `admin-event.png` there
/// (how docs/OPERATIONS.md's screenshots are made; `AdminChartsHistoryTests` makes the overview).
@Suite("AdminChartsBrowser")
struct AdminChartsBrowserTests {
    static let missing = "no chromium binary: run script/setup-tests (apt-get install chromium) or set HOOKRELAY_CHROMIUM"

    @Test(
        "the SVG charts on /admin show the numbers of /admin/api/series; grouped failure log; event explorer",
        .enabled(if: RequiredTool.runs(HeadlessChromium.path != nil), "no chromium binary: run script/setup-tests (apt-get install chromium) or set HOOKRELAY_CHROMIUM"),
        .timeLimit(.minutes(3))
    )
    func chartsInBrowser() async throws {
        try RequiredTool.require(HeadlessChromium.path != nil, Self.missing)
        let healthy = try await SinkServer.start(.status(200))
        let failing = try await SinkServer.start(.status(500))
        let strict = try await SinkServer.start(.status(406))
        defer { Task { await healthy.stop(); await failing.stop(); await strict.stop() } }
        let config = DeliveryTests.destination("crm", healthy.url("/crm"), retry: "[]")
            + DeliveryTests.destination("partner", failing.url("/partner"), retry: #"["100ms"]"#)
            + DeliveryTests.destination("strict", strict.url("/strict"), retry: "[]")
            + DeliveryTests.route(["crm", "partner", "strict"])
        try await withRelay(config: config) { relay in
            let ids = (1...6).map { "evt-chart-\($0)" }
            for id in ids {
                #expect(try await relay.send(relay.mailgun.json(id: id, event: "failed", recipient: "alice@example.com")).status == 200)
            }
            for id in ids { _ = try await DeliveryTests.settled(relay, id) }

            // The API: one item per minute with attempts (the test may straddle a minute).
            var api: [String: [[String: Any]]] = [:]
            for name in ["crm", "partner", "strict"] {
                let response = try await relay.admin("/admin/api/series?destination=\(name)&minutes=1440")
                #expect(response.status == 200)
                api[name] = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [[String: Any]])
            }
            func total(_ name: String, _ field: String) -> Int { api[name, default: []].reduce(0) { $0 + ($1[field] as? Int ?? 0) } }
            #expect(total("crm", "delivered") == 6)
            #expect(total("partner", "failed") == 12, "two failed attempts per event: the first and its one retry")
            #expect(total("strict", "rejected") == 6)
            #expect(api["crm"]?.allSatisfy { ($0["p50_ms"] as? Int) != nil && ($0["p99_ms"] as? Int) != nil } == true)
            #expect((api["crm"]?.first?["minute"] as? String)?.hasSuffix(":00Z") == true, "the minute's start, RFC 3339 UTC")
            #expect(try await relay.admin("/admin/api/series?destination=nope").status == 404)
            #expect(try await relay.admin("/admin/api/series?destination=crm&minutes=0").status == 400)
            #expect(try await relay.admin("/admin/api/series?destination=crm&minutes=abc").status == 400)

            // Queue depth samples come once a minute: read before and after the page, which shows one of the two.
            func samples() async throws -> [String: [[String: Any]]] {
                var out: [String: [[String: Any]]] = [:]
                for name in ["crm", "partner", "strict"] {
                    let response = try await relay.admin("/admin/api/queue-depth?destination=\(name)&minutes=1440")
                    out[name] = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [[String: Any]])
                }
                return out
            }
            let samplesBefore = try await samples()

            let browser = try HeadlessChromium()
            defer { browser.remove() }
            let pageURL = "http://127.0.0.1:\(relay.adminPort)/admin"
            let run = try await browser.run(["--dump-dom", pageURL])
            #expect(run.status == 0 && run.finishedInTime, "chromium: \(run.stderr.suffix(2000))")
            let dom = run.stdout
            let samplesAfter = try await samples()
            try #require(dom.contains("<h1>hookrelay</h1>"), "not the admin page:\n\(dom.prefix(2000))")

            // Each destination's charts carry the API's numbers (config order: crm, partner, strict).
            for (index, name) in ["crm", "partner", "strict"].enumerated() {
                let items = api[name, default: []]
                let attempts = AdminPageBrowserTests.element(dom, from: #"<svg id="chart-\#(index)-attempts""#, to: ">")
                try #require(!attempts.isEmpty, "no attempts chart for \(name)")
                #expect(AdminPageBrowserTests.attribute("data-delivered", in: attempts) == String(total(name, "delivered")), "\(name)")
                #expect(AdminPageBrowserTests.attribute("data-failed", in: attempts) == String(total(name, "failed")), "\(name)")
                #expect(AdminPageBrowserTests.attribute("data-rejected", in: attempts) == String(total(name, "rejected")), "\(name)")
                #expect(AdminPageBrowserTests.attribute("data-minutes", in: attempts) == String(items.count), "\(name)")
                let peak = items.map { ($0["delivered"] as? Int ?? 0) + ($0["failed"] as? Int ?? 0) + ($0["rejected"] as? Int ?? 0) }.max() ?? 0
                #expect(AdminPageBrowserTests.attribute("data-peak", in: attempts) == String(peak), "\(name)")
                let chart = AdminPageBrowserTests.element(dom, from: #"<svg id="chart-\#(index)-attempts""#, to: "</svg>")
                #expect(chart.contains("delivered \(total(name, "delivered"))</tspan>"), "the legend text in the SVG")
                let latency = AdminPageBrowserTests.element(dom, from: #"<svg id="chart-\#(index)-latency""#, to: ">")
                let p99Peak = items.compactMap { $0["p99_ms"] as? Int }.max() ?? 0
                #expect(AdminPageBrowserTests.attribute("data-p99-peak", in: latency) == String(p99Peak), "\(name)")
                #expect(AdminPageBrowserTests.attribute("data-p50-last", in: latency) == (items.last?["p50_ms"] as? Int).map(String.init), "\(name)")
                let queue = AdminPageBrowserTests.element(dom, from: #"<svg id="chart-\#(index)-queue""#, to: ">")
                let shown = (AdminPageBrowserTests.attribute("data-samples", in: queue), AdminPageBrowserTests.attribute("data-last", in: queue))
                let matches = [samplesBefore[name, default: []], samplesAfter[name, default: []]].contains { samples in
                    shown.0 == String(samples.count) && shown.1 == (samples.last?["depth"] as? Int).map(String.init)
                }
                #expect(matches, "queue chart of \(name) \(shown) vs the API \(samplesBefore[name] ?? []) / \(samplesAfter[name] ?? [])")
                #expect(!samplesAfter[name, default: []].isEmpty, "a sample is taken when the relay starts")
            }

            // The failure log: one row per event and destination, not one per attempt.
            let failureRows = AdminPageBrowserTests.rows(in: AdminPageBrowserTests.element(dom, from: #"<table id="failures">"#, to: "</table>"))
            let partnerRows = failureRows.filter { $0.contains("<td>partner</td>") }
            #expect(partnerRows.count == 6, "6 events, 12 failed attempts: 6 rows")
            #expect(partnerRows.allSatisfy { $0.contains(#"data-attempts="2""#) && $0.contains("2 failed: #1–#2") })
            #expect(failureRows.filter { $0.contains("<td>strict</td>") }.count == 6)

            // The explorer: by destination and state, then one event's page.
            let found = try await relay.admin("/admin/events?destination=partner&state=dead&since=1h")
            #expect(found.status == 200)
            #expect(ids.allSatisfy { found.text.contains(">\($0)</a>") }, "every dead partner event listed:\n\(found.text)")
            #expect(try await relay.admin("/admin/events?state=sleeping").status == 400)
            let eventURL = "http://127.0.0.1:\(relay.adminPort)/admin/events/\(ids[0])"
            let eventRun = try await browser.run(["--dump-dom", eventURL])
            let event = eventRun.stdout
            #expect(event.contains("<h1>Event <code>\(ids[0])</code></h1>"), "\(event.prefix(2000))")
            let partner = AdminPageBrowserTests.element(event, from: #"<section class="delivery" data-destination="partner">"#, to: "</section>")
            #expect(partner.components(separatedBy: #"<li class="fail">"#).count - 1 == 2, "both failed attempts on the timeline:\n\(partner)")
            #expect(partner.contains("HTTP 500") && partner.contains("sink says 500"))
            #expect(partner.contains(#"data-state="dead""#))
            let crm = AdminPageBrowserTests.element(event, from: #"<section class="delivery" data-destination="crm">"#, to: "</section>")
            #expect(crm.contains(#"<li class="ok">"#) && crm.contains("HTTP 200"))
            let body = AdminPageBrowserTests.element(event, from: #"<pre id="body">"#, to: "</pre>")
            #expect(body.contains("[REDACTED]"), "the body, redacted:\n\(body)")
            #expect(!event.contains("alice@example.com"), "the recipient appears nowhere on the page")
            #expect(body.contains(ids[0]))

            if let directory = ProcessInfo.processInfo.environment["HOOKRELAY_DOCS_SCREENSHOTS"], !directory.isEmpty {
                for (file, url, height) in [("admin-failures.png", pageURL, 2400), ("admin-event.png", eventURL, 1300)] {
                    let path = (directory as NSString).appendingPathComponent(file)
                    let shot = try await browser.run(["--screenshot=\(path)", "--window-size=1280,\(height)", "--hide-scrollbars", url])
                    #expect(shot.status == 0 && FileManager.default.fileExists(atPath: path), "no screenshot: \(shot.stderr.suffix(2000))")
                }
            }
        }
    }
}
