import Foundation
import HookrelayStore

/// The charts on `/admin` (SPEC §12), drawn on the server as inline SVG: no script, no network.
/// Per destination, over the last 24 hours (1440 minutes, one SVG unit per minute):
/// - `attempts`: delivered / failed / rejected attempts per minute, stacked bars (one path per
///   outcome, a vertical stroke per minute);
/// - `latency`: attempt latency p50 and p99 per minute (`LatencyHistogram`) on a log scale from
///   1 ms to the window's peak (a 10 s outage must not flatten 50 ms days), lines broken where a
///   minute had no attempts (a lone minute is a dot);
/// - `queue`: the queue depth sampled once a minute (`QueueDepthSampler`).
///
/// Each chart carries its numbers twice: as text in the SVG (the legend: totals over the window,
/// peaks, the latest values) and as `data-` attributes of the `<svg>` for tests and scrapers.
/// They come from the same `SeriesMinute`s as `GET /admin/api/series`. The y axis runs from 0 to
/// the window's peak (at least 1), so a bar's height is its count × plot height / peak.
///
/// This type only computes geometry and labels; the markup is the `chart` template (escaped).
enum AdminCharts {
    /// Minutes a chart spans.
    static let minutes = 1440
    /// Left margin (y labels), right margin, top (legend) and bottom (time labels), in SVG units.
    static let left = 72.0, right = 12.0, top = 30.0, bottom = 24.0
    static let width = left + Double(minutes) + right

    /// One destination's three charts.
    static func destination(_ name: String, series: [SeriesMinute], depths: [QueueDepthSample], now: Int64, index: Int) -> [String: Any] {
        let end = SeriesMinute.start(of: now)
        let start = end - Int64(minutes - 1) * 60_000
        let inWindow = series.filter { $0.minute >= start && $0.minute <= end }
        let samples = depths.filter { $0.minute >= start && $0.minute <= end }
        return [
            "name": name,
            "charts": [
                attempts(inWindow, start: start, id: "chart-\(index)-attempts", destination: name),
                latency(inWindow, start: start, id: "chart-\(index)-latency", destination: name),
                queue(samples, start: start, id: "chart-\(index)-queue", destination: name),
            ],
        ]
    }

    // MARK: - The three charts

    static func attempts(_ series: [SeriesMinute], start: Int64, id: String, destination: String) -> [String: Any] {
        let plot = 120.0
        let peak = series.map(\.attempts).max() ?? 0
        // The axis tops at the peak (at least 1, so an empty chart has a 0 and a 1 on its axis).
        let axisTop = max(1, peak)
        let scale = plot / Double(axisTop)
        let base = top + plot
        var paths: [(String, String)] = []
        for (outcome, below, count) in [
            ("delivered", { (_: SeriesMinute) in 0 }, { (m: SeriesMinute) in m.delivered }),
            ("failed", { (m: SeriesMinute) in m.delivered }, { (m: SeriesMinute) in m.failed }),
            ("rejected", { (m: SeriesMinute) in m.delivered + m.failed }, { (m: SeriesMinute) in m.rejected }),
        ] as [(String, (SeriesMinute) -> Int, (SeriesMinute) -> Int)] {
            var d = ""
            for minute in series where count(minute) > 0 {
                let x = xCenter(minute.minute, start: start)
                let y0 = base - Double(below(minute)) * scale
                let y1 = y0 - Double(count(minute)) * scale
                d += "M\(number(x)) \(number(y0))V\(number(y1))"
            }
            paths.append((outcome, d))
        }
        let delivered = series.reduce(0) { $0 + $1.delivered }
        let failed = series.reduce(0) { $0 + $1.failed }
        let rejected = series.reduce(0) { $0 + $1.rejected }
        return chart(
            id: id, kind: "attempts", plot: plot, title: "\(destination): attempts per minute, last 24 hours",
            legend: [
                ("delivered", "delivered \(delivered)"), ("failed", "failed \(failed)"), ("rejected", "rejected \(rejected)"),
                ("note", "peak \(peak)/min"),
            ],
            data: [("delivered", delivered), ("failed", failed), ("rejected", rejected), ("peak", peak), ("minutes", series.count)],
            yTop: "\(axisTop)/min", paths: paths.filter { !$0.1.isEmpty }, start: start,
            empty: series.isEmpty ? "no attempts in the last 24 hours" : nil
        )
    }

