import Foundation
import HookrelayCore
@testable import HookrelayRuntime
import HookrelayStore
import Testing

/// The server-drawn SVG charts of `/admin` (SPEC §12): the numbers in the SVG — legend text,
/// `data-` attributes and the bars' heights — are the series' numbers.
@Suite("Admin charts")
struct AdminChartsTests {
    static let now = Int64(1_714_564_800_000) + 30_000  // 2024-05-01T12:00:30Z
    static let minute = SeriesMinute.start(of: now)

    static func minute(_ offset: Int64, delivered: Int, failed: Int, rejected: Int, latencies: [Int64]) -> SeriesMinute {
        var value = SeriesMinute(minute: minute + offset * 60_000, delivered: delivered, failed: failed, rejected: rejected)
        for latency in latencies { value.latency.add(millis: latency) }
        return value
    }

    static let series = [
        minute(-1439, delivered: 1, failed: 0, rejected: 0, latencies: [5]),
        minute(-600, delivered: 7, failed: 2, rejected: 1, latencies: [10, 20, 30, 40, 50, 60, 70, 80, 900]),
        minute(-599, delivered: 3, failed: 0, rejected: 0, latencies: [15, 15, 15]),
        minute(0, delivered: 0, failed: 4, rejected: 0, latencies: [100, 100, 100, 100]),
    ]
    static let depths = [QueueDepthSample(minute: minute - 120_000, depth: 3), QueueDepthSample(minute: minute, depth: 11)]

    static func page() -> String {
        let charts = [AdminCharts.destination("crm <&>", series: series + [minute(-1440, delivered: 99, failed: 0, rejected: 0, latencies: [])],
                                              depths: depths, now: now, index: 0)]
        let stats = AdminStats(destinations: [], queueDepth: 0, oldestPendingCreatedAt: nil, events: 0, now: now)
        return AdminPage.render(stats: stats, failures: [], charts: charts, destinationNames: ["crm <&>"])
    }

    /// The `<svg …>` element with this id, up to `</svg>`.
    static func svg(_ page: String, _ id: String) throws -> String {
        let start = try #require(page.range(of: #"<svg id="\#(id)""#))
        let end = try #require(page.range(of: "</svg>", range: start.upperBound..<page.endIndex))
        return String(page[start.lowerBound..<end.upperBound])
    }

    static func attribute(_ name: String, _ element: String) -> String? {
        guard let start = element.range(of: " \(name)=\""), let end = element[start.upperBound...].firstIndex(of: "\"") else { return nil }
        return String(element[start.upperBound..<end])
    }

    /// The vertical strokes `M x y0 V y1` of a bar path: (minute index, height).
    static func bars(_ d: String) -> [(Int, Double)] {
        d.split(separator: "M").map { segment in
            let parts = segment.split(whereSeparator: { $0 == " " || $0 == "V" }).map { Double($0)! }
            return (Int(parts[0] - AdminCharts.left), parts[1] - parts[2])
        }
    }

    @Test("attempts chart: totals, peak and one bar per minute whose height is its count, in the 24 h window only")
    func attemptsChart() throws {
        let chart = try Self.svg(Self.page(), "chart-0-attempts")
        #expect(Self.attribute("data-delivered", chart) == "11")
        #expect(Self.attribute("data-failed", chart) == "6")
        #expect(Self.attribute("data-rejected", chart) == "1")
        #expect(Self.attribute("data-peak", chart) == "10")
        #expect(Self.attribute("data-minutes", chart) == "4", "the minute 24 h ago is outside the window")
        #expect(chart.contains("delivered 11</tspan>") && chart.contains("failed 6</tspan>") && chart.contains("rejected 1</tspan>"))
        #expect(chart.contains("peak 10/min"))
        // Plot height 120 for a peak of 10: 12 units per attempt.
        let d = try #require(chart.components(separatedBy: #"data-series="delivered" d=""#).dropFirst().first?.split(separator: "\"").first)
        let delivered = Self.bars(String(d))
        #expect(delivered.map(\.0) == [0, 839, 840], "x: the minute's index in the window")
        #expect(delivered.map(\.1) == [12, 84, 36])
        let f = try #require(chart.components(separatedBy: #"data-series="failed" d=""#).dropFirst().first?.split(separator: "\"").first)
        #expect(Self.bars(String(f)).map(\.1) == [24, 48])
        #expect(String(f).hasPrefix("M911.5 66V42"), "failed stacked on delivered: x = 72 + 839.5, from 30 + 120 - 84 up by 24")
    }

