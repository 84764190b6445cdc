import HookrelayCore
import HookrelayStore

/// `GET /admin`: one server-rendered HTML page (SPEC §7, §12) with the backlog (queue depth,
/// oldest pending age), per-destination delivery counts, the last 24 hours' charts per
/// destination (`AdminCharts`), the event explorer's search form (`AdminExplorer`) and the
/// latest failed attempts — time, destination, URL, reason (HTTP status or error kind, plus the
/// response snippet) — like Mailgun's "Failure logs" tab, grouped into one row per event and
/// destination, and a replay control for each delivery that ended dead.
/// URLs are shown in full, as the failure log holds them (the page is behind the admin listener).
///
/// Rendered from the Mustache templates in `AdminTemplates` over plain dictionaries. No build
/// step and no external assets: inline CSS, and one small inline script (allowed by a per-page
/// CSP nonce) that makes the replay buttons `POST /admin/api/replay`. Everything that comes from
/// senders, destinations or the config is HTML-escaped (`AdminHTMLContentType`), and the page's
/// Content-Security-Policy allows no other script, no external loads and `fetch` to this origin
/// only — a second line of defence behind the escaping.
///
/// Replay and the admin token: a browser never re-sends a bearer token by itself, and the page
/// must not embed one. So with `admin_token` set (`tokenRequired`), the page shows the
/// equivalent `hookrelay replay …` command instead of a button. Without a token (the loopback
/// default) the button's plain same-origin `fetch` works; should it get a 401 anyway, it shows
/// the command.
///
/// Pause and resume (SPEC §12) are plain HTML forms (no script): a urlencoded `POST` to
/// `/admin/api/destinations/{name}/pause` (or `…/resume`) that answers 303 back to the page. With
/// `admin_token` set, each form has a password field for the token, which the page never holds.
enum AdminPage {
    /// Rows of the failure log (each an event's failed attempts at one destination).
    static let failureRows = 50
    /// Failed attempts read for the failure log, newest first, before grouping.
    static let failureRecordsRead = 500
    /// Destinations charted (config order); the page's reads stay bounded however many there are.
    static let chartedDestinations = 20
    /// Response characters shown inline in the failure log; longer ones fold out in full.
    static let snippetWidth = 160

    /// The page. `tokenRequired`: the admin listener has an `admin_token` (replay buttons
    /// become commands).
    /// `charts`: `AdminCharts.destination` of each charted destination; `destinationNames`: the
    /// configured destinations (the explorer's choices); `reload`: what the last reload did (a
    /// refused file's reason is shown until one succeeds).
    static func render(
        stats: AdminStats, failures: [FailureRecord], charts: [[String: Any]] = [], destinationNames: [String] = [], tokenRequired: Bool = false,
        reload: ReloadStatus.State? = nil
    ) -> String {
        let buttons = !tokenRequired
        let groups = group(failures)
        let dead = stats.destinations.reduce(0) { $0 + $1.count("dead") }
        var oldestPending: [String: Any] = ["id": "oldest-pending", "value": "-", "label": "oldest pending", "detail": "nothing waiting", "bad": false]
        if let oldest = stats.oldestPendingCreatedAt {
            oldestPending["value"] = AdminTime.age(millis: stats.now - oldest)
            oldestPending["detail"] = "since \(AdminTime.rfc3339Seconds(oldest))"
        }
        let cards: [[String: Any]] = [
            ["id": "queue-depth", "value": String(stats.queueDepth), "label": "queue depth", "detail": "pending + retrying", "bad": false],
            oldestPending,
            ["id": "dead-total", "value": String(dead), "label": "dead deliveries", "detail": "all destinations", "bad": dead > 0],
            ["id": "events-stored", "value": String(stats.events), "label": "events stored", "detail": "within dedup_window", "bad": false],
        ]
        return AdminTemplates.render("page", [
            "title": "hookrelay admin",
            "nonce": buttons ? scriptNonce() : false,
            "script": replayScript,
            "buttons": buttons,
            "tokenRequired": tokenRequired,
            "asOf": AdminTime.rfc3339Seconds(stats.now),
            "config": reload.map(configStatus) ?? false,
            "cards": cards,
            "states": RelayMetrics.deliveryStates,
            "hasDestinations": !stats.destinations.isEmpty,
            "destinations": stats.destinations.map { destinationRow($0, tokenRequired: tokenRequired) },
            "chartDestinations": charts,
            "chartsCut": destinationNames.count > charts.count && !charts.isEmpty,
            "chartsShown": charts.count,
            "destinationNames": destinationNames,
            "hasFailures": !failures.isEmpty,
            "failureCount": groups.count,
            "recordCount": failures.count,
            "failures": groups.map { failureRow($0, now: stats.now) },
        ])
    }

    // MARK: - Rows

    /// The config line: when it was loaded, a refused reload's reason, keys that need a restart.
    private static func configStatus(_ reload: ReloadStatus.State) -> [String: Any] {
        [
            "loadedAt": AdminTime.rfc3339Seconds(reload.loadedAt),
            "reloads": reload.reloads,
            "refused": reload.refused.map { ["time": AdminTime.rfc3339Seconds($0.time), "reason": $0.reason] } ?? false,
            "needsRestart": reload.needsRestart.isEmpty ? false : reload.needsRestart.joined(separator: ", "),
        ]
    }

