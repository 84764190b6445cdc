import HookrelayCore
import Testing

private func routerConfig(_ routes: [RouteConfig], destinations: [DestinationConfig]? = nil) -> RelayConfig {
    RelayConfig(
        server: ServerConfig(),
        sources: [
            SourceConfig(name: "mailgun", path: "/webhooks/mailgun", scheme: .mailgun, keys: [Array("k".utf8)]),
            SourceConfig(name: "github", path: "/webhooks/github", scheme: .github, keys: [Array("g".utf8)]),
        ],
        destinations: destinations ?? [
            DestinationConfig(name: "crm", url: "https://crm.example.com/hooks"),
            DestinationConfig(name: "crm-json", url: "https://CRM.example.com/hooks", rewrite: .json),
            DestinationConfig(name: "alerts", url: "https://hooks.slack.com/services/T/B/X"),
            DestinationConfig(name: "v2", url: "https://v2.example.com/hooks"),
        ],
        routes: routes
    )
}

private func event(_ type: String, aliases: [String] = [], domain: String? = "mg.example.com") -> ReceivedEvent {
    ReceivedEvent(id: "e1", type: type, typeAliases: aliases, domain: domain, contentType: "application/json")
}

private func names(_ destinations: [DestinationConfig]) -> [String] { destinations.map(\.name) }

@Test func routerAccountAndDomainLevel() {
    let router = Router(config: routerConfig([
        RouteConfig(source: "mailgun", events: ["*"], to: ["crm"]),
        RouteConfig(source: "mailgun", events: ["failed", "complained"], domains: ["mg.example.com"], to: ["alerts"]),
    ]))
    #expect(names(router.destinations(source: "mailgun", event: event("failed"))) == ["crm", "alerts"])
    #expect(names(router.destinations(source: "mailgun", event: event("complained", domain: "MG.Example.COM"))) == ["crm", "alerts"])
    // Other domain, no domain, other type: account level only.
    #expect(names(router.destinations(source: "mailgun", event: event("failed", domain: "other.example.com"))) == ["crm"])
    #expect(names(router.destinations(source: "mailgun", event: event("failed", domain: nil))) == ["crm"])
    #expect(names(router.destinations(source: "mailgun", event: event("delivered"))) == ["crm"])
}

// Guards SPEC §4 an event goes once to a URL two routes reach (script/mutate dedup-url).
@Test func routerDeduplicatesURLsAcrossRoutes() {
    // The same URL through a domain-level route (first) and an account-level route: once, first wins.
    let router = Router(config: routerConfig([
        RouteConfig(source: "mailgun", events: ["delivered"], domains: ["mg.example.com"], to: ["crm-json", "v2"]),
        RouteConfig(source: "mailgun", events: ["*"], to: ["crm", "v2"]),
    ]))
    let destinations = router.destinations(source: "mailgun", event: event("delivered"))
    #expect(names(destinations) == ["crm-json", "v2"])
    #expect(destinations[0].rewrite == .json)
    // Without the domain-level match, the account-level destination is used.
    #expect(names(router.destinations(source: "mailgun", event: event("delivered", domain: "x.com"))) == ["crm", "v2"])
}

@Test func routerDeduplicatesWithinOneRoute() {
    let router = Router(config: routerConfig([RouteConfig(source: "mailgun", events: ["*"], to: ["crm", "crm-json", "crm"])]))
    #expect(names(router.destinations(source: "mailgun", event: event("opened"))) == ["crm"])
}

@Test func routerWildcardAndSpecificTypes() {
    let router = Router(config: routerConfig([
        RouteConfig(source: "mailgun", events: ["opened", "clicked"], to: ["v2"]),
        RouteConfig(source: "mailgun", events: ["*"], to: ["alerts"]),
    ]))
    #expect(names(router.destinations(source: "mailgun", event: event("clicked"))) == ["v2", "alerts"])
    #expect(names(router.destinations(source: "mailgun", event: event("stored"))) == ["alerts"])
}

@Test func routerMatchesTypeAliases() {
    let router = Router(config: routerConfig([
        RouteConfig(source: "mailgun", events: ["permanent_fail"], to: ["alerts"]),
        RouteConfig(source: "mailgun", events: ["failed"], to: ["crm"]),
    ]))
    let permanent = event("failed", aliases: ["permanent_fail"])
    #expect(names(router.destinations(source: "mailgun", event: permanent)) == ["alerts", "crm"])
    let temporary = event("failed", aliases: ["temporary_fail"])
    #expect(names(router.destinations(source: "mailgun", event: temporary)) == ["crm"])
}

@Test func routerUnknownSourceOrNoMatchIsEmpty() {
    let router = Router(config: routerConfig([RouteConfig(source: "mailgun", events: ["delivered"], to: ["crm"])]))
    #expect(router.destinations(source: "nope", event: event("delivered")).isEmpty)
    #expect(router.destinations(source: "github", event: event("delivered")).isEmpty)
    #expect(router.destinations(source: "mailgun", event: event("opened")).isEmpty)
    #expect(router.hasRoutes(source: "mailgun"))
    #expect(!router.hasRoutes(source: "github"))
}

@Test func routerKeepsSourcesApart() {
    let router = Router(config: routerConfig([
        RouteConfig(source: "mailgun", events: ["*"], to: ["crm"]),
        RouteConfig(source: "github", events: ["push"], to: ["v2"]),
    ]))
    #expect(names(router.destinations(source: "github", event: event("push", domain: nil))) == ["v2"])
    #expect(names(router.destinations(source: "mailgun", event: event("push"))) == ["crm"])
}
