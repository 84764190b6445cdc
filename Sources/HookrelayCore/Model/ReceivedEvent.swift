/// What a verified inbound request carries, as far as routing and dedup need it.
public struct ReceivedEvent: Sendable, Equatable {
    /// Event identity: Mailgun `event-data.id`, the token for legacy events, `webhook-id`, or `id_from`.
    public var id: String
    /// Event type: `event-data.event`, legacy `event`, or `type_from`.
    public var type: String
    /// More names routes may use for this event, e.g. `permanent_fail` for a permanent `failed`.
    public var typeAliases: [String]
    /// Sending domain, for domain-level routes; nil when unknown.
    public var domain: String?
    /// Mailgun signature token, kept for `max_age` to catch replays.
    public var token: String?
    /// Body kind as received, so a passthrough delivery keeps it.
    public var contentType: String

    public init(id: String, type: String, typeAliases: [String] = [], domain: String? = nil, token: String? = nil, contentType: String) {
        self.id = id
        self.type = type
        self.typeAliases = typeAliases
        self.domain = domain
        self.token = token
        self.contentType = contentType
    }

    /// The type and its aliases: every name a route's `events` list may match.
    public var routableTypes: [String] { [type] + typeAliases }
}
