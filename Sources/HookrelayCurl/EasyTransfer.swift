import CCurl
import CurlShim
import HookrelayCore

/// A pooled curl easy handle and the state of the one attempt it is carrying: options set from an
/// `OutboundRequest`, the first KiB of the response, and the result read back at completion.
/// Used only on the engine thread.
final class EasyTransfer {
    /// Bytes of the response body kept for `AttemptResult.responseSnippet`.
    static let snippetLimit = 1024
    /// `CURLOPT_CONNECTTIMEOUT_MS` never exceeds this, however long the attempt may take.
    static let maxConnectTimeoutMilliseconds = 10_000

    let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var snippet: [UInt8] = []
    private var headerList: UnsafeMutablePointer<curl_slist>?
    /// Who gets the result; set while the transfer is in the multi handle.
    var completion: (@Sendable (AttemptResult) -> Void)?
    /// When the transfer was added to the multi handle.
    var startedAt: ContinuousClock.Instant = .now
    /// Position in the engine loop's active list, for O(1) removal.
    var activeIndex = -1

    init?() {
        guard let handle = curl_easy_init() else { return nil }
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        snippet.reserveCapacity(Self.snippetLimit)
    }

    /// Resets the handle and sets every option for `request`. Returns the failure when the request
    /// cannot be sent as given (a header with a line break, an option curl refused).
    func prepare(_ request: OutboundRequest) -> TransportError? {
        curl_easy_reset(handle)  // keeps the handle's connection/DNS/TLS-session ties; clears options
        freeHeaders()
        errorBuffer[0] = 0
        snippet.removeAll(keepingCapacity: true)

        var list: UnsafeMutablePointer<curl_slist>?
        for field in request.headers {
            guard let line = Self.headerLine(field) else {
                headerList = list
                return TransportError(.protocolError, "header \(field.name) has an invalid name or a line break in its value")
            }
            guard let appended = curl_slist_append(list, line) else {
                headerList = list
                return TransportError(.other, "out of memory building headers")
            }
            list = appended
        }
        // An empty `Expect:` stops curl from waiting for `100 Continue` on larger bodies.
        guard let withExpect = curl_slist_append(list, "Expect:") else {
            headerList = list
            return TransportError(.other, "out of memory building headers")
        }
        headerList = withExpect

        let timeoutMs = max(1, Int(clamping: request.timeout.milliseconds))
        let context = Unmanaged.passUnretained(self).toOpaque()
        var code = CURLE_OK
        func check(_ result: CURLcode) { if code == CURLE_OK { code = result } }

        check(hr_easy_setopt_string(handle, CURLOPT_URL, request.url))
        check(hr_easy_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"))
        check(hr_easy_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0))
        check(hr_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
        let tls = Self.usesTLS(request.url)
        // `http_version`: which HTTP, and whether attempts wait for a connection that multiplexes.
        let version = switch request.httpVersion {
        case .auto: Int(CURL_HTTP_VERSION_2TLS)
        case .http1_1: Int(CURL_HTTP_VERSION_1_1)
        }
        check(hr_easy_setopt_long(handle, CURLOPT_HTTP_VERSION, version))
        let mayMultiplex = tls && request.httpVersion == .auto
        // Where HTTP/2 may come, wait for a connection that may turn out to multiplex rather than
        // open another. Never for HTTP/1.1 (plain http on auto): there a hung first request
        // would hold back every other attempt to the destination.
        if mayMultiplex {
            check(hr_easy_setopt_long(handle, CURLOPT_PIPEWAIT, 1))
        } else {
            // libcurl 7.88 allocates its receive buffer (BUFFERSIZE + 1 bytes) for each transfer
            // and frees it when the transfer is done. At the default 16 KiB that is a large-bin
            // malloc/free per attempt, with consolidation of the fast bins; at its minimum, 1 KiB,
            // it comes from the thread's cache (docs/PERFORMANCE.md, change 17). A long answer is
            // only read in more pieces. HTTP/1.1 only: an HTTP/2 answer's DATA frames pass
            // through this buffer in libcurl 7.88, which pauses the stream when a frame does not
            // fit; that path keeps the default.
            // Not checked: libcurl 7.88 refuses (CURLE_BAD_FUNCTION_ARGUMENT) to resize a buffer
            // the handle still holds, which a handle last used for an HTTP/2 attempt does; the
            // attempt then simply reads with the default size (HTTP2DeliveryTests).
            _ = hr_easy_setopt_long(handle, CURLOPT_BUFFERSIZE, 1024)
        }
        check(hr_easy_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1))
        check(hr_easy_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2))
        // A destination's `ca_file` replaces the system's CAs (verification stays on).
        if let caFile = request.caFile { check(hr_easy_setopt_string(handle, CURLOPT_CAINFO, caFile)) }
        check(hr_easy_setopt_long(handle, CURLOPT_TIMEOUT_MS, timeoutMs))
        check(hr_easy_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, min(timeoutMs, Self.maxConnectTimeoutMilliseconds)))
        check(hr_easy_setopt_pointer(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(headerList)))
        // The body: curl takes its own copy, so nothing has to outlive this call.
        check(hr_easy_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)))
        if request.body.isEmpty {
            check(hr_easy_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, ""))  // never NULL: that would read stdin
        } else {
            request.body.withUnsafeBytes { bytes in
                check(hr_easy_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress)))
            }
        }
        check(hr_easy_setopt_pointer(handle, CURLOPT_PRIVATE, context))
        check(hr_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, context))
        check(hr_easy_setopt_write_callback(handle) { data, size, count, context in
            let total = size * count
            guard let data, let context else { return total }
            Unmanaged<EasyTransfer>.fromOpaque(context).takeUnretainedValue().keep(UnsafeRawBufferPointer(start: data, count: total))
            return total  // the rest of the body is read and dropped, never refused
        })
        check(hr_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer))
        // Best effort, not checked: on timeout or stop, detach a still-running threaded DNS lookup
        // instead of joining it, which would block the engine thread for the resolver's timeout.
        _ = hr_easy_setopt_long(handle, CURLOPT_QUICK_EXIT, 1)

        guard code == CURLE_OK else {
            return TransportError(CurlErrorMapping.kind(for: code), "setting curl options: \(Self.message(for: code))")
        }
        return nil
    }

    /// Reads the outcome once curl reports the transfer done with `code`.
    func result(for code: CURLcode, counters: EngineCounters) -> AttemptResult {
        let latency = startedAt.duration(to: .now)
        var connects = 0
        if hr_easy_getinfo_long(handle, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK, connects > 0 {
            counters.newConnections.add(connects, ordering: .relaxed)
        }
        let body = Self.snippetText(snippet)
        guard code == CURLE_OK else {
            let message = errorBuffer[0] != 0 ? String(cString: errorBuffer) : Self.message(for: code)
            return AttemptResult(status: nil, transportError: TransportError(CurlErrorMapping.kind(for: code), message), responseSnippet: body, latency: latency)
        }
        var status = 0
        _ = hr_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var retryAfter: Duration?
        if status == 429 || status == 503 {
            var seconds: curl_off_t = 0
            if hr_easy_getinfo_off_t(handle, CURLINFO_RETRY_AFTER, &seconds) == CURLE_OK, seconds > 0 {
                retryAfter = .seconds(min(Int64(seconds), 86_400))  // same 24 h cap as RetryAfter.parse
            }
        }
        return AttemptResult(status: status, retryAfter: retryAfter, responseSnippet: body, latency: latency)
    }

    /// Frees what belonged to the finished attempt (the header list); the handle stays for reuse.
    func finishAttempt() {
        freeHeaders()
        completion = nil
        activeIndex = -1
    }

    /// Destroys the handle; the transfer must not be in a multi handle any more.
    func dispose() {
        freeHeaders()
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    private func keep(_ bytes: UnsafeRawBufferPointer) {
        let room = Self.snippetLimit - snippet.count
        if room > 0 { snippet.append(contentsOf: bytes.prefix(room)) }
    }

    private func freeHeaders() {
        if let headerList { curl_slist_free_all(headerList) }
        headerList = nil
    }

    /// The kept bytes as text of at most `snippetLimit` bytes: bytes that are not UTF-8 become
    /// U+FFFD (three bytes each), so the text is cut again, between characters, to stay within it.
    static func snippetText(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.utf8.count > snippetLimit else { return text }
        var length = 0
        var end = text.unicodeScalars.startIndex
        for index in text.unicodeScalars.indices {
            let width = UTF8.width(text.unicodeScalars[index])
            if length + width > snippetLimit { break }
            length += width
            end = text.unicodeScalars.index(after: index)
        }
        return String(text.unicodeScalars[..<end])
    }

    /// Whether `url` is https (the scheme in any case, as the config accepts it).
    static func usesTLS(_ url: String) -> Bool {
        var expected = "https:".utf8.makeIterator()
        for byte in url.utf8 {
            guard let want = expected.next() else { return true }
            let lowered = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
            if lowered != want { return false }
        }
        return expected.next() == nil
    }

    /// `Name: value` (or `Name;`, curl's spelling for an empty value); nil when the name is empty or
    /// has a separator or control character, or the value has CR, LF or NUL (header injection).
    static func headerLine(_ field: HeaderField) -> String? {
        guard !field.name.isEmpty,
              field.name.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != UInt8(ascii: ":") && $0 != UInt8(ascii: ";") }),
              HeaderField.isSendableValue(field.value)
        else { return nil }
        return field.value.isEmpty ? field.name + ";" : field.name + ": " + field.value
    }

    static func message(for code: CURLcode) -> String {
        String(cString: curl_easy_strerror(code))
    }
}
