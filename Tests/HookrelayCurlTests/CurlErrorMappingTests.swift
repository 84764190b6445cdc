import CCurl
import HookrelayCore
@testable import HookrelayCurl
import Testing

/// libcurl error codes land in the failure kinds the spec names.
@Suite struct CurlErrorMappingTests {
    @Test func mapsCodesToKinds() {
        let cases: [(CURLcode, TransportError.Kind)] = [
            (CURLE_OPERATION_TIMEDOUT, .timeout),
            (CURLE_COULDNT_CONNECT, .connect),
            (CURLE_COULDNT_RESOLVE_HOST, .dns),
            (CURLE_COULDNT_RESOLVE_PROXY, .dns),
            (CURLE_SSL_CONNECT_ERROR, .tls),
            (CURLE_PEER_FAILED_VERIFICATION, .tls),
            (CURLE_SSL_CACERT_BADFILE, .tls),
            (CURLE_SSL_CLIENTCERT, .tls),
            (CURLE_SEND_ERROR, .network),
            (CURLE_RECV_ERROR, .network),
            (CURLE_GOT_NOTHING, .network),
            (CURLE_PARTIAL_FILE, .network),
            (CURLE_UNSUPPORTED_PROTOCOL, .protocolError),
            (CURLE_URL_MALFORMAT, .protocolError),
            (CURLE_WEIRD_SERVER_REPLY, .protocolError),
            (CURLE_HTTP2, .protocolError),
            (CURLE_HTTP2_STREAM, .protocolError),
            (CURLE_OUT_OF_MEMORY, .other),
            (CURLE_ABORTED_BY_CALLBACK, .other),
        ]
        for (code, kind) in cases {
            #expect(CurlErrorMapping.kind(for: code) == kind, "code \(code.rawValue)")
        }
    }

    @Test func headerLines() {
        #expect(EasyTransfer.headerLine(HeaderField(name: "X-A", value: "1")) == "X-A: 1")
        #expect(EasyTransfer.headerLine(HeaderField(name: "X-A", value: "")) == "X-A;")
        #expect(EasyTransfer.headerLine(HeaderField(name: "X-A", value: "a\nb")) == nil)
        #expect(EasyTransfer.headerLine(HeaderField(name: "X A", value: "1")) == nil)
        #expect(EasyTransfer.headerLine(HeaderField(name: "", value: "1")) == nil)
        #expect(EasyTransfer.headerLine(HeaderField(name: "X:A", value: "1")) == nil)
    }
}
