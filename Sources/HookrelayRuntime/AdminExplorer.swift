import Foundation
import HookrelayCore
import HookrelayStore

/// The event explorer on the admin listener (SPEC §12): `GET /admin/events` finds events (by
/// id, by destination and state, by the time they were received) and `GET /admin/events/{id}`
/// shows one: each delivery's attempts as a timeline (time, status or error, response snippet,
/// what comes next) and the body, redacted.
///
/// The body is only ever shown redacted: read as the `json` rewrite reads it (a legacy form
/// event converted to Mailgun's JSON shape), with Mailgun's PII table applied (`PIIRedaction`,
/// as `redact = true` does) and the source's signature and token replaced too. A body that
/// cannot be read that way is not shown at all; there is no unredacted view on this listener.
/// Everything is rendered through the escaping templates (`AdminTemplates.events`, `.event`).
enum AdminExplorer {
    /// Events listed per search.
    static let resultLimit = 50
    /// Events of the time range a search looks at, newest first (the store's `EventQuery.scanLimit`).
    static let scanLimit = 20_000
    /// Failed attempts shown on an event page.
    static let attemptLimit = 200
    /// Characters of the redacted body shown.
    static let bodyLimit = 64 * 1024

    // MARK: - Search

    /// Reads the search form's fields: `id`, `destination`, `state`, `since`, `until` (as the
    /// failure log's `since`: a duration back from now, an RFC 3339 time or Unix seconds).
    static func query(_ parameters: [String: String], now: Int64) -> Result<EventQuery, AdminProblem> {
        func field(_ name: String) -> String? {
            guard let value = parameters[name]?.trimmingSpacesAround, !value.isEmpty else { return nil }
            return value
        }
        var query = EventQuery(limit: resultLimit, scanLimit: scanLimit)
        query.id = field("id")
        query.destination = field("destination")
        if let state = field("state") {
            guard DeliveryState(rawValue: state) != nil else {
                return .failure(AdminProblem("state: expected one of \(DeliveryState.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(state)\""))
            }
            query.state = state
        }
        for (name, keyPath) in [("since", \EventQuery.since), ("until", \EventQuery.until)] {
            guard let text = field(name) else { continue }
            guard let millis = AdminTime.since(text, now: now) else {
                return .failure(AdminProblem("\(name): expected a duration (\"24h\"), an RFC 3339 time or Unix seconds, got \"\(text)\""))
            }
            query[keyPath: keyPath] = millis
        }
        return .success(query)
    }

    /// The results page; `error` instead when the form could not be read.
    static func searchPage(_ query: EventQuery?, _ search: EventSearch?, error: String? = nil) -> String {
        var summary = "Search: "
        if let query {
            var terms: [String] = []
            if let id = query.id { terms.append("id \(id)") }
            if let destination = query.destination { terms.append("destination \(destination)") }
            if let state = query.state { terms.append("state \(state)") }
            if let since = query.since { terms.append("received since \(AdminTime.rfc3339Seconds(since))") }
            if let until = query.until { terms.append("until \(AdminTime.rfc3339Seconds(until))") }
            summary += terms.isEmpty ? "the newest events" : terms.joined(separator: ", ")
            if let search {
                summary += " — \(search.events.count == resultLimit ? "the newest \(resultLimit)" : String(search.events.count)) event(s) found, newest first."
            }
        } else {
            summary += "not run."
        }
        let events = (search?.events ?? []).map { event -> [String: Any] in
            [
                "received": AdminTime.rfc3339Seconds(event.receivedAt), "id": event.id, "path": AdminPage.percentEncoded(event.id),
                "type": event.type, "source": event.source,
                "deliveries": event.deliveries.map { ["destination": $0.destination, "state": $0.state, "attempts": $0.attempts, "bad": isBad($0.state)] },
            ]
        }
        return AdminTemplates.render("events", [
            "title": "hookrelay: find events", "nonce": false, "summary": summary, "error": error ?? false,
            "scanLimitReached": search?.scanLimitReached ?? false, "scanLimit": scanLimit,
            "hasEvents": !events.isEmpty, "events": events,
            "filtered": query?.destination != nil || query?.state != nil,
        ])
    }

    // MARK: - One event

