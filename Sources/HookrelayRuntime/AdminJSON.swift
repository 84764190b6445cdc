import HookrelayCore
public import HookrelayStore

/// The JSON shapes of the admin API (SPEC §7), written by hand: small, fixed, and stable.
/// `hookrelay failures --json` prints the same text as `GET /admin/api/failures`.
///
/// `url` is the destination URL as stored, in full: these records are the machine interface
/// SPEC §7 defines, behind the admin listener (loopback, or `admin_token`). The outputs meant
/// to be read or pasted — logs, `check`, `stats`, the `failures` table, `test` — mask it.
public enum AdminJSON {
    /// `{"id","event","received","deliveries":[{"destination","url","state","attempts","last_status","last_error"}]}`
    static func event(_ record: EventRecord) -> String {
        let deliveries = record.deliveries.map { delivery in
            """
            {"destination":\(JSONText.quote(delivery.destination)),"url":\(JSONText.quote(delivery.url)),\
            "state":\(JSONText.quote(delivery.state)),"attempts":\(delivery.attempts),\
            "last_status":\(delivery.lastStatus.map(String.init) ?? "null"),\
            "last_error":\(delivery.lastError.map(JSONText.quote) ?? "null")}
            """
        }
        return """
            {"id":\(JSONText.quote(record.id)),"event":\(JSONText.quote(record.type)),"source":\(JSONText.quote(record.source)),\
            "received":\(JSONText.quote(timestamp(record.receivedAt))),"deliveries":[\(deliveries.joined(separator: ","))]}
            """
    }

    /// The failure log as a JSON array, in the order given (newest first from the store), one
    /// record per line.
    public static func failures(_ records: [FailureRecord]) -> String {
        guard !records.isEmpty else { return "[]" }
        return "[\n" + records.map(failure).joined(separator: ",\n") + "\n]"
    }

    /// One failed attempt:
    /// `{"time","event_id","event","destination","url","attempt","status","error","response","next_attempt"}`.
    /// `status` is null when no HTTP answer came; `next_attempt` is null when the delivery is
    /// dead or was rejected.
    public static func failure(_ record: FailureRecord) -> String {
        """
        {"time":\(JSONText.quote(timestamp(record.time))),"event_id":\(JSONText.quote(record.eventID)),\
        "event":\(JSONText.quote(record.eventType)),"destination":\(JSONText.quote(record.destination)),\
        "url":\(JSONText.quote(record.url)),"attempt":\(record.attempt),\
        "status":\(record.status.map(String.init) ?? "null"),"error":\(JSONText.quote(record.error)),\
        "response":\(JSONText.quote(record.response)),\
        "next_attempt":\(record.nextAttempt.map { JSONText.quote(timestamp($0)) } ?? "null")}
        """
    }

    /// `{"replayed":N}`
    static func replayed(_ count: Int) -> String {
        #"{"replayed":\#(count)}"#
    }

    /// RFC 3339 UTC with milliseconds (`2024-05-01T12:00:00.123Z`).
    public static func timestamp(_ millis: Int64) -> String {
        AdminTime.rfc3339(millis)
    }
}
