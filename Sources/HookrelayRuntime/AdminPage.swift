import HookrelayStore

/// `GET /admin`: per-destination counts and the latest failed attempts (time, URL, reason),
/// like Mailgun's "Failure logs" tab. Plain HTML, no scripts.
enum AdminPage {
    /// Failed attempts shown on the page.
    static let failureRows = 50

    static func render(stats: AdminStats, failures: [FailureRecord]) -> String {
        var out = head(title: "hookrelay")
        out += "<h1>hookrelay</h1>\n"
        out += "<p>Queue depth (pending + retrying): <b>\(stats.queueDepth)</b> · oldest pending: \(escape(stats.oldestPendingText))"
        out += " · events stored: \(stats.events) · \(AdminTime.rfc3339Seconds(stats.now))</p>\n"

        out += "<h2>Destinations</h2>\n<table><tr><th>destination</th><th>url</th>"
        for state in RelayMetrics.deliveryStates { out += "<th>\(state)</th>" }
        out += "<th>failures (1h)</th></tr>\n"
        for row in stats.destinations {
            out += "<tr><td>\(escape(row.name))</td><td>\(escape(row.url ?? "(not in config)"))</td>"
            for state in RelayMetrics.deliveryStates {
                let count = row.count(state)
                let style = (state == "dead" || state == "rejected") && count > 0 ? " class=\"bad\"" : ""
                out += "<td\(style)>\(count)</td>"
            }
            out += "<td>\(AdminStats.failureCountText(row.recentFailures))</td></tr>\n"
        }
        out += "</table>\n"

        out += "<h2>Failure log</h2>\n"
        if failures.isEmpty {
            out += "<p>No failed attempts.</p>\n"
        } else {
            out += "<p>The latest \(failures.count). All of them: <a href=\"/admin/api/failures?limit=1000\">/admin/api/failures</a>.</p>\n"
            out += "<table><tr><th>time</th><th>event</th><th>destination</th><th>url</th><th>attempt</th><th>reason</th><th>next attempt</th><th>response</th></tr>\n"
            for record in failures {
                out += "<tr><td>\(AdminTime.rfc3339Seconds(record.time))</td>"
                out += "<td><a href=\"/admin/api/events/\(escape(percentEncoded(record.eventID)))\">\(escape(record.eventType))</a></td>"
                out += "<td>\(escape(record.destination))</td><td>\(escape(record.url))</td><td>\(record.attempt)</td>"
                out += "<td>\(escape(AdminFailureTable.reason(record)))</td><td>\(escape(AdminFailureTable.nextAttempt(record)))</td>"
                out += "<td><code>\(escape(AdminFailureTable.snippet(record.response)))</code></td></tr>\n"
            }
            out += "</table>\n"
        }
        out += "<p>Replay: <code>POST /admin/api/replay</code> with <code>{\"event_id\":…}</code> or "
        out += "<code>{\"destination\":…,\"state\":\"dead\",\"since\":\"24h\"}</code>. Metrics: <a href=\"/metrics\">/metrics</a>.</p>\n"
        return out + "</body></html>\n"
    }

    static func head(title: String) -> String {
        """
        <!doctype html>
        <html><head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>
        body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
        table{border-collapse:collapse;font-size:0.9em}
        th,td{border:1px solid #ccc;padding:0.25em 0.5em;text-align:left;vertical-align:top}
        th{background:#f3f3f3}
        td.bad{color:#b00;font-weight:bold}
        pre{background:#f6f6f6;padding:0.5em;overflow:auto}
        </style></head><body>

        """
    }

    /// Text safe inside HTML elements and attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    private static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let isUnreserved = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
            if isUnreserved {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}
