import HookrelayStore

/// `GET /admin`: one server-rendered HTML page (SPEC §7) with the backlog (queue depth, oldest
/// pending age), per-destination delivery counts and the latest failed attempts — time,
/// destination, URL, reason (HTTP status or error kind, plus the response snippet) — like
/// Mailgun's "Failure logs" tab, and a replay control for each delivery that ended dead.
/// URLs are shown in full, as the failure log holds them (the page is behind the admin listener).
///
/// No build step and no external assets: inline CSS, and one small inline script (allowed by a
/// per-page CSP nonce) that makes the replay buttons `POST /admin/api/replay`. Everything that
/// comes from senders, destinations or the config is HTML-escaped.
///
/// Replay and the admin token: a browser never re-sends a bearer token by itself, and the page
/// must not embed one. So with `admin_token` set (`tokenRequired`), the page shows the
/// equivalent `hookrelay replay …` command instead of a button. Without a token (the loopback
/// default) the button's plain same-origin `fetch` works; should it get a 401 anyway, it shows
/// the command.
enum AdminPage {
    /// Failed attempts shown on the page.
    static let failureRows = 50
    /// Response characters shown inline in the failure log; longer ones fold out in full.
    static let snippetWidth = 160

    /// The page. `tokenRequired`: the admin listener has an `admin_token` (replay buttons
    /// become commands).
    static func render(stats: AdminStats, failures: [FailureRecord], tokenRequired: Bool = false) -> String {
        let buttons = !tokenRequired
        let nonce = buttons ? scriptNonce() : nil
        var out = head(title: "hookrelay admin", scriptNonce: nonce)
        out += "<header><h1>hookrelay</h1><span class=\"muted\">as of \(AdminTime.rfc3339Seconds(stats.now)) · "
        out += "<a href=\"/admin\">refresh</a> · <a href=\"/metrics\">/metrics</a></span></header>\n"
        out += summary(stats)
        out += destinations(stats, buttons: buttons)
        out += failureLog(failures, buttons: buttons, now: stats.now)
        out += footer(tokenRequired: tokenRequired)
        if let nonce { out += "<script nonce=\"\(nonce)\">\n\(replayScript)</script>\n" }
        return out + "</body></html>\n"
    }

    // MARK: - Sections

    private static func summary(_ stats: AdminStats) -> String {
        let dead = stats.destinations.reduce(0) { $0 + $1.count("dead") }
        var out = "<section class=\"summary\" aria-label=\"backlog\">\n"
        out += card(id: "queue-depth", value: String(stats.queueDepth), label: "queue depth", detail: "pending + retrying")
        if let oldest = stats.oldestPendingCreatedAt {
            out += card(id: "oldest-pending", value: AdminTime.age(millis: stats.now - oldest), label: "oldest pending",
                        detail: "since \(AdminTime.rfc3339Seconds(oldest))")
        } else {
            out += card(id: "oldest-pending", value: "-", label: "oldest pending", detail: "nothing waiting")
        }
        out += card(id: "dead-total", value: String(dead), label: "dead deliveries", detail: "all destinations", bad: dead > 0)
        out += card(id: "events-stored", value: String(stats.events), label: "events stored", detail: "within dedup_window")
        return out + "</section>\n"
    }

    private static func card(id: String, value: String, label: String, detail: String, bad: Bool = false) -> String {
        "<div class=\"card\" id=\"\(id)\"><div class=\"value\(bad ? " bad" : "")\">\(escape(value))</div>"
            + "<div>\(escape(label))</div><div class=\"muted\">\(escape(detail))</div></div>\n"
    }

