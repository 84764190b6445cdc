import Foundation
import HookrelayCore
@testable import HookrelayRuntime
import HookrelayStore
import HookrelayTestSupport
import Testing

/// A day of history on `/admin` (SPEC §12): a store holding 24 hours of per-minute attempts and
/// queue depth samples (written through the store's own `record` and `recordQueueDepths`, with
/// past times) is served by a relay and rendered by headless Chromium; every bar of the
/// attempts chart must be the API's count for its minute.
///
/// With `HOOKRELAY_DOCS_SCREENSHOTS=DIR` it also saves `admin-overview.png` there.
@Suite("AdminChartsHistory")
struct AdminChartsHistoryTests {
    /// Deterministic traffic for minute `m` (0 = 24 hours ago) of a destination; `outage`: the
    /// minutes when it answered nothing but errors and slowly.
    static func traffic(_ m: Int, base: Int, outage: Range<Int>) -> (delivered: [Int64], failed: [Int64], rejected: Int) {
        let wave = Int((sin(Double(m) / 1440 * 2 * .pi * 2) + 1) * Double(base) / 2)
        if outage.contains(m) { return ([], Array(repeating: 10_000, count: 1 + m % 3), 0) }
        let delivered = (0..<(base / 2 + wave + m % 3)).map { Int64(30 + ($0 * 37 + m * 11) % 120 + ($0 == 0 && m % 20 == 0 ? 900 : 0)) }
        return (delivered, m % 45 == 0 ? [250] : [], m % 130 == 0 ? 1 : 0)
    }

    static func seedHistory(_ store: EventStore, now: Int64) async throws {
        let end = SeriesMinute.start(of: now) - 60_000  // up to the minute before: the current one is the live relay's
        let start = end - 1438 * 60_000
        let shapes: [(String, String, Int, Range<Int>)] = [("crm", AdminRelay.crmURL, 8, 900..<960), ("app-v2", AdminRelay.appURL, 4, 1000..<1200)]
        var pending: [Task<Void, any Error>] = []
        for (destination, url, base, outage) in shapes {
            var records: [AttemptRecord] = []
            for m in 0..<1439 {
                let time = start + Int64(m) * 60_000 + 1_000
                let (delivered, failed, rejected) = traffic(m, base: base, outage: outage)
                func record(_ state: DeliveryState, _ latency: Int64?) -> AttemptRecord {
                    // No delivery row (id -1) and no failure-log record: only the series counts it.
                    AttemptRecord(
                        deliveryID: -1, eventID: "history", eventType: "delivered", destination: destination, url: url, attempt: 1,
                        state: state, nextAttemptAt: nil, status: nil, error: nil, message: nil, response: "", replays: 0, time: time,
                        isFailure: false, latencyMillis: latency
                    )
                }
                records += delivered.map { record(.delivered, $0) } + failed.map { record(.retrying, $0) }
                records += Array(repeating: record(.rejected, 80), count: rejected)
            }
            for record in records {
                pending.append(Task { try await store.seedRecord(record) })
            }
            for m in stride(from: 0, to: 1439, by: 1) {
                let depth = outage.contains(m) ? (m - outage.lowerBound) * 3 : (m >= outage.upperBound && m < outage.upperBound + 30 ? (outage.count * 3) * (outage.upperBound + 30 - m) / 30 : m % 5)
                let time = start + Int64(m) * 60_000
                pending.append(Task {
                    guard case .success = await store.recordQueueDepths([destination: depth], now: time, keepSince: 0) else { throw SeedError(description: "sample") }
                })
            }
        }
        for task in pending { try await task.value }
    }

