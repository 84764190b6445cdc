import HookrelayCore
public import HookrelayStore

/// The JSON shapes of the admin API (SPEC §7), built as `JSONValue`s and written by the core's
/// `JSONWriter` (compact, members in the order given, `null` for a missing value).
/// `hookrelay failures --json` prints the same text as `GET /admin/api/failures`.
///
/// `url` is the destination URL as stored, in full: these records are the machine interface
/// SPEC §7 defines, behind the admin listener (loopback, or `admin_token`). The outputs meant
/// to be read or pasted — logs, `check`, `stats`, the `failures` table, `test` — mask it.
public enum AdminJSON {
    /// `{"id","event","source","received","deliveries":[{"destination","url","state","attempts","last_status","last_error"}]}`
    /// One event and its deliveries; `configured`: the destinations of the config now (a
    /// delivery waiting for one that is gone shows as `orphaned`).
    static func event(_ record: EventRecord, configured: Set<String>) -> String {
        let deliveries = record.deliveries.map { delivery in
            object([
                "destination": .string(delivery.destination), "url": .string(delivery.url),
                "state": .string(ShownDeliveryState.of(state: delivery.state, destination: delivery.destination, configured: configured)),
                "attempts": number(delivery.attempts), "last_status": delivery.lastStatus.map(number) ?? .null,
                "last_error": delivery.lastError.map(JSONValue.string) ?? .null,
            ])
        }
        return text(object([
            "id": .string(record.id), "event": .string(record.type), "source": .string(record.source),
            "received": .string(timestamp(record.receivedAt)), "deliveries": .array(deliveries),
        ]))
    }

    /// The failure log as a JSON array, in the order given (newest first from the store), one
    /// record per line.
    public static func failures(_ records: [FailureRecord]) -> String {
        lines(records.map(failureValue), open: "[\n", close: "\n]")
    }

    /// One failed attempt:
    /// `{"time","event_id","event","destination","url","attempt","status","error","response","next_attempt"}`.
    /// `status` is null when no HTTP answer came; `next_attempt` is null when the delivery is
    /// dead or was rejected.
    public static func failure(_ record: FailureRecord) -> String {
        text(failureValue(record))
    }

    static func failureValue(_ record: FailureRecord) -> JSONValue {
        object([
            "time": .string(timestamp(record.time)), "event_id": .string(record.eventID), "event": .string(record.eventType),
            "destination": .string(record.destination), "url": .string(record.url), "attempt": number(record.attempt),
            "status": record.status.map(number) ?? .null, "error": .string(record.error), "response": .string(record.response),
            "next_attempt": record.nextAttempt.map { .string(timestamp($0)) } ?? .null,
        ])
    }

    /// `GET /admin/api/destinations` (SPEC §12): the configured destinations in config order,
    /// one per line, `[{"name","url","state","pending","retrying","dead","delivered_1h","failed_1h"}]`.
    /// Here `url` is masked as `check` masks it (`URLMasking`). `state` is `active`, `paused` or
    /// `probing` (`DestinationState`). The `_1h` counts are attempts of the last hour
    /// (`AdminStats`), each at most `AdminStats.failureCountCap`.
    public static func destinations(_ stats: AdminStats) -> String {
        let rows = stats.destinations.compactMap { row -> JSONValue? in
            guard let url = row.maskedURL else { return nil }  // only in the store: not a destination any more
            return object([
                "name": .string(row.name), "url": .string(url), "state": .string(row.state.rawValue),
                "pending": number(row.count("pending")), "retrying": number(row.count("retrying")), "dead": number(row.count("dead")),
                "delivered_1h": number(row.recentDelivered), "failed_1h": number(row.recentFailures),
            ])
        }
        return lines(rows, open: "[\n", close: "\n]")
    }

    /// `GET /admin/api/series` (SPEC §12): one destination's minutes with attempts, oldest first,
    /// one per line: `[{"minute","delivered","failed","rejected","p50_ms","p99_ms"}]`, `minute` the
    /// RFC 3339 UTC start of the minute; `p50_ms`/`p99_ms` from the minute's `LatencyHistogram`,
    /// null when no attempt of the minute went out.
    static func series(_ minutes: [SeriesMinute]) -> String {
        lines(minutes.map { minute in
            object([
                "minute": .string(AdminTime.rfc3339Seconds(minute.minute)), "delivered": number(minute.delivered),
                "failed": number(minute.failed), "rejected": number(minute.rejected),
                "p50_ms": minute.p50Millis.map(number) ?? .null, "p99_ms": minute.p99Millis.map(number) ?? .null,
            ])
        }, open: "[\n", close: "\n]")
    }

    /// `GET /admin/api/queue-depth`: one destination's queue depth samples, oldest first,
    /// `[{"minute","depth"}]`.
    static func queueDepth(_ samples: [QueueDepthSample]) -> String {
        lines(samples.map { object(["minute": .string(AdminTime.rfc3339Seconds($0.minute)), "depth": number($0.depth)]) }, open: "[\n", close: "\n]")
    }

    /// `{"name","state","changed"}`: the answer to a pause or resume; `changed` is false when the
    /// destination already was so.
    static func steered(_ name: String, state: DestinationState, changed: Bool) -> String {
        text(object(["name": .string(name), "state": .string(state.rawValue), "changed": .bool(changed)]))
    }

    /// `{"replayed":N}`
    static func replayed(_ count: Int) -> String {
        text(object(["replayed": number(count)]))
    }

    /// RFC 3339 UTC with milliseconds (`2024-05-01T12:00:00.123Z`).
    public static func timestamp(_ millis: Int64) -> String {
        AdminTime.rfc3339(millis)
    }

    // MARK: - Building and writing

    /// An object with these members, in this order.
    static func object(_ members: KeyValuePairs<String, JSONValue>) -> JSONValue {
        .object(JSONObject(members.map { JSONObject.Member($0.key, $0.value) }))
    }

    static func number(_ value: some BinaryInteger) -> JSONValue {
        .number(String(value))
    }

    /// The value as compact JSON text.
    static func text(_ value: JSONValue) -> String {
        String(decoding: value.serialized(), as: UTF8.self)
    }

    /// An array written one element per line: `open`, the elements joined by `,\n`, `close`;
    /// `[]` when there are none.
    static func lines(_ elements: [JSONValue], open: String, close: String) -> String {
        guard !elements.isEmpty else { return "[]" }
        var out = Array(open.utf8)
        for (index, element) in elements.enumerated() {
            if index > 0 { out.append(contentsOf: ",\n".utf8) }
            out.append(contentsOf: element.serialized())
        }
        out.append(contentsOf: close.utf8)
        return String(decoding: out, as: UTF8.self)
    }
}