    private static func destinations(_ stats: AdminStats, buttons: Bool) -> String {
        var out = "<h2>Destinations</h2>\n"
        guard !stats.destinations.isEmpty else { return out + "<p>No destinations configured.</p>\n" }
        out += "<table id=\"destinations\"><thead><tr><th>destination</th><th>url</th>"
        for state in RelayMetrics.deliveryStates { out += "<th class=\"num\">\(state)</th>" }
        out += "<th class=\"num\">failures (1h)</th><th>replay dead</th></tr></thead><tbody>\n"
        for row in stats.destinations {
            out += "<tr data-destination=\"\(escape(row.name))\"><td>\(escape(row.name))</td>"
            out += "<td class=\"url\">\(row.url.map(escape) ?? "<span class=\"muted\">(not in config)</span>")</td>"
            for state in RelayMetrics.deliveryStates {
                let count = row.count(state)
                let bad = (state == "dead" || state == "rejected") && count > 0
                out += "<td class=\"num\(bad ? " bad" : "")\" data-state=\"\(state)\">\(count)</td>"
            }
            out += "<td class=\"num\">\(AdminStats.failureCountText(row.recentFailures))</td><td>"
            let dead = row.count("dead")
            if dead > 0 && row.url != nil {
                // Replay by destination needs the destination in the config (the API refuses others).
                out += replayControl(
                    buttons: buttons, target: "data-replay=\"destination\" data-destination=\"\(escape(row.name))\"",
                    command: "hookrelay replay --destination \(shellQuoted(row.name)) --state dead",
                    title: "POST /admin/api/replay {&quot;destination&quot;:…,&quot;state&quot;:&quot;dead&quot;}", label: "Replay \(dead) dead"
                )
            } else {
                out += "<span class=\"muted\">-</span>"
            }
            out += "</td></tr>\n"
        }
        return out + "</tbody></table>\n"
    }

    private static func failureLog(_ failures: [FailureRecord], buttons: Bool, now: Int64) -> String {
        var out = "<h2>Failure log</h2>\n"
        guard !failures.isEmpty else {
            return out + "<p id=\"no-failures\">No failed attempts in the log (records are kept for <code>failure_log_retention</code>).</p>\n"
        }
        out += "<p class=\"muted\">The latest \(failures.count) failed attempts, newest first. All of them, filtered: "
        out += "<a href=\"/admin/api/failures?limit=1000\">/admin/api/failures</a> or <code>hookrelay failures --since 1h</code>.</p>\n"
        out += "<table id=\"failures\"><thead><tr><th>time</th><th>destination</th><th>url</th><th>reason</th>"
        out += "<th class=\"num\">attempt</th><th>next attempt</th><th>event</th><th>replay</th></tr></thead><tbody>\n"
        for record in failures {
            let next = AdminFailureTable.nextAttempt(record)
            let isDead = record.nextAttempt == nil && record.status != 406
            out += "<tr class=\"failure\(isDead ? " dead" : "")\">"
            out += "<td class=\"time\">\(AdminTime.rfc3339Seconds(record.time))<br><span class=\"muted\">\(escape(AdminTime.age(millis: max(0, now - record.time)))) ago</span></td>"
            out += "<td>\(escape(record.destination))</td><td class=\"url\">\(escape(record.url))</td>"
            out += "<td class=\"reason\"><b>\(escape(AdminFailureTable.reason(record)))</b>\(responseCell(record.response))</td>"
            let attempt = record.replay > 0 ? "\(record.attempt) (replay \(record.replay))" : String(record.attempt)
            out += "<td class=\"num\">\(escape(attempt))</td>"
            out += "<td\(record.nextAttempt == nil ? " class=\"bad\"" : "")>\(escape(next))</td>"
            out += "<td><a href=\"/admin/api/events/\(escape(percentEncoded(record.eventID)))\" title=\"\(escape(record.eventID))\">"
            out += "\(escape(record.eventType))</a><br><span class=\"muted id\">\(escape(AdminFailureTable.oneLine(record.eventID, width: 28)))</span></td><td>"
            if isDead {
                out += replayControl(
                    buttons: buttons, target: "data-replay=\"event\" data-event-id=\"\(escape(record.eventID))\"",
                    command: "hookrelay replay --event \(shellQuoted(record.eventID))",
                    title: "POST /admin/api/replay {&quot;event_id&quot;:…}: re-sends each delivery of this event not already waiting to go",
                    label: "Replay"
                )
            } else {
                out += "<span class=\"muted\">-</span>"
            }
            out += "</td></tr>\n"
        }
        return out + "</tbody></table>\n"
    }

    /// The response on one line, cut to `snippetWidth`; the whole text (≤ 1 KiB) folds out when cut.
    private static func responseCell(_ response: String) -> String {
        let short = AdminFailureTable.oneLine(response, width: snippetWidth)
        guard !short.isEmpty else { return "" }
        guard short.count < response.count || response.contains("\n") else {
            return "<br><code class=\"response\">\(escape(short))</code>"
        }
        return "<details><summary><code class=\"response\">\(escape(short))</code></summary><pre>\(escape(response))</pre></details>"
    }

    private static func footer(tokenRequired: Bool) -> String {
        var out = "<footer class=\"muted\"><p>Replay re-queues deliveries (due now, whole retry schedule again): by event, each "
        out += "delivery of that event not already waiting to go; by destination, its dead deliveries. API: <code>POST /admin/api/replay</code> with "
        out += "<code>{\"event_id\":…}</code> or <code>{\"destination\":…,\"state\":\"dead\",\"since\":\"24h\"}</code>.</p>\n"
        if tokenRequired {
            out += "<p>This listener requires <code>admin_token</code>, which a browser does not send by itself, so replays "
            out += "are shown as commands to run next to the relay's config (add <code>--config PATH</code> if it is not ./relay.conf).</p>\n"
        }
        return out + "</footer>\n"
    }

    // MARK: - Script

    /// Enables the replay buttons (they are disabled without the script) and posts their replay.
    /// Only `textContent` is written: nothing from the server is parsed as HTML.
    static let replayScript = """
        document.querySelectorAll("button[data-replay]").forEach(function (button) {
          var result = button.parentNode.querySelector(".result");
          button.disabled = false;
          button.addEventListener("click", function () {
            var body = button.dataset.replay === "event"
              ? {event_id: button.dataset.eventId}
              : {destination: button.dataset.destination, state: "dead"};
            button.disabled = true;
            result.textContent = "replaying…";
            fetch("/admin/api/replay", {
              method: "POST", credentials: "same-origin",
              headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)
            }).then(function (response) {
              return response.json().catch(function () { return {}; }).then(function (answer) {
                if (response.ok) {
                  result.textContent = "replayed " + answer.replayed + " (refresh to follow it)";
                  return;
                }
                result.textContent = response.status === 401
                  ? "the admin token is required; run: " + button.dataset.command
                  : "error " + response.status + (answer.message ? ": " + answer.message : "");
                button.disabled = false;
              });
            }, function (error) {
              result.textContent = "request failed: " + error;
              button.disabled = false;
            });
          });
        });

        """

    /// A fresh CSP nonce: 128 random bits, hex.
    private static func scriptNonce() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let hex = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }

    // MARK: - Shared with the request bin page

    /// The document head: inline CSS only, and a Content-Security-Policy that allows no script
    /// unless `scriptNonce` is given (then only `<script nonce=…>`), no external loads, and
    /// `fetch` to this origin only — a second line of defence behind `escape`.
    static func head(title: String, scriptNonce: String? = nil) -> String {
        let scripts = scriptNonce.map { "'nonce-\($0)'" } ?? "'none'"
        return """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src \(scripts); connect-src 'self'; base-uri 'none'; form-action 'none'">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em;color:#1f2328;background:#fff;font-size:15px}
        header{display:flex;align-items:baseline;gap:1em;flex-wrap:wrap}
        h1{font-size:1.5em;margin:0 0 .5em}
        h2{font-size:1.15em;margin:1.5em 0 .5em}
        a{color:#0550ae}
        .muted{color:#656d76;font-size:.9em}
        .summary{display:flex;gap:1em;flex-wrap:wrap}
        .card{border:1px solid #d0d7de;border-radius:6px;padding:.6em 1em;min-width:10em}
        .card .value{font-size:1.6em;font-weight:600}
        table{border-collapse:collapse;font-size:.9em;max-width:100%}
        th,td{border:1px solid #d0d7de;padding:.35em .6em;text-align:left;vertical-align:top}
        th{background:#f6f8fa;font-weight:600}
        tbody tr:nth-child(even){background:#fafbfc}
        td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
        td.url{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;overflow-wrap:anywhere;max-width:28em}
        td.reason{min-width:12em;max-width:30em}
        td.time{white-space:nowrap}
        .id{overflow-wrap:anywhere}
        .bad{color:#cf222e;font-weight:600}
        tr.dead td:first-child{box-shadow:inset 3px 0 #cf222e}
        code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em;overflow-wrap:anywhere}
        code.response{color:#57606a}
        details summary{cursor:pointer}
        pre{background:#f6f8fa;padding:.5em;overflow:auto;max-width:40em;white-space:pre-wrap;overflow-wrap:anywhere}
        button{font:inherit;padding:.15em .7em;cursor:pointer}
        .result{font-size:.85em;color:#1a7f37}
        footer{margin-top:2em}
        </style></head><body>

        """
    }

    /// Text safe inside HTML elements and double- or single-quoted attribute values.
    /// Scalar by scalar, not by `Character`: a quote followed by a combining mark is one
    /// Character that is not `"`, and would otherwise go out raw and end the attribute.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A replay control: a button (enabled by the page's script) when no token is needed,
    /// else the equivalent `hookrelay replay` command to copy. `target` holds the escaped
    /// `data-*` attributes naming what to replay; `title` is already HTML.
    static func replayControl(buttons: Bool, target: String, command: String, title: String, label: String) -> String {
        guard buttons else { return "<code>\(escape(command))</code>" }
        return "<button type=\"button\" disabled \(target) data-command=\"\(escape(command))\" title=\"\(title)\">"
            + "\(label)</button> <span class=\"result\" role=\"status\"></span>"
    }

    /// A word for a POSIX shell: as is when it is plainly safe, else single-quoted, so a
    /// copied command never runs anything an event id smuggled in.
    static func shellQuoted(_ word: String) -> String {
        let safe = !word.isEmpty && word.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "-_.:@/+=,".unicodeScalars.contains($0)
        }
        guard !safe else { return word }
        var out = "'"
        // Scalar by scalar, as in `escape`: a quote with a combining mark is one Character.
        for scalar in word.unicodeScalars {
            if scalar == "'" { out += #"'\''"# } else { out.unicodeScalars.append(scalar) }
        }
        return out + "'"
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
