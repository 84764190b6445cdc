import HookrelayCore
import Testing

/// `URLMasking.mask`: what `hookrelay check` prints in place of a destination URL.
@Suite("URL masking")
struct URLMaskingTests {
    static let cases: [(url: String, masked: String)] = [
        // Slack incoming webhook: the route stays recognisable, the secret path does not.
        ("https://hooks.slack.com/services/T000/B000/XXXXXXXX", "https://hooks.slack.com/services/***"),
        // No path, root path, one segment, one segment with a trailing slash.
        ("https://crm.example.com", "https://crm.example.com"),
        ("https://crm.example.com/", "https://crm.example.com/"),
        ("https://crm.example.com/hooks", "https://crm.example.com/hooks"),
        ("https://crm.example.com/hooks/", "https://crm.example.com/hooks/"),
        ("http://127.0.0.1:9090/bin/demo", "http://127.0.0.1:9090/bin/***"),
        // Userinfo: the password goes; a user without a password may itself be the credential.
        ("https://user:password@partner.example.com/in/mailgun", "https://user:***@partner.example.com/in/***"),
        ("https://user:p@ss@host.example.com/x", "https://user:***@host.example.com/x"),
        ("https://sk_live_abc@api.example.com/v1/hooks", "https://***@api.example.com/v1/***"),
        ("https://sk_live_abc:@api.example.com/", "https://***@api.example.com/"),
        ("https://@host.example.com/", "https://@host.example.com/"),
        // Query: names kept, values masked; an item without "=" masked whole.
        ("https://partner.example.com/hook?token=s3cr3t", "https://partner.example.com/hook?token=***"),
        ("https://partner.example.com/hook?a=1&b=&flag&&c=x=y", "https://partner.example.com/hook?a=***&b=***&***&&c=***"),
        ("https://partner.example.com?token=s3cr3t", "https://partner.example.com?token=***"),
        ("https://partner.example.com/a/b/c?", "https://partner.example.com/a/***?"),
        // IPv6 literal with port: colons in the host are not userinfo.
        ("http://[::1]:8080/hooks/abc/def", "http://[::1]:8080/hooks/***"),
        ("http://admin:pw@[2001:db8::1]:8443/x?k=v", "http://admin:***@[2001:db8::1]:8443/x?k=***"),
        // Fragment: masked when present; "?" and "@" inside it are not query or userinfo.
        ("https://h.example.com/p#section", "https://h.example.com/p#***"),
        ("https://h.example.com/p/q?x=1#frag?y=2@z", "https://h.example.com/p/***?x=***#***"),
        ("https://h.example.com/p#", "https://h.example.com/p#"),
        // Case kept as written; not a URL at all still masked.
        ("HTTPS://Hooks.Example.COM/A/B", "HTTPS://Hooks.Example.COM/A/***"),
        ("ftp://u:p@files.example.com/a/b", "ftp://u:***@files.example.com/a/***"),
        ("hooks.example.com/a/b?t=1", "hooks.example.com/a/***?t=***"),
        ("", ""),
    ]

    @Test("each URL is masked as documented", arguments: cases)
    func masks(_ testCase: (url: String, masked: String)) {
        #expect(URLMasking.mask(testCase.url) == testCase.masked)
    }

    @Test("the routing table prints masked URLs when asked; the max_urls_per_event error always does")
    func routingTable() {
        let slack = "https://hooks.slack.com/services/T000/B000/XXXXXXXX"
        let partner = "https://relay:hunter2@partner.example.com/in?token=s3cr3t"
        let config = RelayConfig(
            server: ServerConfig(),
            sources: [SourceConfig(name: "mailgun", path: "/webhooks/mailgun", scheme: .mailgun, keys: [Array("k".utf8)])],
            destinations: [DestinationConfig(name: "alerts", url: slack), DestinationConfig(name: "partner", url: partner)],
            routes: [RouteConfig(source: "mailgun", events: ["*"], to: ["alerts", "partner"])]
        )
        let table = RoutingTable(config: config)
        let masked = table.rendered(showingURL: URLMasking.mask)
        #expect(masked.contains("alerts <https://hooks.slack.com/services/***>, partner <https://relay:***@partner.example.com/in?token=***>"))
        #expect(table.rendered().contains(slack), "unmasked unless asked")
        let violation = table.violations(maxURLsPerEvent: 1).first?.description ?? ""
        #expect(violation.contains("(https://hooks.slack.com/services/***, https://relay:***@partner.example.com/in?token=***)"), "\(violation)")
        for secret in ["XXXXXXXX", "hunter2", "s3cr3t"] {
            #expect(!masked.contains(secret) && !violation.contains(secret))
        }
    }

    @Test("masking a masked URL changes nothing more")
    func idempotent() {
        for (_, masked) in Self.cases {
            #expect(URLMasking.mask(masked) == masked, "\(masked)")
        }
    }
}
