import Foundation
import HookrelayCore
import HookrelayTestSupport
import Testing

/// HTTP/1.1 behaviour of the ingest listener: pipelining, 100-continue, concurrency.
@Suite("Ingest connections")
struct IngestConnectionTests {
    @Test("pipelined requests on one connection are answered in order")
    func pipelining() async throws {
        try await withRelay { relay in
            let requests = [
                relay.mailgun.json(id: "evt-p1"),
                relay.mailgun.json(id: "evt-p2", event: "opened"),
                relay.mailgun.json(id: "evt-p1"),
            ]
            let responses = try await HTTPTestClient.pipeline(requests, port: relay.ingestPort)
            #expect(responses.map(\.status) == [200, 406, 200])
            #expect(responses.map { $0.json["status"] as? String } == ["accepted", "rejected", "duplicate"])
        }
    }

    @Test("curl sending Expect: 100-continue gets its 100 at once and is accepted")
    func curlExpectContinue() async throws {
        try await withRelay { relay in
            var request = relay.mailgun.json(id: "evt-curl")
            // Pad the event so curl sends Expect: 100-continue and waits for it.
            let padded = String(decoding: request.body, as: UTF8.self).replacingOccurrences(
                of: #""delivery-status":{"#, with: #""user-variables":{"pad":"\#(String(repeating: "x", count: 4000))"},"delivery-status":{"#)
            request.body = Array(padded.utf8)
            let bodyFile = try relay.directory.write("body.json", padded)
            // curl waits up to 20 s for the 100 before sending the body: an answer within 5 s shows
            // the server sent it (curl 7.88 only adds Expect by itself for bodies over 1 MiB).
            let started = ContinuousClock.now
            let curl = try ChildProcess(
                executable: "/usr/bin/curl",
                arguments: ["-sS", "-o", "-", "-w", "\n%{http_code}", "-H", "Content-Type: application/json",
                            "-H", "Expect: 100-continue", "--expect100-timeout", "20",
                            "--data-binary", "@\(bodyFile)", "http://127.0.0.1:\(relay.ingestPort)/webhooks/mailgun"]
            )
            #expect(await Polling.until(timeout: .seconds(30)) { !curl.isRunning })
            _ = await curl.waitForOutputEnd()
            let output = curl.outputText
            #expect(ContinuousClock.now - started < .seconds(5), "curl had to wait for a 100 that never came")
            #expect(output.hasSuffix("\n200"), "curl printed: \(output)")
            #expect(output.contains(#""status":"accepted""#))
        }
    }

    @Test("Expect: 100-continue to a wrong path, method or media type: the refusal instead of 100, before any body")
    func expectContinueRefusedEarly() async throws {
        // With a 2 s idle timeout, a server that sent 100 and waited for the body would close
        // the connection without an answer: the refusal must come from the head alone.
        try await withRelay(server: #"idle_timeout = "2s""#) { relay in
            let expect = HeaderField(name: "Expect", value: "100-continue")
            let json = HeaderField(name: "Content-Type", value: "application/json")
            let cases: [(TestRequest, Int)] = [
                (TestRequest(path: "/webhooks/nope", headers: [json, expect]), 404),
                (TestRequest(method: "PUT", path: "/webhooks/mailgun", headers: [json, expect]), 405),
                (TestRequest(path: "/webhooks/mailgun", headers: [HeaderField(name: "Content-Type", value: "text/plain"), expect]), 415),
                (TestRequest(path: "/webhooks/mailgun", headers: [expect]), 415),
            ]
            for (request, status) in cases {
                let response = try await HTTPTestClient.sendPartial(request, declaredLength: 4000, port: relay.ingestPort)
                #expect(response.status == status, "\(request.method) \(request.path) \(request.headers)")
                #expect(response.header("Connection") == "close")
            }
            #expect(try relay.relay.store.counts().events == 0)
        }
    }

    @Test("a request target in absolute form (http://host/path) reaches its source")
    func absoluteFormTarget() async throws {
        try await withRelay { relay in
            let request = relay.mailgun.json(id: "evt-absolute")
            let bodyFile = try relay.directory.write("absolute.json", String(decoding: request.body, as: UTF8.self))
            let curl = try ChildProcess(
                executable: "/usr/bin/curl",
                arguments: ["-sS", "-o", "-", "-w", "\n%{http_code}", "-H", "Content-Type: application/json", "--data-binary", "@\(bodyFile)",
                            "--request-target", "http://127.0.0.1:\(relay.ingestPort)/webhooks/mailgun",
                            "http://127.0.0.1:\(relay.ingestPort)/"]
            )
            #expect(await Polling.until(timeout: .seconds(30)) { !curl.isRunning })
            _ = await curl.waitForOutputEnd()
            #expect(curl.outputText.hasSuffix("\n200"), "curl printed: \(curl.outputText)")
            #expect(try relay.relay.store.eventRecord(id: "evt-absolute") != nil)
        }
    }

    @Test("HTTP/1.0 with Expect: 100-continue: no 100 (HTTP/1.0 has none), just the answer")
    func http10IgnoresExpect() async throws {
        try await withRelay { relay in
            let request = relay.mailgun.json(id: "evt-http10")
            // Head and body in one write, then read to the close: whatever the server sent, in order.
            let body = String(decoding: request.body, as: UTF8.self)
            let output = try await RawExchange.send(
                "POST /webhooks/mailgun HTTP/1.0\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n"
                    + "Content-Length: \(request.body.count)\r\n\r\n" + body,
                port: relay.ingestPort, in: relay.directory
            )
            #expect(output.hasPrefix("HTTP/1.0 200"), "the server sent: \(output.prefix(200))")
            #expect(!output.contains(" 100 "))
        }
    }

    @Test("many concurrent senders: every 200'd event is stored exactly once")
    func concurrentSenders() async throws {
        try await withRelay { relay in
            let senders = 32, eventsPerSender = 20
            // Every event is sent twice, by two different senders, at the same time.
            let statuses = try await withThrowingTaskGroup(of: [(String, String?)].self) { group in
                for sender in 0..<senders {
                    group.addTask {
                        var seen: [(String, String?)] = []
                        for n in 0..<eventsPerSender {
                            let id = "evt-c-\((sender / 2) * eventsPerSender + n)"
                            let response = try await relay.send(relay.mailgun.json(id: id))
                            #expect(response.status == 200)
                            seen.append((id, response.json["status"] as? String))
                        }
                        return seen
                    }
                }
                var all: [(String, String?)] = []
                for try await part in group { all += part }
                return all
            }
            let accepted = statuses.filter { $0.1 == "accepted" }.map(\.0)
            let duplicates = statuses.filter { $0.1 == "duplicate" }.map(\.0)
            let distinct = senders / 2 * eventsPerSender
            #expect(accepted.count == distinct, "each event accepted exactly once")
            #expect(Set(accepted).count == distinct)
            #expect(duplicates.count == distinct)
            let counts = try relay.relay.store.counts()
            #expect(counts.events == distinct)
            #expect(counts.deliveries == 2 * distinct)
        }
    }
}
