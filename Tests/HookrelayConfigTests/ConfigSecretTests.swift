import Foundation
import HookrelayConfig
import HookrelayCore
import Testing

/// SPEC §11: messages (errors, warnings, `check`) never print a value that came from `env:` or
/// `file:`; they name the file, the key and the reference (`env:NAME`, `file:PATH`) instead.
struct SecretCase: CustomTestStringConvertible, Sendable {
    var name: String
    /// A config whose one bad value is `"env:RELAY_VALUE"`.
    var text: String
    var keyPath: String
    /// The secret the variable holds; it must not appear in the message.
    var secret: String
    var testDescription: String { name }
}

private let crmURL = "url = \"https://crm.example.com/hooks\""
private func edit(_ old: String, _ new: String) -> String { baseConfig.replacing(old, with: new) }
private let secretSource = "[[source]]\nname = \"other\"\npath = \"/other\"\nverify = \"mailgun\"\nkeys = [\"k\"]\n"

let secretCases: [SecretCase] = [
    // The reported one: a Slack webhook token with no scheme.
    SecretCase(name: "url without scheme", text: edit(crmURL, "url = \"env:RELAY_VALUE\""),
               keyPath: "destination[1].url", secret: "xoxb-1234-5678-Sl4ckT0k3n"),
    SecretCase(name: "url with a path but no scheme", text: edit(crmURL, "url = \"env:RELAY_VALUE\""),
               keyPath: "destination[1].url", secret: "hooks.slack.com/services/T0SECRET/B0SECRET/XXSECRETXX"),
    SecretCase(name: "url without host", text: edit(crmURL, "url = \"env:RELAY_VALUE\""),
               keyPath: "destination[1].url", secret: "https://:s3cr3tpass@/path"),
    SecretCase(name: "url with a line break", text: edit(crmURL, "url = \"env:RELAY_VALUE\""),
               keyPath: "destination[1].url", secret: "https://crm.example.com/hooks?token=s3cr3t\nX: y"),
    SecretCase(name: "bad duration", text: edit(crmURL, crmURL + "\ntimeout = \"env:RELAY_VALUE\""),
               keyPath: "destination[1].timeout", secret: "s3cr3t-10x"),
    SecretCase(name: "zero duration", text: "dedup_window = \"env:RELAY_VALUE\"\n" + baseConfig,
               keyPath: "dedup_window", secret: "0s"),
    SecretCase(name: "bad retry element", text: edit(crmURL, crmURL + "\nretry = [\"1m\", \"env:RELAY_VALUE\"]"),
               keyPath: "destination[1].retry[2]", secret: "s3cr3t-minutes"),
    SecretCase(name: "bad address", text: "[server]\nlisten = \"env:RELAY_VALUE\"\n" + baseConfig,
               keyPath: "server.listen", secret: "s3cr3t-host"),
    SecretCase(name: "admin_listen not loopback without a token", text: "[server]\nadmin_listen = \"env:RELAY_VALUE\"\n" + baseConfig,
               keyPath: "server.admin_token", secret: "10.9.8.7:9090"),
    SecretCase(name: "bad size", text: "[server]\nmax_body = \"env:RELAY_VALUE\"\n" + baseConfig,
               keyPath: "server.max_body", secret: "s3cr3t-MiB"),
    SecretCase(name: "bad rate", text: edit(crmURL, crmURL + "\nrate = \"env:RELAY_VALUE\""),
               keyPath: "destination[1].rate", secret: "s3cr3t/s"),
    SecretCase(name: "bad choice", text: edit(crmURL, crmURL + "\nrewrite = \"env:RELAY_VALUE\""),
               keyPath: "destination[1].rewrite", secret: "s3cr3t-mode"),
    SecretCase(name: "bad path", text: edit("path = \"/webhooks/mailgun\"", "path = \"env:RELAY_VALUE\""),
               keyPath: "source[1].path", secret: "s3cr3t-path"),
    SecretCase(name: "path with a space", text: edit("path = \"/webhooks/mailgun\"", "path = \"env:RELAY_VALUE\""),
               keyPath: "source[1].path", secret: "/s3cr3t path"),
    SecretCase(name: "bad name", text: edit("name = \"crm\"", "name = \"env:RELAY_VALUE\""),
               keyPath: "destination[1].name", secret: "s3cr3t name"),
    SecretCase(name: "bad selector", text: edit("keys = [\"k1\"]", "keys = [\"k1\"]\nid_from = \"env:RELAY_VALUE\""),
               keyPath: "source[1].id_from", secret: "s3cr3t-selector"),
    SecretCase(name: "bad hmac-header header", text: edit("verify = \"mailgun\"", "verify = \"hmac-header\"\nheader = \"env:RELAY_VALUE\"\nid_from = \"header:X-Id\""),
               keyPath: "source[1].header", secret: "s3cr3t header"),
    SecretCase(name: "bad domain", text: edit("events = [\"*\"]", "events = [\"*\"]\ndomains = [\"env:RELAY_VALUE\"]"),
               keyPath: "route[1].domains[1]", secret: "s3cr3t domain"),
    SecretCase(name: "unknown destination, close to a real one", text: edit("to = [\"crm\"]", "to = [\"env:RELAY_VALUE\"]"),
               keyPath: "route[1].to", secret: "crn"),
    SecretCase(name: "unknown source", text: edit("source = \"mailgun\"", "source = \"env:RELAY_VALUE\""),
               keyPath: "route[1].source", secret: "mailgum"),
    SecretCase(name: "duplicate source name", text: baseConfig + secretSource.replacing("name = \"other\"", with: "name = \"env:RELAY_VALUE\""),
               keyPath: "source[2].name", secret: "mailgun"),
    SecretCase(name: "duplicate path", text: baseConfig + secretSource.replacing("path = \"/other\"", with: "path = \"env:RELAY_VALUE\""),
               keyPath: "source[2].path", secret: "/webhooks/mailgun"),
    SecretCase(name: "too many URLs", text: """
        max_urls_per_event = 1
        [[source]]
        name = "mailgun"
        path = "/webhooks/mailgun"
        verify = "mailgun"
        keys = ["k1"]

        [[destination]]
        name = "crm"
        url = "https://crm.example.com/hooks"

        [[destination]]
        name = "alerts"
        url = "env:RELAY_VALUE"

        [[route]]
        source = "mailgun"
        events = ["*"]
        to = ["crm", "alerts"]
        """, keyPath: "route[1].to", secret: "https://hooks.slack.com/services/T0SECRET/B0SECRET/XXSECRETXX"),
]