    static func latency(_ series: [SeriesMinute], start: Int64, id: String, destination: String) -> [String: Any] {
        let plot = 110.0
        let measured = series.filter { $0.p50Millis != nil }
        let p50 = measured.map { ($0.minute, $0.p50Millis ?? 0) }
        let p99 = measured.map { ($0.minute, $0.p99Millis ?? 0) }
        let peak = p99.map(\.1).max() ?? 0
        let latest = measured.last
        var legend: [(String, String)] = [("p50", "p50"), ("p99", "p99")]
        var data: [(String, Int)] = [("p99-peak", Int(peak)), ("p50-peak", Int(p50.map(\.1).max() ?? 0)), ("minutes", measured.count)]
        if let latest, let lastP50 = latest.p50Millis, let lastP99 = latest.p99Millis {
            legend.append(("note", "latest (\(AdminTime.clock(latest.minute))) p50 \(lastP50) ms · p99 \(lastP99) ms · peak p99 \(peak) ms"))
            data += [("p50-last", Int(lastP50)), ("p99-last", Int(lastP99))]
        }
        // Log scale: 1 ms at the bottom, the peak (at least 10 ms) at the top, a grid line per decade between.
        let axisTop = max(10, peak)
        let y: (Int64) -> Double = { value in top + plot - plot * log10(Double(max(1, value))) / log10(Double(axisTop)) }
        var levels: [(Double, String)] = []
        var decade: Int64 = 10
        while decade < axisTop {
            // Only where the label has room: clear of the top and bottom labels and of the previous one.
            let at = y(decade)
            if at - top >= 16 && top + plot - at >= 16 && (levels.last.map { $0.0 - at >= 16 } ?? true) {
                levels.append((at, millisText(decade)))
            }
            decade *= 10
        }
        var drawn = chart(
            id: id, kind: "latency", plot: plot, title: "\(destination): attempt latency p50 and p99 per minute (log scale), last 24 hours",
            legend: legend, data: data, yTop: millisText(axisTop), yBottom: "1 ms",
            paths: [("p50", line(p50, start: start, y: y)), ("p99", line(p99, start: start, y: y))].filter { !$0.1.isEmpty },
            start: start, empty: measured.isEmpty ? "no attempts in the last 24 hours" : nil
        )
        drawn["levels"] = levels.map { ["y": number($0.0), "labelY": number($0.0 + 5), "label": $0.1] }
        return drawn
    }

    static func queue(_ samples: [QueueDepthSample], start: Int64, id: String, destination: String) -> [String: Any] {
        let plot = 60.0
        let points = samples.map { ($0.minute, Int64($0.depth)) }
        let peak = points.map(\.1).max() ?? 0
        var legend: [(String, String)] = [("depth", "queue depth")]
        var data: [(String, Int)] = [("peak", Int(peak)), ("samples", samples.count)]
        if let last = samples.last {
            legend.append(("note", "latest (\(AdminTime.clock(last.minute))) \(last.depth) · peak \(peak)"))
            data.append(("last", last.depth))
        }
        return chart(
            id: id, kind: "queue", plot: plot, title: "\(destination): queue depth (pending + retrying), sampled each minute, last 24 hours",
            legend: legend, data: data, yTop: String(max(1, peak)),
            paths: [("depth", line(points, start: start, y: { top + plot - Double($0) * plot / Double(max(1, peak)) }))].filter { !$0.1.isEmpty },
            start: start, empty: samples.isEmpty ? "no samples yet" : nil
        )
    }

    // MARK: - Geometry

    /// The x of the middle of `minute`'s column.
    static func xCenter(_ minute: Int64, start: Int64) -> Double {
        left + Double((minute - start) / 60_000) + 0.5
    }

    /// A line through `points` (minute, value), broken where minutes are missing: a lone point is
    /// `h0`, which the round line cap draws as a dot.
    static func line(_ points: [(Int64, Int64)], start: Int64, y: (Int64) -> Double) -> String {
        var d = ""
        var previous: Int64?
        for (minute, value) in points {
            let x = number(xCenter(minute, start: start)), y = number(y(value))
            if let previous, minute - previous == 60_000 {
                d += "L\(x) \(y)"
            } else {
                d += "M\(x) \(y)h0"
            }
            previous = minute
        }
        return d
    }

    /// `250 ms`, `1.5 s`, `10 s` (axis labels).
    static func millisText(_ millis: Int64) -> String {
        guard millis >= 1000 else { return "\(millis) ms" }
        return millis % 1000 == 0 ? "\(millis / 1000) s" : "\(number(Double(millis / 100) / 10)) s"
    }

    /// A coordinate with at most two decimals, no trailing zeros.
    static func number(_ value: Double) -> String {
        let hundredths = (value * 100).rounded()
        if hundredths.truncatingRemainder(dividingBy: 100) == 0 { return String(Int64(hundredths / 100)) }
        var text = String(format: "%.2f", hundredths / 100)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }

    /// The template data of one chart.
    private static func chart(
        id: String, kind: String, plot: Double, title: String, legend: [(String, String)], data: [(String, Int)], yTop: String,
        yBottom: String = "0", paths: [(String, String)], start: Int64, empty: String?
    ) -> [String: Any] {
        let height = top + plot + bottom
        // Time labels every 3 hours on the hour (UTC), and grid lines under them.
        var ticks: [[String: Any]] = []
        let end = start + Int64(minutes - 1) * 60_000
        var tick = (start / 10_800_000 + 1) * 10_800_000
        while tick <= end {
            let x = number(xCenter(tick, start: start))
            ticks.append(["x": x, "label": AdminTime.clock(tick)])
            tick += 10_800_000
        }
        return [
            "id": id, "kind": kind, "title": title,
            "width": number(width), "height": number(height),
            "data": data.map { ["name": $0.0, "value": String($0.1)] },
            "legend": legend.map { ["series": $0.0, "label": $0.1, "note": $0.0 == "note"] },
            "legendY": number(top - 10),
            "left": number(left), "right": number(left + Double(minutes)), "plotTop": number(top), "plotBottom": number(top + plot),
            "labelX": number(left - 6), "topLabelY": number(top + 10), "bottomLabelY": number(top + plot),
            "yTop": yTop, "yBottom": yBottom, "levels": [[String: Any]](), "timeY": number(top + plot + 17),
            "ticks": ticks,
            "paths": paths.map { ["series": $0.0, "d": $0.1] },
            "empty": empty ?? false, "emptyX": number(left + Double(minutes) / 2), "emptyY": number(top + plot / 2),
        ]
    }
}
