import Foundation
import Testing
@testable import HookrelayCore

/// SPEC §11: work per request is linear in its size. A signed legacy form event with tens of
/// thousands of extra fields (user variables) is verified and converted in time proportional to
/// its fields (it was quadratic: 80,000 fields took 26 s).
@Suite struct LegacyConversionScalingTests {
    static let key: [UInt8] = Array("scaling-key".utf8)
    static let now: Int64 = 1_701_388_800

    /// A signed legacy urlencoded event with `extra` user-variable fields (~8 bytes each).
    static func form(extra: Int) -> [UInt8] {
        let token = "0123456789abcdef0123456789abcdef0123456789abcdef01"
        let signature = MailgunSignature.sign(key: key, timestamp: String(now), token: token)
        var text = "event=delivered&recipient=alice%40example.com&domain=mg.example.com"
        text += "&timestamp=\(now)&token=\(token)&signature=\(signature)"
        text.reserveCapacity(text.utf8.count + extra * 10)
        for index in 0..<extra { text += "&u\(index)=v" }
        return Array(text.utf8)
    }

    /// Seconds for the ingest verification and the rewrite of `body` (the best of `runs`).
    static func seconds(_ body: [UInt8], runs: Int = 3) throws -> Double {
        let contentType = "application/x-www-form-urlencoded"
        let verifier = SourceVerifier(source: SourceConfig(name: "m", path: "/hook", scheme: .mailgun, keys: [key]))
        let request = WebhookRequest(method: "POST", path: "/hook", headers: [HeaderField(name: "Content-Type", value: contentType)], body: body)
        var best = Double.infinity
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            let event = try verifier.receive(request, now: now).get()
            var document = try EventDocument(body: body, contentType: contentType)
            document.redact()
            let out = document.value.serialized()
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            #expect(event.type == "delivered" && out.count > body.count / 2)
            best = min(best, elapsed)
        }
        return best
    }

    @Test func userVariablesAreAllKept() throws {
        let document = try EventDocument(body: Self.form(extra: 1000), contentType: "application/x-www-form-urlencoded")
        let variables = try #require(document.value.value(at: ["event-data", "user-variables"])?.objectValue)
        #expect(variables.members.count == 1000)
        #expect(variables.members.first?.name == "u0" && variables.members.last?.name == "u999")
    }

    @Test func eightyThousandFieldsInWellUnderASecondAndLinear() throws {
        let small = Self.form(extra: 10_000)
        let large = Self.form(extra: 80_000)
        #expect(large.count > 600_000)
        let smallSeconds = try Self.seconds(small)
        // Stop here when the small one is already too slow (quadratic work would take minutes below).
        try #require(smallSeconds < 0.25, "10,000 fields took \(smallSeconds) s")
        let largeSeconds = try Self.seconds(large)
        // Generous for a debug build on a shared machine; the release build takes a few ms.
        #expect(largeSeconds < 2, "80,000 fields took \(largeSeconds) s")
        // 8 times the fields: linear work takes ~8 times as long, quadratic ~64 times.
        #expect(largeSeconds < 24 * max(smallSeconds, 0.001), "10,000 fields: \(smallSeconds) s; 80,000: \(largeSeconds) s")
    }

    /// Seconds to set the signature of an event repeating `signature` `count` times, each followed
    /// by another member (best of 3).
    static func signatureSeconds(_ count: Int) throws -> Double {
        var members = [JSONObject.Member("event-data", .object(JSONObject([.init("id", .string("e"))])))]
        // Each repeated signature followed by another member, which a one-by-one removal moves each time.
        for index in 0..<count { members += [.init("signature", .string("s\(index)")), .init("x\(index)", .null)] }
        var best = Double.infinity
        for _ in 0..<3 {
            var document = EventDocument(value: .object(JSONObject(members)), changed: false)
            let start = DispatchTime.now().uptimeNanoseconds
            try document.setSignature(.string("new"))
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            #expect(document.value.objectValue?.members.map(\.name) == ["event-data", "signature"] + (0..<count).map { "x\($0)" })
            #expect(document.value.objectValue?["signature"] == .string("new"))
        }
        return best
    }

    /// Re-signing drops every repeated `signature` member in one pass (one by one was quadratic).
    @Test func repeatedSignaturesAreDroppedInLinearTime() throws {
        let small = try Self.signatureSeconds(10_000)
        try #require(small < 0.25, "10,000 repeated signatures took \(small) s")
        let large = try Self.signatureSeconds(80_000)
        #expect(large < 24 * max(small, 0.001), "10,000: \(small) s; 80,000: \(large) s")
    }
}
