import Foundation
import HookrelayTestSupport
import Testing

/// `hookrelay check` and `hookrelay sign`, run as the real executable.
@Suite("hookrelay check and sign")
struct CommandLineCheckTests {
    @Test("check relay.conf.example exits 0 and prints the routing table")
    func checkExample() async throws {
        let example = ProcessSupport.repositoryRoot + "/relay.conf.example"
        let (status, output) = try await RelayProcess.run(["check", "--config", example])
        #expect(status == 0, "output: \(output)")
        #expect(output.contains("mailgun"))
        // URLs are masked: the request bin's route stays recognisable.
        #expect(output.contains("demo <http://127.0.0.1:9090/bin/***>"), "output: \(output)")
    }

    @Test("check masks secrets in destination URLs: Slack path from env:, password, query values")
    func checkMasksURLs() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let body = """
            [[destination]]
            name = "alerts"
            url = "env:SLACK_WEBHOOK_URL"

            [[destination]]
            name = "partner"
            url = "https://relay:hunter2@partner.example.com/in/mailgun"

            [[destination]]
            name = "crm"
            url = "https://crm.example.com/hooks?token=s3cr3t&v=2"

            [[route]]
            source = "mailgun"
            events = ["*"]
            to = ["alerts", "partner", "crm"]

            """
        let path = try directory.write("relay.conf", ProcessSupport.config(dataDirectory: directory.file("data"), body: body))
        let (status, output) = try await RelayProcess.run(
            ["check", "--config", path],
            environment: ["SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T000/B000/XXXXXXXX"]
        )
        #expect(status == 0, "output: \(output)")
        // A URL read from env: is shown as its reference, not even masked (SPEC §11).
        #expect(output.contains("alerts <env:SLACK_WEBHOOK_URL>"), "output: \(output)")
        #expect(!output.contains("hooks.slack.com"), "output: \(output)")
        #expect(output.contains("partner <https://relay:***@partner.example.com/in/***>"), "output: \(output)")
        #expect(output.contains("crm <https://crm.example.com/hooks?token=***&v=***>"), "output: \(output)")
        for secret in ["XXXXXXXX", "T000", "hunter2", "s3cr3t"] {
            #expect(!output.contains(secret), "\(secret) printed: \(output)")
        }
    }

    @Test("check never prints a value from env: or file: (SPEC §11): exit 2 naming file, line, key and reference")
    func checkNeverPrintsReferencedValues() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let secretFile = try directory.write("passwd", "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n")
        let cases: [(key: String, value: String, body: String, keyPath: String)] = [
            ("url", "env:SLACK_URL", "", "destination[1].url"),
            ("url", "file://" + secretFile, "", "destination[1].url"),
            ("timeout", "env:TIMEOUT", "url = \"https://crm.example.com/hooks\"\n", "destination[1].timeout"),
            ("rate", "env:RATE", "url = \"https://crm.example.com/hooks\"\n", "destination[1].rate"),
        ]
        let environment = ["SLACK_URL": "xoxb-1234-5678-Sl4ckT0k3n", "TIMEOUT": "s3cr3t-10x", "RATE": "s3cr3t/s"]
        for (key, value, extra, keyPath) in cases {
            let body = """
                [[destination]]
                name = "alerts"
                \(extra)\(key) = "\(value)"

                [[route]]
                source = "mailgun"
                events = ["*"]
                to = ["alerts"]

                """
            let text = ProcessSupport.config(dataDirectory: directory.file("data"), body: body)
            let path = try directory.write("relay.conf", text)
            let (status, output) = try await RelayProcess.run(["check", "--config", path], environment: environment)
            #expect(status == 2, "output: \(output)")
            let line = text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.hasPrefix("\(key) = ") }.map { $0 + 1 }
            #expect(output.contains("\(path):\(line ?? 0): \(keyPath): "), "output: \(output)")
            #expect(output.contains(value), "output: \(output)")
            for secret in ["Sl4ck", "xoxb", "root:x", "/bin/bash", "s3cr3t"] {
                #expect(!output.contains(secret), "\(secret) printed: \(output)")
            }
        }
    }

    @Test("a template swift-mustache refuses: check and serve exit 2 naming file, line, key and reason")
    func checkRefusesUnparseableTemplate() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let body = """
            [[destination]]
            name = "alerts"
            url = "http://127.0.0.1:9/alerts"
            rewrite = "template"
            template = '{"text": "{{#event-data}}{{recipient}}"}'

            [[route]]
            source = "mailgun"
            events = ["failed"]
            to = ["alerts"]

            """
        let text = ProcessSupport.config(dataDirectory: directory.file("data"), body: body)
        let path = try directory.write("relay.conf", text)
        let templateLine = try #require(text.split(separator: "\n", omittingEmptySubsequences: false)
            .firstIndex { $0.hasPrefix("template =") }) + 1
        for command in ["check", "serve"] {
            let (status, output) = try await RelayProcess.run([command, "--config", path])
            #expect(status == 2, "\(command): \(output)")
            #expect(output.contains("relay.conf:\(templateLine): destination[1].template: invalid Mustache template"),
                    "\(command) names file, line and key: \(output)")
            #expect(output.contains("(swift-mustache: expectedSectionEnd)"), "\(command) says why: \(output)")
        }
    }

    @Test("a whsec_ signing key or secret that is not base64: check and serve exit 2 naming file, line and key, never the secret")
    func checkRefusesUndecodableSigningKeys() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let secret = "whsec_not base64!"
        // A partner's re-signing key from the environment, as an operator would keep it.
        let destination = """
            [[destination]]
            name = "partner"
            url = "http://127.0.0.1:9/partner"
            rewrite = "json"
            sign = "standard-webhooks"
            sign_key = "env:PARTNER_SECRET"

            [[route]]
            source = "mailgun"
            events = ["*"]
            to = ["partner"]

            """
        // An inbound Standard Webhooks source; its second secret (a rotation) is the bad one.
        let source = """
            [[source]]
            name = "sw"
            path = "/webhooks/sw"
            verify = "standard-webhooks"
            keys = ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "env:PARTNER_SECRET"]

            """ + destination
        for (body, marker, key, reason) in [
            (destination, "sign_key =", "destination[1].sign_key", "invalid standard-webhooks key: invalid base64 after \"whsec_\""),
            (source, "keys = [\"whsec_", "source[2].keys[2]", "invalid standard-webhooks secret: invalid base64 after \"whsec_\""),
        ] {
            let text = ProcessSupport.config(dataDirectory: directory.file("data"), body: body)
            let path = try directory.write("relay.conf", text)
            let keyLine = try #require(text.split(separator: "\n", omittingEmptySubsequences: false)
                .firstIndex { $0.hasPrefix(marker) }) + 1
            for command in ["check", "serve"] {
                let (status, output) = try await RelayProcess.run([command, "--config", path], environment: ["PARTNER_SECRET": secret])
                #expect(status == 2, "\(command): \(output)")
                #expect(output.contains("relay.conf:\(keyLine): \(key): \(reason)"), "\(command) names file, line and key: \(output)")
                #expect(!output.contains(secret), "\(command) printed the secret: \(output)")
            }
        }
    }

    @Test("check refuses 4 URLs for one event type with exit 2 and says why")
    func checkTooManyURLs() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var body = ""
        for n in 1...4 {
            body += "[[destination]]\nname = \"d\(n)\"\nurl = \"http://127.0.0.1:9/\(n)\"\n\n"
        }
        body += "[[route]]\nsource = \"mailgun\"\nevents = [\"delivered\"]\nto = [\"d1\", \"d2\", \"d3\", \"d4\"]\n"
        let path = try directory.write("relay.conf", ProcessSupport.config(dataDirectory: directory.file("data"), body: body))
        let (status, output) = try await RelayProcess.run(["check", "--config", path])
        #expect(status == 2)
        #expect(output.contains("relay.conf"), "names the file: \(output)")
        #expect(output.contains("max_urls_per_event"), "says why: \(output)")
        #expect(output.contains("route[1]"), "names the key: \(output)")
    }

    @Test("check shows the PostgreSQL store with its password masked, and refuses a claim_lease below timeout + margin with exit 2")
    func checkStore() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let body = "[[destination]]\nname = \"slow\"\nurl = \"http://127.0.0.1:9/\"\ntimeout = \"40s\"\n\n[[route]]\nsource = \"mailgun\"\nevents = [\"*\"]\nto = [\"slow\"]\n"
        func config(_ lease: String) -> String {
            ProcessSupport.config(dataDirectory: directory.file("data"), body: body).replacing(
                "data_dir =", with: "store = \"postgres://relay:hunter2@db.internal:5432/hookrelay\"\nclaim_lease = \"\(lease)\"\ndata_dir ="
            )
        }
        let good = try directory.write("good.conf", config("45s"))
        let (status, output) = try await RelayProcess.run(["check", "--config", good])
        #expect(status == 0, "output: \(output)")
        #expect(output.contains("store: postgres://relay:***@db.internal:5432/"), "output: \(output)")
        #expect(!output.contains("hunter2"), "output: \(output)")

        let short = try directory.write("short.conf", config("30s"))
        let (refused, message) = try await RelayProcess.run(["check", "--config", short])
        #expect(refused == 2)
        #expect(message.contains("server.claim_lease"), "names the key: \(message)")
        #expect(message.contains("destination \"slow\"'s timeout 40s"), "says which: \(message)")
        #expect(!message.contains("hunter2"), "output: \(message)")
    }

    @Test("a bad duration is exit 2 with file, line and key")
    func badDuration() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let body = "[[destination]]\nname = \"d\"\nurl = \"http://127.0.0.1:9/\"\ntimeout = \"ten seconds\"\n\n[[route]]\nsource = \"mailgun\"\nevents = [\"*\"]\nto = [\"d\"]\n"
        let path = try directory.write("relay.conf", ProcessSupport.config(dataDirectory: directory.file("data"), body: body))
        let (status, output) = try await RelayProcess.run(["serve", "--config", path])
        #expect(status == 2)
        #expect(output.contains("relay.conf:"), "file and line: \(output)")
        #expect(output.contains("timeout"), "key: \(output)")
    }

    @Test("bad usage exits 2")
    func badUsage() async throws {
        #expect(try await RelayProcess.run(["serve", "--no-such-flag"]).status == 2)
        #expect(try await RelayProcess.run(["sign"]).status == 2)
        #expect(try await RelayProcess.run(["sign", "--key", ""]).status == 2, "an empty key, as the config refuses")
    }

    @Test("sign prints a Mailgun signature block that Python's hmac agrees with")
    func sign() async throws {
        let (status, output) = try await RelayProcess.run(["sign", "--key", "key-123", "--timestamp", "1700000000", "--token", "tok"])
        #expect(status == 0)
        let block = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: String])
        #expect(block["timestamp"] == "1700000000")
        #expect(block["token"] == "tok")
        // python3 -c 'import hmac,hashlib;print(hmac.new(b"key-123",b"1700000000tok",hashlib.sha256).hexdigest())'
        #expect(block["signature"] == "dfb94091357334edbfc50f5bf10fdf283f90b7aba53353cd89fa342162332019")
    }
}