    @Test("latency and queue charts: p50/p99 and depth numbers from the same minutes; names escaped")
    func latencyAndQueue() throws {
        let page = Self.page()
        let latency = try Self.svg(page, "chart-0-latency")
        // Minute -600: [10…80, 900] → p50 = 5th (50 ms), p99 = 9th (900, capped at the max). Last minute: 100 ms.
        #expect(Self.attribute("data-p99-peak", latency) == "900")
        #expect(Self.attribute("data-p50-peak", latency) == "100")
        #expect(Self.attribute("data-p50-last", latency) == "100")
        #expect(Self.attribute("data-p99-last", latency) == "100")
        #expect(latency.contains("p50 100 ms · p99 100 ms · peak p99 900 ms"))
        let queue = try Self.svg(page, "chart-0-queue")
        #expect(Self.attribute("data-last", queue) == "11")
        #expect(Self.attribute("data-peak", queue) == "11")
        #expect(Self.attribute("data-samples", queue) == "2")
        #expect(page.contains("crm &lt;&amp;&gt;"))
        #expect(!page.contains("crm <&>"))
        #expect(page.contains("form-action 'self'"))
    }

    @Test("GET /admin/api/series parameters: a configured destination (404 otherwise), minutes 1–1440 (400 otherwise)")
    func seriesQuery() {
        let names: Set<String> = ["crm"]
        let now = Self.now
        guard case .success(let query) = AdminSeriesQuery.parse(["destination": "crm", "minutes": "5"], destinations: names, now: now) else {
            Issue.record("refused")
            return
        }
        #expect(query.minutes == 5)
        #expect(query.since == Self.minute - 4 * 60_000, "the current minute and the 4 before it")
        if case .success(let defaulted) = AdminSeriesQuery.parse(["destination": "crm"], destinations: names, now: now) {
            #expect(defaulted.minutes == 60)
        } else {
            Issue.record("default minutes refused")
        }
        for (parameters, status) in [
            (["destination": "nope"], 404), ([:], 400), (["destination": "crm", "minutes": "0"], 400),
            (["destination": "crm", "minutes": "1441"], 400), (["destination": "crm", "minutes": "-5"], 400),
            (["destination": "crm", "minutes": "5m"], 400), (["destination": "crm", "minutes": ""], 400),
            (["destination": "crm", "minutes": "99999999999999999999"], 400),
        ] {
            guard case .failure(let refusal) = AdminSeriesQuery.parse(parameters, destinations: names, now: now) else {
                Issue.record("accepted \(parameters)")
                continue
            }
            #expect(refusal.status == status, "\(parameters)")
        }
    }

    @Test("series JSON: minute start in RFC 3339 UTC, counts, p50_ms/p99_ms (null without latency)")
    func seriesJSON() {
        let text = AdminJSON.series([Self.series[3], SeriesMinute(minute: Self.minute + 60_000, rejected: 1)])
        #expect(text == """
            [
            {"minute":"2024-05-01T12:00:00Z","delivered":0,"failed":4,"rejected":0,"p50_ms":100,"p99_ms":100},
            {"minute":"2024-05-01T12:01:00Z","delivered":0,"failed":0,"rejected":1,"p50_ms":null,"p99_ms":null}
            ]
            """)
        #expect(AdminJSON.series([]) == "[]")
    }
}
