import HookrelayCore
import HookrelayCurl

/// Requests and engines for the curl engine tests.
enum TestRequests {
    static let body = Array(#"{"event":"delivered","id":"a1"}"#.utf8)

    static func post(_ url: String, timeout: Duration = .seconds(5), headers: [HeaderField]? = nil) -> OutboundRequest {
        OutboundRequest(
            url: url,
            headers: headers ?? [
                HeaderField(name: "Content-Type", value: "application/json"),
                HeaderField(name: "X-Hookrelay-Attempt", value: "1"),
                HeaderField(name: "X-Hookrelay-Event-Id", value: "a1"),
            ],
            body: body,
            timeout: timeout
        )
    }

    /// A started engine; the caller stops it.
    static func engine(maxConnectionsPerHost: Int = 0) throws -> CurlEngine {
        let engine = try CurlEngine(maxConnectionsPerHost: maxConnectionsPerHost)
        engine.start()
        return engine
    }
}