    private static func destinationRow(_ row: AdminStats.Destination, tokenRequired: Bool) -> [String: Any] {
        let dead = row.count("dead")
        // A destination only in the store: a reload removed it; what waits for it is parked.
        let orphaned = row.url == nil ? row.count(DeliveryState.pending.rawValue) + row.count(DeliveryState.retrying.rawValue) : 0
        let pause = row.state != .paused
        return [
            "name": row.name,
            "state": row.state.rawValue,
            "stateBad": row.state != .active,
            // Only a configured destination can be paused (the API refuses others).
            "steer": row.url != nil ? [
                "action": AdminPauseRequest.path(percentEncoded(row.name), pause: pause),
                "label": pause ? "Pause" : "Resume",
                "tokenRequired": tokenRequired,
            ] : false,
            "url": row.url ?? false,
            "orphaned": orphaned > 0 ? orphaned : false,
            "counts": RelayMetrics.deliveryStates.map { state -> [String: Any] in
                let count = row.count(state)
                return ["state": state, "count": count, "bad": (state == "dead" || state == "rejected") && count > 0]
            },
            "recentFailures": AdminStats.failureCountText(row.recentFailures),
            // Replay by destination needs the destination in the config (the API refuses others).
            "replay": dead > 0 && row.url != nil ? [
                "kind": "destination", "attribute": "destination", "target": row.name,
                "command": "hookrelay replay --destination \(shellQuoted(row.name)) --state dead",
                "title": #"POST /admin/api/replay {"destination":…,"state":"dead"}"#, "label": "Replay \(dead) dead",
            ] : false,
        ]
    }

    /// The failure log's rows: records (newest first) grouped by event and destination URL, in
    /// the order of each group's newest record, at most `failureRows`. Each group keeps its records newest first.
    static func group(_ records: [FailureRecord]) -> [[FailureRecord]] {
        var groups: [[FailureRecord]] = []
        var index: [String: Int] = [:]
        for record in records {
            let key = record.eventID + "\u{0}" + record.url
            if let at = index[key] {
                groups[at].append(record)
            } else if groups.count < failureRows {
                index[key] = groups.count
                groups.append([record])
            }
        }
        return groups
    }

    private static func failureRow(_ group: [FailureRecord], now: Int64) -> [String: Any] {
        var row = failureRow(group[0], now: now)
        row["attempts"] = group.count
        if group.count > 1 {
            let numbers = group.map(\.attempt)
            row["earlier"] = "\(group.count) failed: #\(numbers.min() ?? 0)–#\(numbers.max() ?? 0)"
        } else {
            row["earlier"] = false
        }
        return row
    }

    private static func failureRow(_ record: FailureRecord, now: Int64) -> [String: Any] {
        let isDead = record.nextAttempt == nil && record.status != 406
        return [
            "dead": isDead,
            "time": AdminTime.rfc3339Seconds(record.time),
            "age": AdminTime.age(millis: max(0, now - record.time)),
            "destination": record.destination,
            "url": record.url,
            "reason": AdminFailureTable.reason(record),
            "response": response(record.response),
            "attempt": record.replay > 0 ? "\(record.attempt) (replay \(record.replay))" : String(record.attempt),
            "noNextAttempt": record.nextAttempt == nil,
            "nextAttempt": AdminFailureTable.nextAttempt(record),
            "eventPath": percentEncoded(record.eventID),
            "eventID": record.eventID,
            "eventType": record.eventType,
            "shortEventID": AdminFailureTable.oneLine(record.eventID, width: 28),
            "replay": isDead ? [
                "kind": "event", "attribute": "event-id", "target": record.eventID,
                "command": "hookrelay replay --event \(shellQuoted(record.eventID))",
                "title": #"POST /admin/api/replay {"event_id":…}: re-sends each delivery of this event not already waiting to go"#,
                "label": "Replay",
            ] : false,
        ]
    }

    /// The response on one line, cut to `snippetWidth`; the whole text (≤ 1 KiB) folds out
    /// (`folded`) when cut or on several lines. False when there is none.
    static func response(_ response: String) -> Any {
        let short = AdminFailureTable.oneLine(response, width: snippetWidth)
        guard !short.isEmpty else { return false }
        return ["short": short, "full": response, "folded": short.count < response.count || response.contains("\n")]
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

    /// A word for a POSIX shell: as is when it is plainly safe, else single-quoted, so a
    /// copied command never runs anything an event id smuggled in.
    static func shellQuoted(_ word: String) -> String {
        let safe = !word.isEmpty && word.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "-_.:@/+=,".unicodeScalars.contains($0)
        }
        guard !safe else { return word }
        var out = "'"
        // Scalar by scalar, as the HTML escaping: a quote with a combining mark is one Character.
        for scalar in word.unicodeScalars {
            if scalar == "'" { out += #"'\''"# } else { out.unicodeScalars.append(scalar) }
        }
        return out + "'"
    }

    static func percentEncoded(_ text: String) -> String {
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
