import Foundation
import Testing
@testable import HookrelayCore

/// `rewrite = "template"` (SPEC §5): swift-mustache over the event's JSON shape, values
/// JSON-escaped, hyphenated dotted names, no HTML escaping.
@Suite("Template")
struct TemplateTests {
    static let slack = #"{"text": "Mail to {{event-data.recipient}} failed: {{event-data.reason}}"}"#

    private func render(_ template: String, _ body: [UInt8], redact: Bool = false) throws -> OutboundRequest {
        let destination = RewriteTestEvents.destination(rewrite: .template, template: template, redact: redact)
        return try DeliveryRequestBuilder(destination: destination)
            .request(url: "u", eventID: "evt-1", attempt: 1, body: body, contentType: "application/json", now: 1)
    }

    @Test("Slack template: a recipient with a real quote and newline still gives valid JSON with the exact text")
    func slackTemplateEscapes() throws {
        let recipient = "o\"brien\n@example.com"
        let request = try render(Self.slack, RewriteTestEvents.json(type: "failed", recipient: recipient, reason: "bounce <b> & 'x'"))
        #expect(RewriteTestEvents.header(request, "Content-Type") == "application/json")
        let object = try RewriteTestEvents.foundationObject(request.body)
        #expect(object["text"] as? String == "Mail to o\"brien\n@example.com failed: bounce <b> & 'x'")
        #expect(request.text.contains(#"o\"brien\n@example.com"#), "escaped as JSON, not as HTML: \(request.text)")
    }

    @Test("hyphenated dotted names reach nested members; numbers render as written; missing is empty")
    func hyphenatedNames() throws {
        let template = #"{{event-data.delivery-status.message}}|{{event-data.delivery-status.code}}|{{event-data.timestamp}}|{{event-data.nope.nothing}}|{{event-data.user-variables.customer}}"#
        let request = try render(template, RewriteTestEvents.json(type: "failed"))
        #expect(request.text == #"User \"unknown\"\nnot found|550|1701388800.123||c-42"#)
    }

    @Test("sections over arrays, inverted sections, indexes and triple mustache for raw JSON")
    func sectionsAndRaw() throws {
        let template = #"[{{#event-data.tags}}"{{.}}",{{/event-data.tags}}] {{event-data.tags.1}} {{^event-data.missing}}none{{/event-data.missing}} {{{event-data.delivery-status}}} {{event-data.user-variables}}"#
        let request = try render(template, RewriteTestEvents.json(type: "failed"))
        #expect(request.text == #"["newsletter","december",] december none {"code":550,"message":"User \"unknown\"\nnot found"} {\"customer\":\"c-42\"}"#)
    }

    @Test("the template text is kept exactly, leading newline and pragma-like text included")
    func templateTextExact() throws {
        let template = "\n  {\"a\": \"{{event-data.event}}\"}\n"
        #expect(try render(template, RewriteTestEvents.json(type: "opened")).text == "\n  {\"a\": \"opened\"}\n")
        #expect(try render("x", RewriteTestEvents.json(type: "opened")).text == "x")
    }

    @Test("a template over a legacy form event sees the converted shape")
    func legacyTemplate() throws {
        let destination = RewriteTestEvents.destination(rewrite: .template, template: Self.slack)
        let request = try DeliveryRequestBuilder(destination: destination).request(
            url: "u", eventID: "legacy-token-123", attempt: 1, body: RewriteTests.legacyBouncedForm(),
            contentType: "application/x-www-form-urlencoded", now: 1
        )
        #expect(try RewriteTestEvents.foundationObject(request.body)["text"] as? String == "Mail to bob@example.com failed: bounce")
    }

    @Test("an unparseable template is refused at parse time and makes every attempt a RewriteError")
    func badTemplate() throws {
        #expect(throws: RewriteError.self) { try EventTemplate("{{#event-data}} never closed") }
        let destination = RewriteTestEvents.destination(rewrite: .template, template: "{{#a}}")
        let builder = DeliveryRequestBuilder(destination: destination)
        #expect(throws: RewriteError.self) {
            try builder.request(url: "u", eventID: "e", attempt: 1, body: RewriteTestEvents.json(type: "failed"), contentType: "application/json", now: 1)
        }
    }

    @Test("sections nested deeper than 100 are refused with their position, not parsed until the stack overflows")
    func deeplyNestedSections() throws {
        // Found by fuzzing (Fuzz/, template and config targets): 600 nested sections crashed `hookrelay check`.
        let deep = String(repeating: "{{#a}}", count: 5000) + "x" + String(repeating: "{{/a}}", count: 5000)
        #expect {
            _ = try EventTemplate(parsing: "line one\n  " + deep)
        } throws: { error in
            let syntax = try #require(error as? EventTemplate.SyntaxError)
            return syntax.problem == "sectionsNestedTooDeep" && syntax.line == 2 && syntax.column == 3 + 100 * 6
        }
        // Other delimiters and spaces before the sigil do not get past the count.
        let disguised = "{{=<% %>=}}" + String(repeating: "<% ^a %>", count: 5000) + String(repeating: "<%/a%>", count: 5000)
        #expect(throws: EventTemplate.SyntaxError.self) { try EventTemplate(parsing: disguised) }
        // 100 deep is still a template, and renders.
        let hundred = String(repeating: "{{#a}}", count: 100) + "x" + String(repeating: "{{/a}}", count: 100)
        #expect(try EventTemplate(parsing: hundred).render(.object(JSONObject([JSONObject.Member("a", .bool(true))]))) == "x")
    }

    @Test("rendering from several threads at once with one parsed template")
    func concurrentRendering() async throws {
        let template = try EventTemplate(Self.slack)
        let event = try JSONValue(parsing: RewriteTestEvents.json(type: "failed", recipient: "x@example.com"))
        let results = await withTaskGroup(of: String.self) { group in
            for _ in 0..<32 { group.addTask { template.render(event) } }
            return await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(results == [#"{"text": "Mail to x@example.com failed: bounce"}"#])
    }
}
