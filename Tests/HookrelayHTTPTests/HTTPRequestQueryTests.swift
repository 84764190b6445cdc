import HookrelayHTTP
import Testing

/// `HTTPRequest.query`: the admin API's parameters, decoded as a form body is
/// (`application/x-www-form-urlencoded`, WHATWG URL §5.1).
@Suite("Request query")
struct HTTPRequestQueryTests {
    static let cases: [(uri: String, query: [String: String])] = [
        ("/admin/api/failures", [:]),
        ("/admin/api/failures?", [:]),
        ("/a?since=1h&limit=5", ["since": "1h", "limit": "5"]),
        ("/a?since=2024-05-01T12:00:00%2B02:00", ["since": "2024-05-01T12:00:00+02:00"]),
        ("/a?since=2024-05-01T12:00:00+02:00", ["since": "2024-05-01T12:00:00 02:00"]),
        ("/a?destination=cr%6D&x=%C3%A9", ["destination": "crm", "x": "é"]),
        ("/a?%64estination=crm", ["destination": "crm"]),
        // The first of a repeated name; a name alone is empty; empty pairs are skipped.
        ("/a?limit=1&limit=2", ["limit": "1"]),
        ("/a?format&&x=", ["format": "", "x": ""]),
        ("/a?q=a=b", ["q": "a=b"]),
        // A "%" not followed by two hex digits stays as it is, with what follows.
        ("/a?q=%zz", ["q": "%zz"]),
        ("/a?q=100%", ["q": "100%"]),
        ("/a?q=%4", ["q": "%4"]),
        ("/a?q=%4g1", ["q": "%4g1"]),
        ("/a?q=%+5", ["q": "% 5"]),
        ("/a?q=%-5", ["q": "%-5"]),
        // Bytes that are not UTF-8 become U+FFFD.
        ("/a?q=%FFx", ["q": "\u{FFFD}x"]),
        ("http://relay.example/a?format=json", ["format": "json"]),
    ]

    @Test("query parameters of a request target", arguments: cases)
    func query(uri: String, query: [String: String]) {
        #expect(HTTPRequest(method: "GET", uri: uri, headers: [], body: []).query == query)
    }
}
