@testable import HookrelayCore
import Testing

private func json(_ text: String) throws -> JSONValue { try JSONValue(parsing: Array(text.utf8)) }

private let failedEvent = #"{"event-data":{"event":"failed","severity":"permanent","tags":["vip","news"],"code":550,"retry":1.5,"test":true,"n":null}}"#

// Guards SPEC §12 route filters: path must exist, value equal with its JSON type, or contained in a list.
@Test func routeFilterMatchesTypedValuesAndLists() throws {
    let event = try json(failedEvent)
    func matches(_ path: String, _ value: RouteFilter.Value) -> Bool {
        RouteFilter([.init(dottedPath: path, value: value)]).matches(event)
    }
    #expect(matches("event-data.severity", .string("permanent")))
    #expect(!matches("event-data.severity", .string("temporary")))
    #expect(matches("event-data.tags", .string("vip")))
    #expect(!matches("event-data.tags", .string("other")))
    #expect(matches("event-data.code", .integer(550)))
    #expect(!matches("event-data.code", .string("550")))  // 550 is not "550"
    #expect(matches("event-data.retry", .float(1.5)))
    #expect(matches("event-data.test", .bool(true)))
    #expect(!matches("event-data.test", .string("true")))  // true is not "true"
    #expect(!matches("event-data.missing", .string("x")))  // a path that is not there
    #expect(!matches("event-data.n", .string("null")))
    #expect(!matches("event-data", .string("x")))  // an object is no scalar
    #expect(!matches("event-data.severity.deeper", .string("permanent")))
    // Every condition must hold.
    let both = RouteFilter([.init(dottedPath: "event-data.severity", value: .string("permanent")),
                            .init(dottedPath: "event-data.tags", value: .string("vip"))])
    #expect(both.matches(event))
    let oneFails = RouteFilter([.init(dottedPath: "event-data.severity", value: .string("permanent")),
                                .init(dottedPath: "event-data.tags", value: .string("other"))])
    #expect(!oneFails.matches(event))
    // Numbers compare by value, the string "1" never equals the number 1.
    #expect(RouteFilter([.init(dottedPath: "a", value: .integer(1))]).matches(try json(#"{"a":1.0}"#)))
    #expect(!RouteFilter([.init(dottedPath: "a", value: .integer(1))]).matches(try json(#"{"a":"1"}"#)))
    #expect(RouteFilter([.init(dottedPath: "a", value: .integer(2))]).matches(try json(#"{"a":[1,2]}"#)))
    #expect(!RouteFilter([.init(dottedPath: "a", value: .string("1"))]).matches(try json(#"{"a":[1,2]}"#)))
}

@Test func routerAppliesFiltersOnlyToFilteredRoutes() throws {
    let config = RelayConfig(
        server: ServerConfig(),
        sources: [SourceConfig(name: "mailgun", path: "/webhooks/mailgun", scheme: .mailgun, keys: [Array("k".utf8)])],
        destinations: [
            DestinationConfig(name: "crm", url: "https://crm.example.com/hooks"),
            DestinationConfig(name: "alerts", url: "https://alerts.example.com/hooks"),
        ],
        routes: [
            RouteConfig(source: "mailgun", events: ["*"], to: ["crm"]),
            RouteConfig(source: "mailgun", events: ["failed"], to: ["alerts"],
                        filter: RouteFilter([.init(dottedPath: "event-data.severity", value: .string("permanent"))])),
        ]
    )
    let router = Router(config: config)
    let event = ReceivedEvent(id: "e1", type: "failed", contentType: "application/json")
    func payload(_ text: String) throws -> EventPayload {
        guard case .object(let object) = try json(text) else { throw RewriteError("not an object") }
        return EventPayload(.json(object))
    }
    let permanent = try payload(#"{"event-data":{"event":"failed","severity":"permanent"}}"#)
    let temporary = try payload(#"{"event-data":{"event":"failed","severity":"temporary"}}"#)
    #expect(router.destinations(source: "mailgun", event: event, payload: permanent).map(\.name) == ["crm", "alerts"])
    #expect(router.destinations(source: "mailgun", event: event, payload: temporary).map(\.name) == ["crm"])
    // Without the payload a filtered route does not match.
    #expect(router.destinations(source: "mailgun", event: event).map(\.name) == ["crm"])
    // A legacy form event is matched in its converted shape (`dropped` → failed, severity permanent).
    let legacy = EventPayload(.form(FormURLEncodedParser.parse(Array("event=dropped&recipient=a%40b.c&tag=vip".utf8))))
    #expect(router.destinations(source: "mailgun", event: event, payload: legacy).map(\.name) == ["crm", "alerts"])
}
