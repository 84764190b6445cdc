import Foundation
import Testing
@testable import HookrelayCore

/// SPEC §11: rewriting is linear in the event's size. A template with a section over a long
/// array that names a field of an enclosing object looks that field up once per element: with
/// each lookup a scan of the object's members, many elements and many members were quadratic.
@Suite struct TemplateScalingTests {
    static let template = "{{#event-data.tags}}{{.}}:{{event-data.recipient}};{{/event-data.tags}}"

    /// A JSON event whose `event-data` has `count` tags and `count` members besides.
    static func event(_ count: Int) -> JSONValue {
        var data = JSONObject()
        for index in 0..<count { data.members.append(.init("m\(index)", .string("v"))) }
        data.members.append(.init("tags", .array((0..<count).map { .string("t\($0)") })))
        data.members.append(.init("recipient", .string("r")))
        return .object(JSONObject([.init("event-data", .object(data))]))
    }

    /// Seconds to render the template over `event` (the best of `runs`), and the text.
    static func seconds(_ event: JSONValue, runs: Int = 3) throws -> (Double, String) {
        let template = try EventTemplate(Self.template)
        var best = Double.infinity, text = ""
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            text = template.render(event)
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return (best, text)
    }

    @Test func sectionOverManyElementsNamingAnOuterFieldIsLinear() throws {
        let (smallSeconds, smallText) = try Self.seconds(Self.event(2_000))
        #expect(smallText.hasPrefix("t0:r;t1:r;") && smallText.hasSuffix("t1999:r;"))
        // Stop here when the small one is already too slow (quadratic work would take minutes below).
        try #require(smallSeconds < 1, "2,000 elements and members took \(smallSeconds) s")
        let (largeSeconds, largeText) = try Self.seconds(Self.event(16_000))
        #expect(largeText.hasSuffix("t15999:r;"))
        // 8 times the elements and members: linear work takes ~8 times as long, quadratic ~64 times.
        #expect(largeSeconds < 24 * max(smallSeconds, 0.001), "2,000: \(smallSeconds) s; 16,000: \(largeSeconds) s")
    }
}
