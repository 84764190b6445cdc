@testable import HookrelayRuntime
import HookrelayStore
import Testing

/// The body of `POST /admin/api/replay` (SPEC §7), read without a socket: what each body
/// selects, and which ones are refused (the API answers those 400 with the message).
@Suite("Admin replay request")
struct AdminReplayRequestTests {
    static let now = Int64(1_714_564_800_000)
    static let destinations: Set<String> = ["crm", "app-v2"]

    static func parse(_ body: String) -> Result<ReplaySelection, AdminProblem> {
        AdminReplayRequest.parse(Array(body.utf8), destinations: destinations, now: now)
    }

    static let selected: [(body: String, selection: ReplaySelection)] = [
        (#"{"event_id":"evt-1"}"#, .event("evt-1")),
        (" \n{ \"event_id\" : \"e\\u00e9\\n\" }\t", .event("eé\n")),
        (#"{"destination":"crm","state":"dead"}"#, .destination("crm", state: "dead", since: nil)),
        (#"{"destination":"crm","state":"dead","since":null}"#, .destination("crm", state: "dead", since: nil)),
        (#"{"destination":"crm","state":"rejected","since":"1h"}"#, .destination("crm", state: "rejected", since: now - 3_600_000)),
        (#"{"since":"2024-05-01T10:00:00Z","state":"delivered","destination":"app-v2"}"#, .destination("app-v2", state: "delivered", since: now - 7_200_000)),
        (#"{"destination":"crm","state":"retrying","since":1714564800}"#, .destination("crm", state: "retrying", since: now)),
        (#"{"destination":"crm","state":"dead","since":1714564800.5}"#, .destination("crm", state: "dead", since: now + 500)),
        (#"{"destination":"crm","state":"dead","since":1.7145648e9}"#, .destination("crm", state: "dead", since: now)),
        (#"{"destination":"crm","state":"dead","since":0}"#, .destination("crm", state: "dead", since: 0)),
        (#"{"destination":"crm","state":"dead","since":-0}"#, .destination("crm", state: "dead", since: 0)),
        // A name given twice: the last one counts, as JSONSerialization read it.
        (#"{"event_id":"first","event_id":"second"}"#, .event("second")),
    ]

    @Test("what a body selects", arguments: selected)
    func selects(body: String, selection: ReplaySelection) throws {
        #expect(try Self.parse(body).get() == selection)
    }

    static let refused: [(body: String, message: String)] = [
        ("", #"body must be a JSON object: expected {"event_id":"…"} or {"destination":"…","state":"dead","since":"24h"}"#),
        ("{not json", "body must be a JSON object: "),
        ("[]", "body must be a JSON object: "),
        (#""evt""#, "body must be a JSON object: "),
        (#"{"event_id":"a"} x"#, "body must be a JSON object: "),
        (#"{"event_id":"\ud800"}"#, "body must be a JSON object: "),
        ("{}", #"event_id or destination is required: expected {"event_id":"…"}"#),
        (#"{"event":"x"}"#, #"unknown field "event": expected"#),
        (#"{"zeta":1,"alpha":2,"event_id":"x"}"#, #"unknown field "alpha": "#),
        (#"{"event_id":""}"#, "event_id must be a non-empty string"),
        (#"{"event_id":42}"#, "event_id must be a non-empty string"),
        (#"{"event_id":null}"#, "event_id must be a non-empty string"),
        (#"{"event_id":"x","destination":"crm","state":"dead"}"#, "give event_id or destination, not both"),
        (#"{"event_id":"x","state":"dead"}"#, "state and since go with destination, not with event_id"),
        (#"{"event_id":"x","since":null}"#, "state and since go with destination, not with event_id"),
        (#"{"destination":true,"state":"dead"}"#, "destination must be a non-empty string"),
        (#"{"destination":"nobody","state":"dead"}"#, #"unknown destination "nobody"; configured: app-v2, crm"#),
        (#"{"destination":"crm"}"#, "state is required with destination (one of dead, rejected, retrying, delivered)"),
        (#"{"destination":"crm","state":null}"#, "state is required with destination"),
        (#"{"destination":"crm","state":"pending"}"#, #"state must be one of dead, rejected, retrying, delivered, got "pending""#),
        (#"{"destination":"crm","state":"dead","since":"later"}"#, #"since: expected a duration ("24h"), an RFC 3339 time or Unix seconds, got "later""#),
        (#"{"destination":"crm","state":"dead","since":1e16}"#, "since: Unix seconds must be from 0 to 999999999999, got "),
        (#"{"destination":"crm","state":"dead","since":1e300}"#, "since: Unix seconds must be from 0 to 999999999999, got "),
        // Past Double's range: JSONSerialization refused the whole body; now the number is read
        // as JSON allows and refused for its value (400 either way).
        (#"{"destination":"crm","state":"dead","since":1e999}"#, "since: Unix seconds must be from 0 to 999999999999, got 1e999"),
        (#"{"destination":"crm","state":"dead","since":-5}"#, "since: Unix seconds must be from 0 to 999999999999, got "),
        (#"{"destination":"crm","state":"dead","since":true}"#, #"since must be a string ("24h", an RFC 3339 time) or Unix seconds"#),
        (#"{"destination":"crm","state":"dead","since":["1h"]}"#, "since must be a string"),
    ]

    @Test("invalid UTF-8 in a string is refused, not replaced")
    func invalidUTF8() {
        let body = Array(#"{"event_id":"x"#.utf8) + [0xFF] + Array(#""}"#.utf8)
        guard case .failure(let problem) = AdminReplayRequest.parse(body, destinations: Self.destinations, now: Self.now) else {
            Issue.record("invalid UTF-8 was taken")
            return
        }
        #expect(problem.message.hasPrefix("body must be a JSON object: "))
    }

    @Test("what is refused, and the message that says why", arguments: refused)
    func refuses(body: String, message: String) {
        switch Self.parse(body) {
        case .success(let selection): Issue.record("\(body) selected \(selection)")
        case .failure(let problem): #expect(problem.message.hasPrefix(message), "\(body): \(problem.message)")
        }
    }
}
