import HookrelayHTTP
import Testing

/// `HTTPRequest.path`: what a source and an admin route are matched on.
@Suite("Request path")
struct HTTPRequestPathTests {
    static let cases: [(uri: String, path: String)] = [
        ("/webhooks/mailgun", "/webhooks/mailgun"),
        ("/admin/api/failures?since=1h&limit=5", "/admin/api/failures"),
        ("/", "/"),
        ("/é?x=1", "/é"),
        // Absolute form (RFC 9112 §3.2.2): the path of the URL, the scheme in any case.
        ("http://relay.example:8080/webhooks/mailgun", "/webhooks/mailgun"),
        ("HTTPS://relay.example/webhooks/mailgun?x=1", "/webhooks/mailgun"),
        ("http://relay.example", "/"),
        ("http://relay.example?x=1", "/"),
        // The authority ends at "?" or "#" too: what follows is not a path.
        ("http://relay.example?x=/webhooks/mailgun", "/"),
        ("http://relay.example#/metrics", "/"),
        ("http://user@relay.example/webhooks/mailgun", "/webhooks/mailgun"),
        // Not a scheme: kept as sent (and then not found).
        ("webhooks/mailgun", "webhooks/mailgun"),
        ("httpx://relay.example/a", "httpx://relay.example/a"),
    ]

    @Test("path of a request target", arguments: cases)
    func path(uri: String, path: String) {
        #expect(HTTPRequest(method: "POST", uri: uri, headers: [], body: []).path == path)
    }
}
