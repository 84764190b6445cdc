import Foundation
import HookrelayStore
import HookrelayTestSupport
import Testing

/// TLS to partners is verified (SPEC §6), against a real HTTPS sink with a self-signed
/// certificate: refused with error `tls` when nothing trusts it, or when the name is wrong;
/// delivered when the destination's `ca_file` trusts it. Guards `CURLOPT_SSL_VERIFYPEER`,
/// `CURLOPT_SSL_VERIFYHOST` and `CURLOPT_CAINFO` (script/mutate breaks each).
@Suite("TLS delivery")
struct TLSDeliveryTests {
    static func config(_ url: String, caFile: String? = nil) -> String {
        DeliveryTests.destination("partner", url, retry: "[]", extra: caFile.map { "ca_file = \"\($0)\"" } ?? "")
            + DeliveryTests.route(["partner"])
    }

    @Test(
        "a self-signed certificate nothing trusts: no request reaches the sink; the failure log says tls; dead after its one attempt",
        .enabled(if: RequiredTool.runs(HTTPSSink.toolsAvailable), "\(HTTPSSink.toolsMessage)")
    )
    func untrustedIsRefused() async throws {
        try RequiredTool.require(HTTPSSink.toolsAvailable, HTTPSSink.toolsMessage)
        try await withHTTPSSink { sink in
            try await withRelay(config: Self.config(sink.url())) { relay in
                #expect(try await relay.send(relay.mailgun.json(id: "evt-tls-untrusted")).status == 200)
                let record = try await DeliveryTests.settled(relay, "evt-tls-untrusted")
                #expect(record.deliveries.map(\.state) == ["dead"])
                #expect(record.deliveries.first?.lastError == "tls")
                let failures = try relay.relay.store.failures(FailureQuery())
                #expect(failures.map(\.error) == ["tls"])
                #expect(failures.map(\.status) == [nil])
                #expect(sink.answered.isEmpty, "\(sink.outputText)")
            }
        }
    }

    @Test(
        "the same sink trusted through ca_file: delivered",
        .enabled(if: RequiredTool.runs(HTTPSSink.toolsAvailable), "\(HTTPSSink.toolsMessage)")
    )
    func trustedThroughCAFile() async throws {
        try RequiredTool.require(HTTPSSink.toolsAvailable, HTTPSSink.toolsMessage)
        try await withHTTPSSink { sink in
            try await withRelay(config: Self.config(sink.url("/trusted"), caFile: sink.certificateFile)) { relay in
                #expect(try await relay.send(relay.mailgun.json(id: "evt-tls-trusted")).status == 200)
                let record = try await DeliveryTests.settled(relay, "evt-tls-trusted")
                let failures = try relay.relay.store.failures(FailureQuery())
                #expect(record.deliveries.map(\.state) == ["delivered"], "\(failures.map { "\($0.error): \($0.message ?? "")" })")
                #expect(sink.answered == ["/trusted"])
                #expect(failures.isEmpty)
            }
        }
    }

    @Test(
        "a certificate trusted through ca_file but made for another name: refused with tls (the host name is checked too)",
        .enabled(if: RequiredTool.runs(HTTPSSink.toolsAvailable), "\(HTTPSSink.toolsMessage)")
    )
    func wrongNameIsRefused() async throws {
        try RequiredTool.require(HTTPSSink.toolsAvailable, HTTPSSink.toolsMessage)
        try await withHTTPSSink(subjectAltName: "DNS:partner.example.com") { sink in
            try await withRelay(config: Self.config(sink.url(), caFile: sink.certificateFile)) { relay in
                #expect(try await relay.send(relay.mailgun.json(id: "evt-tls-wrong-name")).status == 200)
                let record = try await DeliveryTests.settled(relay, "evt-tls-wrong-name")
                #expect(record.deliveries.map(\.state) == ["dead"])
                #expect(try relay.relay.store.failures(FailureQuery()).map(\.error) == ["tls"])
                #expect(sink.answered.isEmpty, "\(sink.outputText)")
            }
        }
    }
}
