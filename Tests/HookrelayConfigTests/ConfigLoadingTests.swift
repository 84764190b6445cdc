import Foundation
import HookrelayConfig
import HookrelayCore
import Testing

@Test func exampleConfigLoadsAsIs() throws {
    let path = repositoryRoot + "/relay.conf.example"
    let loaded = try RelayConfigLoader.load(path: path, environment: [:])
    let config = loaded.config
    #expect(loaded.warnings == [])

    #expect(config.server.listen == SocketAddressSpec(host: "127.0.0.1", port: 8080))
    #expect(config.server.adminListen == SocketAddressSpec(host: "127.0.0.1", port: 9090))
    #expect(config.server.adminToken == nil)
    #expect(config.server.dataDirectory == repositoryRoot + "/data")
    #expect(config.server.maxBody == 10 * 1024 * 1024)
    #expect(config.server.maxURLsPerEvent == 3)
    #expect(config.server.dedupWindow == .seconds(72 * 3600))
    #expect(config.server.failureLogRetention == .seconds(30 * 86400))
    #expect(config.server.idleTimeout == .seconds(60))
    #expect(config.server.queueLimit == 10_000)

    #expect(config.sources == [SourceConfig(
        name: "mailgun", path: "/webhooks/mailgun", scheme: .mailgun,
        keys: [Array("demo-signing-key-change-me".utf8)], maxAge: .seconds(600)
    )])
    #expect(config.destinations == [DestinationConfig(
        name: "demo", url: "http://127.0.0.1:9090/bin/demo", rewrite: .passthrough,
        timeout: .seconds(10), retry: [.seconds(10), .seconds(30), .seconds(60)]
    )])
    #expect(config.routes == [RouteConfig(source: "mailgun", events: ["*"], to: ["demo"])])

    let table = loaded.routingTable.rendered()
    #expect(table.contains("mailgun"))
    #expect(table.contains("demo <http://127.0.0.1:9090/bin/demo>"))
}

@Test func exampleRelativeDataDirectoryStaysRelativeFromItsOwnDirectory() throws {
    let text = try String(contentsOfFile: repositoryRoot + "/relay.conf.example", encoding: .utf8)
    let loaded = try RelayConfigLoader.load(text: text, path: "relay.conf.example", environment: [:])
    #expect(loaded.config.server.dataDirectory == "./data")
}

/// SPEC §9's example, verbatim.
let specExample = """
    [server]
    listen = "127.0.0.1:8080"
    admin_listen = "127.0.0.1:9090"
    # admin_token = "env:HOOKRELAY_ADMIN_TOKEN"
    data_dir = "./data"
    max_body = "10MiB"

    max_urls_per_event = 3

    [defaults]                      # any destination key may be set here
    retry = ["10m", "10m", "15m", "30m", "1h", "2h", "4h"]
    timeout = "10s"

    [[source]]
    name = "mailgun"
    path = "/webhooks/mailgun"
    verify = "mailgun"
    keys = ["env:MAILGUN_WEBHOOK_SIGNING_KEY"]
    max_age = "10m"

    [[destination]]
    name = "crm"
    url = "https://crm.example.com/hooks/mailgun"
    rewrite = "passthrough"

    [[destination]]
    name = "alerts"
    url = "https://hooks.slack.com/services/T000/B000/XXXX"
    rewrite = "template"
    template = '{"text": "Mail to {{event-data.recipient}} failed: {{event-data.reason}}"}'
    rate = "1/s"

    [[route]]
    source = "mailgun"
    events = ["*"]
    to = ["crm"]

    [[route]]
    source = "mailgun"
    events = ["failed", "complained"]
    domains = ["mg.example.com"]
    to = ["alerts"]
    """

@Test func specExampleLoads() throws {
    let loaded = try load(specExample, environment: ["MAILGUN_WEBHOOK_SIGNING_KEY": "key-123"])
    let config = loaded.config
    #expect(config.sources[0].keys == [Array("key-123".utf8)])
    #expect(config.destinations.map(\.name) == ["crm", "alerts"])
    #expect(config.destinations[1].rewrite == .template)
    #expect(config.destinations[1].template == #"{"text": "Mail to {{event-data.recipient}} failed: {{event-data.reason}}"}"#)
    #expect(config.destinations[1].rate == Rate(count: 1, per: .seconds(1)))
    #expect(config.destinations.allSatisfy { $0.retry == RetrySchedule.mailgun && $0.timeout == .seconds(10) })
    #expect(config.routes[1] == RouteConfig(source: "mailgun", events: ["failed", "complained"], domains: ["mg.example.com"], to: ["alerts"]))
    #expect(loaded.warnings == [])
}

