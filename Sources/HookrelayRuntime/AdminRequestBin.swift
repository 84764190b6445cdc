import Foundation
import HookrelayCore
import HookrelayHTTP
import Synchronization

/// The admin listener's request bin (SPEC §7): `ANY /bin/{name}[/…]` records the request and
/// answers 200; `GET /bin/{name}/inspect` shows the last 100 (HTML, or JSON with
/// `?format=json` or `Accept: application/json`). The local stand-in for a temporary test URL.
///
/// Anonymous callers cannot grow it (SPEC §11): at most `maxBins` bins (the least recently used
/// goes first), `perBin` requests each, a request's body cut at 64 KiB and its head at 8 KiB,
/// and `maxBytes` in all (past it the oldest requests of any bin go first).
final class AdminRequestBin: Sendable {
    static let perBin = 100
    static let maxBins = 32
    static let maxBody = 64 * 1024
    /// Header bytes (names and values) kept of one request; the target is cut to `maxURI`.
    static let maxHead = 8 * 1024
    static let maxURI = 2 * 1024
    /// What every bin together may hold.
    static let maxBytes = 16 << 20

    struct Captured: Sendable {
        var time: Int64
        var method: String
        var uri: String
        var headers: [HeaderField]
        var body: [UInt8]
        var truncated: Bool
        /// Order of arrival across every bin (the oldest goes first when `maxBytes` is reached).
        var sequence: UInt64 = 0

        /// What keeping it costs, near enough: its bytes plus a fixed share per string.
        var cost: Int {
            headers.reduce(body.count + uri.utf8.count + method.utf8.count + 128) { $0 + $1.name.utf8.count + $1.value.utf8.count + 32 }
        }
    }

    private struct State {
        var bins: [String: [Captured]] = [:]
        var lastUsed: [String: UInt64] = [:]
        var clock: UInt64 = 0
        /// The cost of every request kept.
        var bytes = 0

        mutating func removeOldest(of name: String) {
            guard let removed = bins[name]?.first else { return }
            bins[name]!.removeFirst()
            bytes -= removed.cost
        }

        mutating func removeBin(_ name: String) {
            bytes -= (bins[name] ?? []).reduce(0) { $0 + $1.cost }
            bins[name] = nil
            lastUsed[name] = nil
        }
    }

    private let state = Mutex(State())

    func respond(to request: HTTPRequest, completion: @escaping @Sendable (HTTPResponse) -> Void) {
        let parts = request.path.dropFirst("/bin/".count).split(separator: "/", omittingEmptySubsequences: false)
        guard let first = parts.first, Self.isValidName(first) else {
            completion(.error(404, "a request bin is /bin/NAME (letters, digits, . _ -)"))
            return
        }
        let name = String(first)
        if parts.count == 2, parts[1] == "inspect", request.method == "GET" {
            let requests = self.requests(name)
            if request.query["format"] == "json" || (request.header("accept") ?? "").contains("application/json") {
                completion(.json(200, Self.json(requests)))
            } else {
                completion(.text(200, Self.html(name: name, requests), contentType: "text/html; charset=utf-8"))
            }
            return
        }
        record(name, request)
        completion(.json(200, AdminJSON.text(AdminJSON.object(["status": .string("ok"), "bin": .string(name)]))))
    }

    /// The bin's requests, newest first.
    func requests(_ name: String) -> [Captured] {
        state.withLock { Array(($0.bins[name] ?? []).reversed()) }
    }

    private func record(_ name: String, _ request: HTTPRequest) {
        var captured = Captured(
            time: AdminTime.nowMillis(), method: String(request.method.prefix(32)), uri: Self.cut(request.uri, to: Self.maxURI),
            headers: [], body: Array(request.body.prefix(Self.maxBody)), truncated: request.body.count > Self.maxBody
        )
        var headBytes = 0
        for header in request.headers {
            headBytes += header.name.utf8.count + header.value.utf8.count
            guard headBytes <= Self.maxHead else {
                captured.truncated = true
                break
            }
            captured.headers.append(header)
        }
        let cost = captured.cost
        state.withLock { state in
            if state.bins[name] == nil, state.bins.count >= Self.maxBins,
               let evict = state.lastUsed.min(by: { $0.value < $1.value })?.key {
                state.removeBin(evict)
            }
            state.clock += 1
            captured.sequence = state.clock
            state.lastUsed[name] = state.clock
            state.bins[name, default: []].append(captured)
            state.bytes += cost
            if state.bins[name]!.count > Self.perBin { state.removeOldest(of: name) }
            // Past the bound for all bins: the oldest requests go first, whichever bin holds them.
            while state.bytes > Self.maxBytes,
                  let oldest = state.bins.filter({ !$0.value.isEmpty }).min(by: { $0.value[0].sequence < $1.value[0].sequence })?.key {
                state.removeOldest(of: oldest)
            }
        }
    }

    /// `text` cut to at most `limit` bytes of UTF-8, on a scalar boundary.
    private static func cut(_ text: String, to limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var end = text.utf8.index(text.utf8.startIndex, offsetBy: limit)
        while end > text.startIndex, end.samePosition(in: text.unicodeScalars) == nil { end = text.utf8.index(before: end) }
        return String(text[..<end])
    }

    private static func isValidName(_ name: Substring) -> Bool {
        !name.isEmpty && name.count <= 64 && name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" || $0 == "."
        }
    }

    /// The requests as a JSON array, one per line: `{"time","method","uri","headers":[[name,value]…],"body","truncated"}`,
    /// the body read as UTF-8 (invalid bytes as U+FFFD).
    static func json(_ requests: [Captured]) -> String {
        AdminJSON.lines(requests.map { captured in
            AdminJSON.object([
                "time": .string(AdminTime.rfc3339(captured.time)), "method": .string(captured.method), "uri": .string(captured.uri),
                "headers": .array(captured.headers.map { .array([.string($0.name), .string($0.value)]) }),
                "body": .string(String(decoding: captured.body, as: UTF8.self)), "truncated": .bool(captured.truncated),
            ])
        }, open: "[", close: "]")
    }

    /// The bin's inspect page, newest first (`AdminTemplates.bin`): each request's line, its
    /// headers and its body as text, everything HTML-escaped.
    static func html(name: String, _ requests: [Captured]) -> String {
        AdminTemplates.render("bin", [
            "title": "hookrelay bin \(name)",
            "nonce": false,
            "name": name,
            "count": requests.count,
            "perBin": perBin,
            "maxBody": maxBody,
            "maxHead": maxHead,
            "requests": requests.map { captured -> [String: Any] in
                [
                    "method": captured.method,
                    "uri": captured.uri,
                    "time": AdminTime.rfc3339(captured.time),
                    "headers": captured.headers.map { "\($0.name): \($0.value)\n" },
                    "body": String(decoding: captured.body, as: UTF8.self),
                    "truncated": captured.truncated,
                ]
            },
        ])
    }
}
