import Foundation
import HookrelayCore
@testable import HookrelayRuntime
@testable import HookrelayStore
import Testing

/// The event explorer (SPEC §12): its search form's fields, and the event page's body, which is
/// only ever shown redacted.
@Suite("Admin explorer")
struct AdminExplorerTests {
    static let now = Int64(1_714_564_800_000)  // 2024-05-01T12:00:00Z

    static func detail(_ body: String, contentType: String) -> EventDetail {
        EventDetail(
            record: EventRecord(id: "e1", source: "mailgun", type: "opened", domain: nil, receivedAt: now, deliveries: []),
            contentType: contentType, body: Array(body.utf8), deliveryTimes: [], attempts: [], attemptsCut: false
        )
    }

    @Test("a legacy form body is shown converted and redacted: recipient, ip of an opened event, the signature")
    func formBodyRedacted() throws {
        let form = "event=opened&recipient=alice%40example.com&ip=203.0.113.9&token=tok123&timestamp=1714564800&signature=abcdef0123&Message-Id=%3Cm1%40mg%3E"
        let shown = AdminExplorer.redactedBody(Self.detail(form, contentType: "application/x-www-form-urlencoded"))
        let text = try #require(shown.text)
        #expect(!text.contains("alice@example.com"))
        #expect(!text.contains("203.0.113.9"))
        #expect(!text.contains("abcdef0123"), "the source's signature")
        // The signature's token is replaced; a legacy event's converted id is its token (the page
        // shows the id anyway: it names the event).
        #expect(text.contains(#""token": "[REDACTED]""#), "the source's token in the signature object")
        #expect(text.contains("[REDACTED]"))
        #expect(shown.note.hasPrefix("Redacted"))
    }

    @Test("a body that cannot be read for redaction is not shown at all")
    func unreadableBodyHidden() {
        let shown = AdminExplorer.redactedBody(Self.detail("recipient: alice@example.com", contentType: "text/plain"))
        #expect(shown.text == nil)
        #expect(shown.note.contains("Not shown"))
        let page = AdminExplorer.eventPage(Self.detail("recipient: alice@example.com", contentType: "text/plain"), now: Self.now)
        #expect(!page.contains("alice@example.com"))
        let broken = AdminExplorer.redactedBody(Self.detail(#"{"event-data":{"recipient":"alice@example.com""#, contentType: "application/json"))
        #expect(broken.text == nil, "unparseable JSON is not shown either")
    }

    @Test("search fields: id, destination, state (a known one), since/until as durations or times; bad input is a message")
    func searchQuery() throws {
        let query = try AdminExplorer.query(["id": " ", "destination": "crm", "state": "dead", "since": "2h", "until": "2024-05-01T11:30:00Z"], now: Self.now).get()
        #expect(query.id == nil, "blank is absent")
        #expect(query.destination == "crm")
        #expect(query.state == "dead")
        #expect(query.since == Self.now - 7_200_000)
        #expect(query.until == Self.now - 1_800_000)
        #expect(query.limit == AdminExplorer.resultLimit && query.scanLimit == AdminExplorer.scanLimit)
        guard case .failure(let problem) = AdminExplorer.query(["state": "sleeping"], now: Self.now) else {
            Issue.record("an unknown state was taken")
            return
        }
        #expect(problem.message.contains("state"))
        guard case .failure = AdminExplorer.query(["since": "yesterday"], now: Self.now) else {
            Issue.record("a bad since was taken")
            return
        }
        let page = AdminExplorer.searchPage(nil, nil, error: "state: <b>bad</b>")
        #expect(page.contains("state: &lt;b&gt;bad&lt;/b&gt;"), "the message is escaped")
    }
}