@Test func fourURLsForOneEventTypeExceedTheLimit() {
    var text = baseConfig
    for name in ["b", "c", "d"] {
        text += "[[destination]]\nname = \"\(name)\"\nurl = \"https://\(name).example.com/hook\"\n\n"
    }
    text += """
        [[route]]
        source = "mailgun"
        events = ["failed"]
        domains = ["mg.example.com"]
        to = ["b", "c"]

        [[route]]
        source = "mailgun"
        events = ["failed"]
        to = ["d"]

        """
    guard let error = loadError(text) else { return }
    #expect(error.kind == "tooManyURLs")
    // crm (route 1) + b, c (route 2) + d (route 3): route 3 brings it to 4.
    #expect(error.keyPath == "route[3].to")
    #expect(error.line == line(of: "to = [\"d\"]", in: text))
    #expect(error.reason == """
        source "mailgun", event "failed", domain "mg.example.com": 4 destination URLs \
        (https://crm.example.com/hooks, https://b.example.com/hook, https://c.example.com/hook, https://d.example.com/hook), \
        more than max_urls_per_event = 3
        """)
    // A higher limit accepts it.
    #expect(throws: Never.self) { try load("max_urls_per_event = 4\n" + text) }
}

@Test func sharedURLsCountOnce() throws {
    let text = baseConfig + """
        [[destination]]
        name = "crm-copy"
        url = "https://crm.example.com/hooks"

        [[destination]]
        name = "b"
        url = "https://b.example.com/"

        [[destination]]
        name = "c"
        url = "https://c.example.com/"

        [[route]]
        source = "mailgun"
        events = ["delivered"]
        to = ["crm-copy", "b", "c"]

        """
    let loaded = try load(text)
    #expect(loaded.warnings.contains { $0.contains("\"crm\" and \"crm-copy\" have the same URL") })
}

@Test func environmentAndFileValues() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hookrelay-config-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory.appendingPathComponent("secrets"), withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    try "file-key-1\n".write(to: directory.appendingPathComponent("secrets/mailgun.key"), atomically: true, encoding: .utf8)
    try "partner-secret\r\n".write(to: directory.appendingPathComponent("partner.key"), atomically: true, encoding: .utf8)
    let text = """
        [server]
        admin_listen = "0.0.0.0:9090"
        admin_token = "env:HOOKRELAY_ADMIN_TOKEN"
        data_dir = "state"

        [[source]]
        name = "mailgun"
        path = "/webhooks/mailgun"
        verify = "mailgun"
        keys = ["file:secrets/mailgun.key", "env:OLD_KEY", "literal-key"]

        [[source]]
        name = "sw"
        path = "/webhooks/sw"
        verify = "standard-webhooks"
        keys = ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]

        [[destination]]
        name = "partner"
        url = "env:PARTNER_URL"
        rewrite = "json"
        sign = "mailgun"
        sign_key = "file:\(directory.path)/partner.key"
        headers = { Authorization = "env:PARTNER_AUTH" }

        [[route]]
        source = "mailgun"
        events = ["*"]
        to = ["partner"]

        [[route]]
        source = "sw"
        events = ["*"]
        to = ["partner"]
        """
    let configPath = directory.appendingPathComponent("relay.conf").path
    try text.write(toFile: configPath, atomically: true, encoding: .utf8)
    let loaded = try RelayConfigLoader.load(path: configPath, environment: [
        "HOOKRELAY_ADMIN_TOKEN": "admin-secret", "OLD_KEY": "old-key",
        "PARTNER_URL": "https://partner.example.com/in", "PARTNER_AUTH": "Bearer xyz",
    ])
    let config = loaded.config
    #expect(config.server.adminToken == "admin-secret")
    #expect(config.server.dataDirectory == directory.path + "/state")
    #expect(config.sources[0].keys == [Array("file-key-1".utf8), Array("old-key".utf8), Array("literal-key".utf8)])
    // whsec_ secrets stay as written; the verifier decodes them.
    #expect(config.sources[1].keys == [Array("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".utf8)])
    #expect(config.destinations[0].url == "https://partner.example.com/in")
    #expect(config.destinations[0].signKey == "partner-secret")
    #expect(config.destinations[0].headers == [HeaderField(name: "Authorization", value: "Bearer xyz")])

    // A missing file named relative to the config directory.
    let broken = text.replacing("file:secrets/mailgun.key", with: "file:secrets/missing.key")
    try broken.write(toFile: configPath, atomically: true, encoding: .utf8)
    do {
        _ = try RelayConfigLoader.load(path: configPath, environment: ["HOOKRELAY_ADMIN_TOKEN": "t", "OLD_KEY": "o"])
        Issue.record("expected an error")
    } catch {
        #expect(error.keyPath == "source[1].keys[1]")
        #expect(error.reason.contains("cannot read file \"\(directory.path)/secrets/missing.key\""))
        #expect(error.line == 10)
        #expect(error.description.hasPrefix("\(configPath):10: source[1].keys[1]: cannot read file"))
    }
}

@Test func environmentErrorNamesKeyAndVariable() {
    let text = "[server]\nadmin_token = \"env:HOOKRELAY_ADMIN_TOKEN\"\n" + baseConfig
    let error = loadError(text)
    #expect(error?.keyPath == "server.admin_token")
    #expect(error?.reason == "environment variable HOOKRELAY_ADMIN_TOKEN is not set")
    #expect(error?.line == 2)
}

@Test func defaultsAreMergedUnderEachDestination() throws {
    let text = """
        [defaults]
        timeout = "5s"
        retry = ["1m", "5m"]
        max_in_flight = 4
        success = [200]
        rewrite = "json"
        redact = true
        headers = { X-Env = "prod", X-Team = "mail" }

        """ + baseConfig + """
        [[destination]]
        name = "slack"
        url = "https://hooks.slack.com/services/T/B/X"
        rewrite = "template"
        template = '{"text": "{{event-data.event}}"}'
        timeout = "2s"
        retry = []
        redact = false
        rate = "1/s"
        headers = { x-team = "alerts" }

        [[route]]
        source = "mailgun"
        events = ["failed"]
        to = ["slack"]

        """
    let config = try load(text).config
    let crm = try #require(config.destination(named: "crm"))
    #expect(crm == DestinationConfig(
        name: "crm", url: "https://crm.example.com/hooks", rewrite: .json, redact: true,
        headers: [HeaderField(name: "X-Env", value: "prod"), HeaderField(name: "X-Team", value: "mail")],
        timeout: .seconds(5), retry: [.seconds(60), .seconds(300)], success: [200], maxInFlight: 4
    ))
    let slack = try #require(config.destination(named: "slack"))
    #expect(slack == DestinationConfig(
        name: "slack", url: "https://hooks.slack.com/services/T/B/X", rewrite: .template,
        template: #"{"text": "{{event-data.event}}"}"#, redact: false,
        headers: [HeaderField(name: "X-Env", value: "prod"), HeaderField(name: "x-team", value: "alerts")],
        timeout: .seconds(2), retry: [], success: [200], maxInFlight: 4, rate: Rate(count: 1, per: .seconds(1))
    ))
}

// Guards SPEC §12: pause_after and probe_every per destination, from [defaults] as max_in_flight is.
@Test func circuitBreakerKeys() throws {
    let text = "[defaults]\npause_after = 5\nprobe_every = \"200ms\"\n" + baseConfig + """
        [[destination]]
        name = "never"
        url = "https://never.example.com/hooks"
        pause_after = 0
        probe_every = "1m"

        [[route]]
        source = "mailgun"
        events = ["failed"]
        to = ["never"]

        """
    let config = try load(text).config
    let crm = try #require(config.destination(named: "crm"))
    #expect(crm.pauseAfter == 5)
    #expect(crm.probeEvery == .milliseconds(200))
    let never = try #require(config.destination(named: "never"))
    #expect(never.pauseAfter == 0)
    #expect(never.probeEvery == .seconds(60))
    let plain = try load(baseConfig).config.destinations[0]
    #expect(plain.pauseAfter == 20, "default")
    #expect(plain.probeEvery == .seconds(30), "default")
}

@Test func builtInDefaults() throws {
    let config = try load(baseConfig).config
    #expect(config.server == ServerConfig())
    #expect(config.destinations[0] == DestinationConfig(name: "crm", url: "https://crm.example.com/hooks"))
    #expect(config.sources[0].maxAge == .seconds(600))
}

@Test func topLevelServerKeys() throws {
    let text = "max_urls_per_event = 2\ndedup_window = \"24h\"\nfailure_log_retention = \"7d\"\n[server]\nqueue_limit = 5\n" + baseConfig
    let server = try load(text).config.server
    #expect(server.maxURLsPerEvent == 2)
    #expect(server.dedupWindow == .seconds(86400))
    #expect(server.failureLogRetention == .seconds(7 * 86400))
    #expect(server.queueLimit == 5)
}

@Test func unsignedSourceLoadsWithAWarning() throws {
    let text = baseConfig + """
        [[source]]
        name = "internal"
        path = "/webhooks/internal"
        verify = "none"
        allow_unsigned = true
        id_from = "header:X-Request-Id"
        type_from = "json:type"

        [[route]]
        source = "internal"
        events = ["*"]
        to = ["crm"]

        """
    let loaded = try load(text)
    let source = try #require(loaded.config.source(named: "internal"))
    #expect(source.scheme == .none)
    #expect(source.allowUnsigned)
    #expect(source.idFrom == .header("X-Request-Id"))
    #expect(source.typeFrom == .json(["type"]))
    #expect(loaded.warnings == ["source \"internal\" accepts unsigned requests (verify = \"none\")"])
}

@Test func hmacHeaderSource() throws {
    let text = baseConfig.replacing("verify = \"mailgun\"", with: """
        verify = "hmac-header"
        header = "X-Signature"
        encoding = "base64"
        id_from = "json:data.id"
        """)
    let source = try load(text).config.sources[0]
    #expect(source.scheme == .hmacHeader)
    #expect(source.signatureHeader == "X-Signature")
    #expect(source.signatureEncoding == .base64)
    #expect(source.idFrom == .json(["data", "id"]))
}

@Test("signing keys that decode load, kept as written: whsec_ base64 and plain secrets for standard-webhooks, any key for Mailgun")
func usableSigningKeysLoad() throws {
    let secret = "whsec_" + Base64Encoding.encode(Array("a partner secret of 32 bytes....".utf8))
    let text = baseConfig + """
        [[source]]
        name = "sw"
        path = "/webhooks/sw"
        verify = "standard-webhooks"
        keys = ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "plain-secret-rotated", "env:SW_SECRET"]

        [[source]]
        name = "stripe"
        path = "/webhooks/stripe"
        verify = "stripe"
        keys = ["whsec_not base64 for Stripe, used as text"]

        [[destination]]
        name = "sw-partner"
        url = "https://partner.example.com/sw"
        rewrite = "json"
        sign = "standard-webhooks"
        sign_key = "\(secret)"

        [[destination]]
        name = "sw-plain"
        url = "https://partner.example.com/sw-plain"
        rewrite = "template"
        template = '{"e": "{{event-data.event}}"}'
        sign = "standard-webhooks"
        sign_key = "plain text secret"

        [[destination]]
        name = "mg-partner"
        url = "https://partner.example.com/mg"
        rewrite = "json"
        sign = "mailgun"
        sign_key = "whsec_not base64, but Mailgun keys are used as written"

        [[route]]
        source = "sw"
        events = ["*"]
        to = ["sw-partner", "sw-plain", "mg-partner"]

        [[route]]
        source = "stripe"
        events = ["*"]
        to = ["crm"]

        """
    let config = try load(text, environment: ["SW_SECRET": secret]).config
    #expect(config.source(named: "sw")?.keys == [
        Array("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".utf8), Array("plain-secret-rotated".utf8), Array(secret.utf8),
    ])
    #expect(config.source(named: "stripe")?.keys == [Array("whsec_not base64 for Stripe, used as text".utf8)])
    for destination in config.destinations.dropFirst() {
        let sign = try #require(destination.sign)
        let key = try #require(destination.signKey)
        #expect(throws: Never.self) { try PartnerSigner(scheme: sign, key: key) }
    }
    #expect(config.destinations[1].signKey == secret)
}

@Test func otherWarnings() throws {
    let text = baseConfig + """
        [[source]]
        name = "quiet"
        path = "/webhooks/quiet"
        verify = "github"
        keys = ["gh"]

        [[destination]]
        name = "unused"
        url = "https://unused.example.com"

        [[route]]
        source = "mailgun"
        events = ["deliverd"]
        to = ["crm"]

        """
    let warnings = try load(text).warnings
    #expect(warnings.contains("source \"quiet\" has no route: its events will be answered 406"))
    #expect(warnings.contains("destination \"unused\" is not used by any route"))
    #expect(warnings.contains { $0.hasPrefix("route[2]: \"deliverd\" is not a Mailgun event type") })
}

@Test func domainsAreLowercased() throws {
    let text = baseConfig + "[[route]]\nsource = \"mailgun\"\nevents = [\"failed\"]\ndomains = [\"MG.Example.com\"]\nto = [\"crm\"]\n"
    #expect(try load(text).config.routes[1].domains == ["mg.example.com"])
}

@Test func ipv6Listen() throws {
    let text = "[server]\nlisten = \"[::1]:8443\"\nadmin_listen = \"[::1]:0\"\n" + baseConfig
    let server = try load(text).config.server
    #expect(server.listen == SocketAddressSpec(host: "::1", port: 8443))
    #expect(server.adminListen.isLoopback)
}

/// SPEC §11: the listener limits and admin_hosts are read from [server], with their defaults.
@Test func listenerLimits() throws {
    let defaults = try load(baseConfig).config.server
    #expect(defaults.maxBuffered == 256 << 20)
    #expect(defaults.maxConnections == 10_000)
    #expect(defaults.headerTimeout == .seconds(10))
    #expect(defaults.adminHosts.isEmpty)
    let text = """
        [server]
        max_buffered = "64MiB"
        max_connections = 500
        header_timeout = "2s"
        admin_hosts = ["relay.internal", "[fd00::1]"]

        """ + baseConfig
    let server = try load(text).config.server
    #expect(server.maxBuffered == 64 << 20)
    #expect(server.maxConnections == 500)
    #expect(server.headerTimeout == .seconds(2))
    #expect(server.adminHosts == ["relay.internal", "[fd00::1]"])
}

@Test func checkTableOfSpecExample() throws {
    let loaded = try load(specExample, environment: ["MAILGUN_WEBHOOK_SIGNING_KEY": "k"])
    let crm = "crm <https://crm.example.com/hooks/mailgun>"
    let alerts = "alerts <https://hooks.slack.com/services/T000/B000/XXXX>"
    #expect(loaded.routingTable.rendered() == """
        SOURCE   EVENT       DOMAIN          DESTINATIONS
        mailgun  failed      mg.example.com  \(crm), \(alerts)
        mailgun  failed      *               \(crm)
        mailgun  complained  mg.example.com  \(crm), \(alerts)
        mailgun  complained  *               \(crm)
        mailgun  *           mg.example.com  \(crm)
        mailgun  *           *               \(crm)

        """)
}

// Guards SPEC §12 route filters in the config: dotted paths to TOML scalars; anything else is exit 2 with file, line, key.
@Test func routeWhereTable() throws {
    let text = baseConfig.replacingOccurrences(of: "to = [\"crm\"]", with: """
        to = ["crm"]
        where = { "event-data.severity" = "permanent", "event-data.tags" = "vip", "event-data.code" = 550, "x.f" = 1.5, "x.b" = true }
        """)
    let route = try load(text).config.routes[0]
    #expect(route.filter == RouteFilter([
        .init(path: ["event-data", "code"], value: .integer(550)),
        .init(path: ["event-data", "severity"], value: .string("permanent")),
        .init(path: ["event-data", "tags"], value: .string("vip")),
        .init(path: ["x", "b"], value: .bool(true)),
        .init(path: ["x", "f"], value: .float(1.5)),
    ]))
    #expect(try load(baseConfig).config.routes[0].filter == nil)
    // Unquoted dotted keys make TOML tables: the same paths.
    let unquoted = baseConfig.replacingOccurrences(of: "to = [\"crm\"]", with: "to = [\"crm\"]\nwhere = { event-data.severity = \"permanent\" }")
    #expect(try load(unquoted).config.routes[0].filter == RouteFilter([.init(path: ["event-data", "severity"], value: .string("permanent"))]))
    for bad in [#"where = { "event-data.tags" = ["vip"] }"#, #"where = { "a..b" = "x" }"#, #"where = "event-data.severity""#, "where = {}",
                #"where = { "a" = { b = [1] } }"#] {
        let badText = baseConfig.replacingOccurrences(of: "to = [\"crm\"]", with: "to = [\"crm\"]\n" + bad)
        let error = loadError(badText)
        #expect(error?.file == "relay.conf", "\(bad)")
        #expect(error?.line == line(of: "where", in: badText), "\(bad): \(String(describing: error))")
        #expect(error?.keyPath?.hasPrefix("route[1].where") == true, "\(bad): \(String(describing: error))")
    }
}

// Guards SPEC §12 key rotation: sign_key as a list keeps its order; a string is a list of one.
@Test func signKeyList() throws {
    let text = baseConfig.replacingOccurrences(of: "url = \"https://crm.example.com/hooks\"", with: """
        url = "https://crm.example.com/hooks"
        rewrite = "json"
        sign = "mailgun"
        sign_key = ["new-key", "old-key"]
        """)
    let destination = try load(text).config.destinations[0]
    #expect(destination.signKeys == ["new-key", "old-key"])
    #expect(destination.signKey == "new-key")
}
