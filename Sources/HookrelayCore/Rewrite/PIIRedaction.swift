/// Mailgun's PII redaction table (SPEC §5): `[REDACTED]` over `event-data.recipient`,
/// `message.headers.to` and `envelope.targets` for every event, and `ip` for opened, clicked,
/// complained and unsubscribed; `message-id`, user variables and the rest are kept.
public enum PIIRedaction {
    /// What replaces a redacted value.
    public static let placeholder = "[REDACTED]"
    /// Events whose `ip` is the recipient's (engagement events) and so is redacted.
    public static let ipEvents: Set<String> = ["opened", "clicked", "complained", "unsubscribed"]

    static let everyEventPaths: [[String]] = [
        ["event-data", "recipient"],
        ["event-data", "message", "headers", "to"],
        ["event-data", "envelope", "targets"],
    ]

    /// Redacts `event` (the Mailgun JSON shape) in place; fields that are absent stay absent.
    /// Returns true when anything changed.
    @discardableResult
    public static func redact(_ event: inout JSONValue) -> Bool {
        var changed = false
        for path in everyEventPaths {
            changed = event.replaceExisting(at: path[...], with: .string(placeholder)) || changed
        }
        // Any of the event's types counts, should a body repeat `event-data` or `event`.
        if event.values(at: ["event-data", "event"]).contains(where: { $0.stringValue.map(ipEvents.contains) ?? false }) {
            changed = event.replaceExisting(at: ["event-data", "ip"], with: .string(placeholder)) || changed
        }
        return changed
    }
}
