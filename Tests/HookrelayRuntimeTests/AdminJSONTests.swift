import HookrelayCore
import HookrelayHTTP
@testable import HookrelayRuntime
@testable import HookrelayStore
import Synchronization
import Testing

/// The admin API's JSON (SPEC §7) byte for byte: field order, `null` for a missing value,
/// numbers as digits, strings escaped, and the line layout of the arrays.
@Suite("Admin JSON")
struct AdminJSONTests {
    static let noon = Int64(1_714_564_800_000)  // 2024-05-01T12:00:00Z

    static let retrying = FailureRecord(
        time: noon + 5, eventID: #"evt-"1""#, eventType: "failed", destination: "crm", url: "http://x/a?b=1&c=2",
        attempt: 2, status: 500, error: "http", message: nil, response: "oops\nline \u{1b}[0m two\\ é",
        nextAttempt: noon + 600_000, replay: 1
    )
    static let dead = FailureRecord(
        time: noon, eventID: "e2", eventType: "delivered", destination: "app", url: "http://y/",
        attempt: 8, status: nil, error: "connect", message: "Connection refused", response: "", nextAttempt: nil, replay: 0
    )

    static let retryingJSON = #"{"time":"2024-05-01T12:00:00.005Z","event_id":"evt-\"1\"","event":"failed","destination":"crm","url":"http://x/a?b=1&c=2","attempt":2,"status":500,"error":"http","response":"oops\nline \u001b[0m two\\ é","next_attempt":"2024-05-01T12:10:00.000Z"}"#
    static let deadJSON = #"{"time":"2024-05-01T12:00:00.000Z","event_id":"e2","event":"delivered","destination":"app","url":"http://y/","attempt":8,"status":null,"error":"connect","response":"","next_attempt":null}"#

    @Test("a failure record: every field in order, null status and next_attempt")
    func failure() {
        #expect(AdminJSON.failure(Self.retrying) == Self.retryingJSON)
        #expect(AdminJSON.failure(Self.dead) == Self.deadJSON)
    }

    @Test("the failure log: one record per line, [] when empty")
    func failures() {
        #expect(AdminJSON.failures([]) == "[]")
        #expect(AdminJSON.failures([Self.dead]) == "[\n\(Self.deadJSON)\n]")
        #expect(AdminJSON.failures([Self.retrying, Self.dead]) == "[\n\(Self.retryingJSON),\n\(Self.deadJSON)\n]")
    }

    @Test("an event with its deliveries")
    func event() {
        let record = EventRecord(id: "e1", source: "mailgun", type: "delivered", domain: nil, receivedAt: Self.noon, deliveries: [
            DeliveryRecord(destination: "crm", url: "http://x/", state: "retrying", attempts: 3, lastStatus: 502, lastError: "http", nextAttemptAt: Self.noon),
            DeliveryRecord(destination: "app", url: "http://y/\"q\"", state: "pending", attempts: 0, lastStatus: nil, lastError: nil, nextAttemptAt: nil),
        ])
        #expect(AdminJSON.event(record, configured: ["crm", "app"]) == #"{"id":"e1","event":"delivered","source":"mailgun","received":"2024-05-01T12:00:00.000Z","deliveries":[{"destination":"crm","url":"http://x/","state":"retrying","attempts":3,"last_status":502,"last_error":"http"},{"destination":"app","url":"http://y/\"q\"","state":"pending","attempts":0,"last_status":null,"last_error":null}]}"#)
        let empty = EventRecord(id: "e\n2", source: "s", type: "t", domain: "d", receivedAt: 0, deliveries: [])
        #expect(AdminJSON.event(empty, configured: []) == #"{"id":"e\n2","event":"t","source":"s","received":"1970-01-01T00:00:00.000Z","deliveries":[]}"#)
    }

    @Test("the replay answer")
    func replayed() {
        #expect(AdminJSON.replayed(0) == #"{"replayed":0}"#)
        #expect(AdminJSON.replayed(12) == #"{"replayed":12}"#)
    }

    @Test("the request bin's JSON: one request per line, headers as pairs, the body as text")
    func requestBin() {
        let requests = [
            AdminRequestBin.Captured(
                time: Self.noon, method: "POST", uri: "/bin/x?a=1",
                headers: [HeaderField(name: "Content-Type", value: "application/json"), HeaderField(name: "X-Q", value: #"say "hi""#)],
                body: Array("{\"a\":1}\n".utf8), truncated: false
            ),
            AdminRequestBin.Captured(time: Self.noon + 1, method: "GET", uri: "/bin/x", headers: [], body: [0xFF, 0x09], truncated: true),
        ]
        #expect(AdminRequestBin.json([]) == "[]")
        #expect(AdminRequestBin.json(requests) == """
            [{"time":"2024-05-01T12:00:00.000Z","method":"POST","uri":"/bin/x?a=1","headers":[["Content-Type","application/json"],["X-Q","say \\"hi\\""]],"body":"{\\"a\\":1}\\n","truncated":false},
            {"time":"2024-05-01T12:00:00.001Z","method":"GET","uri":"/bin/x","headers":[],"body":"\u{FFFD}\\t","truncated":true}]
            """)
    }

    @Test("the request bin's answer to a request it kept")
    func requestBinAnswer() {
        let bin = AdminRequestBin()
        let answer = Mutex<HTTPResponse?>(nil)
        bin.respond(to: HTTPRequest(method: "PUT", uri: "/bin/a.b-c_d/x", headers: [], body: [])) { response in
            answer.withLock { $0 = response }
        }
        let response = answer.withLock { $0 }
        #expect(response?.status == 200)
        #expect(response.map { String(decoding: $0.body, as: UTF8.self) } == #"{"status":"ok","bin":"a.b-c_d"}"#)
        #expect(bin.requests("a.b-c_d").map(\.method) == ["PUT"])
    }
}
