import HookrelayCore
@testable import HookrelayRuntime
import Testing

/// The request bin's inspect page (SPEC §7): what anyone may send to `/bin/NAME` comes out as
/// text, and the page may run no script at all.
@Suite("Request bin page")
struct AdminRequestBinPageTests {
    @Test("method, target, headers and body are escaped; a cut request says so; no script allowed")
    func escapesEverythingSent() {
        let captured = AdminRequestBin.Captured(
            time: 1_714_564_800_000, method: "P<S>T", uri: "/bin/demo?x=<img src=x>&y='1'",
            headers: [HeaderField(name: "X-A", value: "\"q\"\u{301} onload=alert(1)")],
            body: Array("<script>alert('x')</script>\n&amp;".utf8), truncated: true
        )
        let page = AdminRequestBin.html(name: "demo", [captured])
        #expect(page.contains("<title>hookrelay bin demo</title>"))
        #expect(page.contains("script-src 'none'"))
        #expect(!page.contains("<script"))
        #expect(page.contains("<section><h2>P&lt;S&gt;T /bin/demo?x=&lt;img src=x&gt;&amp;y=&#39;1&#39; <small>2024-05-01T12:00:00.000Z</small></h2>"))
        #expect(page.contains("<pre>X-A: &quot;q&quot;\u{301} onload=alert(1)\n\n&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;\n&amp;amp;\n[… cut: bodies are kept to 65536 bytes, headers to 8192]</pre></section>\n"))
        #expect(page.contains("<p>1 request(s) kept (the last 100), newest first. Send to <code>/bin/demo</code>;"))
        #expect(page.hasSuffix("</body></html>\n"))
    }
}