@Suite struct ConfigSecretTests {
    @Test(arguments: secretCases)
    func envValueIsNeverPrinted(_ testCase: SecretCase) throws {
        let error = try #require(loadError(testCase.text, environment: ["RELAY_VALUE": testCase.secret]))
        #expect(error.file == "relay.conf")
        #expect(error.keyPath == testCase.keyPath, "\(error)")
        #expect(error.line != nil, "\(error)")
        #expect(error.description.contains("env:RELAY_VALUE"), "\(error)")
        #expect(!error.description.contains(testCase.secret), "\(error)")
        // Nor any telling part of it (a masked URL keeps its host and first path segment).
        for part in ["s3cr3t", "SECRET", "Sl4ck", "hooks.slack.com", "10.9.8.7"] where testCase.secret.contains(part) {
            #expect(!error.description.contains(part), "\(part): \(error)")
        }
    }

    /// The reported case: `url = "file:///etc/passwd"` printed the file's first line.
    @Test func fileValueIsNeverPrinted() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hookrelay-secret-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let secretFile = directory.appendingPathComponent("passwd").path
        try "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n".write(toFile: secretFile, atomically: true, encoding: .utf8)
        let text = edit(crmURL, "url = \"file://\(secretFile)\"")
        let error = try #require(loadError(text))
        #expect(error.keyPath == "destination[1].url")
        #expect(error.description.contains("file://" + secretFile), "\(error)")
        for part in ["root:x", "/bin/bash", "daemon", "nologin"] {
            #expect(!error.description.contains(part), "\(part): \(error)")
        }
    }

    /// Warnings name the reference too: an event type no Mailgun source sends, a source name.
    @Test func warningsNeverPrintAnEnvValue() throws {
        let text = edit("events = [\"*\"]", "events = [\"env:RELAY_VALUE\"]")
        let loaded = try load(text, environment: ["RELAY_VALUE": "s3cr3t-event"])
        #expect(loaded.warnings.contains { $0.contains("env:RELAY_VALUE") && $0.contains("not a Mailgun event type") }, "\(loaded.warnings)")
        #expect(!loaded.warnings.joined().contains("s3cr3t"), "\(loaded.warnings)")

        let unused = baseConfig + "[[destination]]\nname = \"env:RELAY_VALUE\"\nurl = \"https://x.example.com\"\n"
        let warned = try load(unused, environment: ["RELAY_VALUE": "s3cr3t-name"])
        #expect(warned.warnings.contains { $0.contains("env:RELAY_VALUE") && $0.contains("not used by any route") }, "\(warned.warnings)")
        #expect(!warned.warnings.joined().contains("s3cr3t"), "\(warned.warnings)")
    }

    /// What `check` prints: the routing table shows the reference, not the (masked) URL or a name.
    @Test func routingTableShowsReferences() throws {
        let text = edit(crmURL, "url = \"env:CRM_URL\"").replacing("name = \"crm\"", with: "name = \"env:CRM_NAME\"")
            .replacing("to = [\"crm\"]", with: "to = [\"env:CRM_NAME\"]")
        let loaded = try load(text, environment: ["CRM_URL": "https://crm.example.com/hooks/T0SECRET", "CRM_NAME": "s3cr3t-crm"])
        #expect(loaded.reference(of: "https://crm.example.com/hooks/T0SECRET") == "env:CRM_URL")
        let table = loaded.routingTable.rendered(showingURL: { loaded.reference(of: $0) ?? URLMasking.mask($0) },
                                                 showingName: { loaded.reference(of: $0) ?? $0 })
        #expect(table.contains("env:CRM_NAME <env:CRM_URL>"), "\(table)")
        for part in ["crm.example.com", "T0SECRET", "s3cr3t"] {
            #expect(!table.contains(part), "\(part): \(table)")
        }
    }

    /// A literal value is still quoted as before.
    @Test func literalValuesAreStillShown() throws {
        let error = try #require(loadError(edit(crmURL, crmURL + "\ntimeout = \"10x\"")))
        #expect(error.reason.hasPrefix("invalid duration \"10x\""), "\(error)")
        let url = try #require(loadError(edit(crmURL, "url = \"crm.example.com/hooks\"")))
        #expect(url.reason == "\"crm.example.com/hooks\" is not an http:// or https:// URL", "\(url)")
    }
}
