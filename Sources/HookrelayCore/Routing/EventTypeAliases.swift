/// Event type names that stand for a variant of another type, as routes may use them.
///
/// Mailgun's webhook settings name `permanent_fail` and `temporary_fail` where its events say
/// `failed` with a `severity`; a parsed `failed` event carries the matching alias in
/// `ReceivedEvent.typeAliases`. The routing table (`hookrelay check`) uses this map to list
/// and count those variants as one event would see them.
public enum EventTypeAliases {
    /// Type → the aliases an event of that type may carry (one at a time).
    public static let mailgun: [String: [String]] = [
        "failed": ["permanent_fail", "temporary_fail"],
    ]
}