    @Test(
        "a day of history: every bar of the attempts chart is the API's count for its minute",
        .enabled(if: RequiredTool.runs(HeadlessChromium.path != nil), "no chromium binary: run script/setup-tests (apt-get install chromium) or set HOOKRELAY_CHROMIUM"),
        .timeLimit(.minutes(3))
    )
    func dayOfHistory() async throws {
        try RequiredTool.require(HeadlessChromium.path != nil, AdminChartsBrowserTests.missing)
        let now = AdminTime.nowMillis()
        try await withAdminRelay(seed: { store in
            try await Self.seedHistory(store, now: now)
            for index in 1...3 {
                try await store.seedEvent(id: "evt-2024-\(index)", destinations: [("crm", AdminRelay.crmURL), ("app-v2", AdminRelay.appURL)])
            }
            try await store.seedOutcome(destination: "app-v2", state: "dead", status: 503)
        }) { relay in
            func series(_ name: String) async throws -> [[String: Any]] {
                let response = try await relay.get("/admin/api/series?destination=\(name)&minutes=1440")
                #expect(response.status == 200)
                return try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [[String: Any]])
            }
            // A full day for two destinations draws in about 165 KB (one path per series, not an element per minute).
            let page = try await relay.get("/admin")
            #expect(page.status == 200)
            #expect(page.body.count < 300_000, "the page stays small: \(page.body.count) bytes")
            let before = try await series("crm")
            #expect(before.count >= 1438, "a day of minutes: \(before.count)")
            let browser = try HeadlessChromium()
            defer { browser.remove() }
            let pageURL = "http://127.0.0.1:\(relay.adminPort)/admin"
            let run = try await browser.run(["--dump-dom", pageURL])
            #expect(run.status == 0 && run.finishedInTime, "chromium: \(run.stderr.suffix(2000))")
            let after = try await series("crm")
            let chart = AdminPageBrowserTests.element(run.stdout, from: #"<svg id="chart-0-attempts""#, to: "</svg>")
            try #require(!chart.isEmpty, "no chart in:\n\(run.stdout.prefix(3000))")
            let peak = try #require(AdminPageBrowserTests.attribute("data-peak", in: chart).flatMap(Int.init))
            let d = try #require(chart.components(separatedBy: #"data-series="delivered" d=""#).dropFirst().first?.split(separator: "\"").first)
            // Each bar: "M x y0 V y1"; its count is its height × peak / 120 (the plot's height).
            let bars = d.split(separator: "M").map { segment -> (Double, Int) in
                let parts = segment.split(whereSeparator: { $0 == " " || $0 == "V" }).map { Double($0)! }
                return (parts[0], Int(((parts[1] - parts[2]) * Double(peak) / 120).rounded()))
            }
            // The page shows the API's minutes (read before or after it, should a minute have turned).
            let matched = [before, after].contains { items in
                let delivered = items.filter { ($0["delivered"] as? Int ?? 0) > 0 }
                let minutes = delivered.compactMap { ($0["minute"] as? String).flatMap(AdminTime.parseRFC3339) }
                guard delivered.count == bars.count, let first = minutes.first, let firstX = bars.first?.0 else { return false }
                let peakOfItems = items.map { ($0["delivered"] as? Int ?? 0) + ($0["failed"] as? Int ?? 0) + ($0["rejected"] as? Int ?? 0) }.max()
                return peakOfItems == peak
                    && zip(delivered, bars).allSatisfy { ($0["delivered"] as? Int) == $1.1 }
                    && zip(minutes, bars).allSatisfy { Double(($0 - first) / 60_000) == $1.0 - firstX }
            }
            #expect(matched, "bars \(bars.prefix(5))… vs the API's \(before.prefix(5))…")
            #expect(chart.contains("peak \(peak)/min"))

            if let directory = ProcessInfo.processInfo.environment["HOOKRELAY_DOCS_SCREENSHOTS"], !directory.isEmpty {
                let path = (directory as NSString).appendingPathComponent("admin-overview.png")
                let shot = try await browser.run(["--screenshot=\(path)", "--window-size=1280,1900", "--hide-scrollbars", pageURL])
                #expect(shot.status == 0 && FileManager.default.fileExists(atPath: path), "no screenshot: \(shot.stderr.suffix(2000))")
            }
        }
    }
}