    /// The event page.
    static func eventPage(_ detail: EventDetail, now: Int64) -> String {
        let record = detail.record
        let deliveries = record.deliveries.enumerated().map { index, delivery -> [String: Any] in
            let times = index < detail.deliveryTimes.count ? detail.deliveryTimes[index] : nil
            let attempts = detail.attempts.filter { $0.url == delivery.url && $0.destination == delivery.destination }
            var timeline: [[String: Any]] = []
            if let times {
                timeline.append(["kind": "", "time": AdminTime.rfc3339Seconds(times.created), "label": "queued", "reason": false, "next": false, "response": false])
            }
            for attempt in attempts {
                timeline.append([
                    "kind": "fail", "time": AdminTime.rfc3339Seconds(attempt.time),
                    "label": attempt.replay > 0 ? "attempt \(attempt.attempt) (replay \(attempt.replay))" : "attempt \(attempt.attempt)",
                    "reason": AdminFailureTable.reason(attempt),
                    "next": attempt.nextAttempt.map { "next attempt \(AdminTime.rfc3339Seconds($0))" } ?? AdminFailureTable.nextAttempt(attempt),
                    "response": AdminPage.response(attempt.response),
                ])
            }
            switch delivery.state {
            case DeliveryState.delivered.rawValue:
                timeline.append([
                    "kind": "ok", "time": times.map { AdminTime.rfc3339Seconds($0.updated) } ?? "-", "label": "attempt \(delivery.attempts): delivered",
                    "reason": delivery.lastStatus.map { "HTTP \($0)" } ?? false, "next": false, "response": false,
                ])
            case DeliveryState.pending.rawValue, DeliveryState.retrying.rawValue:
                timeline.append([
                    "kind": "next", "time": delivery.nextAttemptAt.map(AdminTime.rfc3339Seconds) ?? "now",
                    "label": delivery.nextAttemptAt == nil ? "attempt \(delivery.attempts + 1) in flight" : "attempt \(delivery.attempts + 1) due",
                    "reason": false, "next": false, "response": false,
                ])
            default:
                break
            }
            return [
                "destination": delivery.destination, "url": delivery.url, "state": delivery.state, "bad": isBad(delivery.state),
                "attempts": delivery.attempts, "timeline": timeline,
            ]
        }
        let replayable = record.deliveries.contains { DeliveryState(rawValue: $0.state).map(DeliveryState.replayable.contains) == true }
        let body = redactedBody(detail)
        return AdminTemplates.render("event", [
            "title": "hookrelay: event \(record.id)", "nonce": false,
            "id": record.id, "path": AdminPage.percentEncoded(record.id), "type": record.type, "source": record.source,
            "domain": record.domain ?? false, "received": AdminTime.rfc3339Seconds(record.receivedAt),
            "deliveries": deliveries, "attemptsCut": detail.attemptsCut,
            "replay": replayable ? "hookrelay replay --event \(AdminPage.shellQuoted(record.id))" : false, "attemptLimit": attemptLimit,
            "bodyNote": body.note, "bodyText": body.text ?? false,
        ])
    }

    /// The body as the page shows it: redacted, indented JSON (cut to `bodyLimit`), or nil with
    /// the reason it is not shown.
    static func redactedBody(_ detail: EventDetail) -> (text: String?, note: String) {
        let size = "\(detail.body.count) bytes, \(detail.contentType.isEmpty ? "no content type" : detail.contentType)"
        var document: EventDocument
        do {
            document = try EventDocument(body: detail.body, contentType: detail.contentType)
        } catch {
            return (nil, "Not shown (\(size)): it cannot be read as JSON or a form, so it cannot be redacted.")
        }
        document.redact()
        for field in ["signature", "token"] {
            document.value.replaceExisting(at: ["signature", field], with: .string(PIIRedaction.placeholder))
        }
        var text = JSONPrettyWriter.text(document.value)
        var note = "Redacted (\(size)): recipient, message.headers.to, envelope.targets, the ip of engagement events (Mailgun's PII table, as redact = true does) and the signature; form bodies are shown converted to Mailgun's JSON shape. No unredacted view is offered here."
        if text.count > bodyLimit {
            text = String(text.prefix(bodyLimit)) + "\n…"
            note += " Cut at \(bodyLimit / 1024) KiB."
        }
        return (text, note)
    }

    private static func isBad(_ state: String) -> Bool {
        state == DeliveryState.dead.rawValue || state == DeliveryState.rejected.rawValue
    }
}
