import HookrelayCore
import Testing

private let tableConfig = RelayConfig(
    server: ServerConfig(),
    sources: [SourceConfig(name: "mailgun", path: "/webhooks/mailgun", scheme: .mailgun, keys: [Array("k".utf8)])],
    destinations: [
        DestinationConfig(name: "crm", url: "https://crm.example.com/hooks"),
        DestinationConfig(name: "crm-copy", url: "https://crm.example.com/hooks"),
        DestinationConfig(name: "alerts", url: "https://hooks.slack.com/x"),
        DestinationConfig(name: "v2", url: "https://v2.example.com/hooks"),
        DestinationConfig(name: "audit", url: "https://audit.example.com/hooks"),
    ],
    routes: [
        RouteConfig(source: "mailgun", events: ["*"], to: ["crm"]),
        RouteConfig(source: "mailgun", events: ["failed", "complained"], domains: ["mg.example.com"], to: ["alerts", "crm-copy"]),
        RouteConfig(source: "mailgun", events: ["permanent_fail"], to: ["v2"]),
    ]
)

@Test func routingTableListsEveryCombination() {
    let table = RoutingTable(config: tableConfig)
    let rows = table.entries.map { "\($0.eventLabel) \($0.domainLabel): " + $0.targets.map { $0.names.joined(separator: "+") }.joined(separator: ",") }
    #expect(rows == [
        "failed mg.example.com: crm+crm-copy,alerts",
        "failed *: crm",
        "failed/permanent_fail mg.example.com: crm+crm-copy,alerts,v2",
        "failed/permanent_fail *: crm,v2",
        "complained mg.example.com: crm+crm-copy,alerts",
        "complained *: crm",
        "* mg.example.com: crm",
        "* *: crm",
    ])
    #expect(table.entries.allSatisfy { $0.source == "mailgun" })
    #expect(table.violations(maxURLsPerEvent: 3).isEmpty)
}

@Test func routingTableViolations() {
    var config = tableConfig
    config.routes.append(RouteConfig(source: "mailgun", events: ["failed"], domains: ["MG.example.com"], to: ["audit"]))
    let violations = RoutingTable(config: config).violations(maxURLsPerEvent: 3)
    #expect(violations.count == 1)
    let violation = violations[0]
    #expect(violation.entry.eventLabel == "failed/permanent_fail")
    #expect(violation.entry.domain == "mg.example.com")
    #expect(violation.routeIndex == 3)
    #expect(violation.description == """
        source "mailgun", event "failed/permanent_fail", domain "mg.example.com": 4 destination URLs \
        (https://crm.example.com/hooks, https://hooks.slack.com/x, https://v2.example.com/hooks, https://audit.example.com/hooks), \
        more than max_urls_per_event = 3
        """)
    #expect(RoutingTable(config: config).violations(maxURLsPerEvent: 4).isEmpty)
}

@Test func routingTableRendersAlignedColumns() {
    let text = RoutingTable(config: tableConfig).rendered()
    let lines = text.split(separator: "\n").map(String.init)
    #expect(lines.first == "SOURCE   EVENT                  DOMAIN          DESTINATIONS")
    #expect(lines.contains("mailgun  failed                 mg.example.com  crm, crm-copy <https://crm.example.com/hooks>, alerts <https://hooks.slack.com/x>"))
    #expect(lines.contains("mailgun  *                      *               crm <https://crm.example.com/hooks>"))
    #expect(lines.count == 9)
}

@Test func routingTableShowsSourcesWithoutRoutes() {
    var config = tableConfig
    config.sources.append(SourceConfig(name: "gh", path: "/gh", scheme: .github, keys: [[1]]))
    let table = RoutingTable(config: config)
    let last = table.entries.last!
    #expect(last.source == "gh" && last.event == "*" && last.domain == nil && last.targets.isEmpty)
    #expect(table.rendered().contains("(none: answered 406)"))
}

// Guards SPEC §12: `check` counts URLs as if every route filter matched.
@Test func routingTableCountsFilteredRoutesAsMatching() {
    var config = tableConfig
    config.routes.append(RouteConfig(source: "mailgun", events: ["*"], to: ["audit"],
                                     filter: RouteFilter([.init(dottedPath: "event-data.severity", value: .string("permanent"))])))
    let star = RoutingTable(config: config).entries.first { $0.event == "*" && $0.domain == nil }
    #expect(star?.targets.map { $0.names.joined(separator: "+") } == ["crm", "audit"])
}
