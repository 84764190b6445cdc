/// A verified event's body as the verifier read it, for route filters (`RouteFilter`): the JSON
/// object of a JSON event, the fields of a legacy form event.
///
/// The body is parsed once, by the verifier; `document` only wraps a JSON object, and converts
/// a legacy form event (`LegacyEventConverter`) when a filter asks for it.
public struct EventPayload: Sendable {
    let body: WebhookBody

    init(_ body: WebhookBody) {
        self.body = body
    }

    /// The event in its JSON shape: a JSON body as it is, a legacy form event converted.
    public var document: JSONValue {
        switch body {
        case .json(let object): return .object(object)
        case .form(let fields): return LegacyEventConverter.convert(fields)
        }
    }
}
