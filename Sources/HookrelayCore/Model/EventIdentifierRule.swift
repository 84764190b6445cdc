/// What an event id or event type may be (SPEC §11), wherever it comes from (`event-data.id`,
/// a legacy token, `webhook-id`, `id_from`, `event-data.event`, legacy `event`, `type_from`):
/// at most 512 bytes of UTF-8 and no control character (U+0000–U+001F, U+007F). Every delivery
/// sends the id in its `X-Hookrelay-Event-Id` header, where a strict server refuses a control
/// character (a tab and DEL included); an event holding one would be accepted and then fail
/// every attempt, so ingest refuses it (400) instead.
public enum EventIdentifierRule {
    /// The longest id or type, in bytes of UTF-8.
    public static let maxBytes = 512

    /// Why `text` cannot be an event's `what` (`"event id"`, `"event type"`), or nil when it can.
    public static func problem(_ text: String, what: String) -> String? {
        let utf8 = text.utf8
        if utf8.count > maxBytes { return "\(what) is longer than \(maxBytes) bytes" }
        if utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) { return "\(what) has a control character" }
        return nil
    }
}
