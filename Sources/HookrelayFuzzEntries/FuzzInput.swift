import HookrelayCore

/// How a fuzz input is read as a request: header lines (`Name: value`, one per `\n`, a
/// trailing `\r` dropped) up to the first empty line, then the body's bytes as they are.
/// Without an empty line the whole input is headers and the body is empty.
/// Text that is not UTF-8 is decoded with replacement characters, as NIO hands header values on.
struct FuzzRequestInput {
    var headers: [HeaderField]
    var body: [UInt8]

    init(_ bytes: [UInt8]) {
        var headers: [HeaderField] = []
        var lineStart = 0
        var index = 0
        var bodyStart = bytes.count
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "\n") else {
                index += 1
                continue
            }
            var line = bytes[lineStart..<index]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.isEmpty {
                bodyStart = index + 1
                break
            }
            if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
                var value = line[line.index(after: colon)...]
                while value.first == UInt8(ascii: " ") { value = value.dropFirst() }
                headers.append(HeaderField(name: String(decoding: line[..<colon], as: UTF8.self),
                                           value: String(decoding: value, as: UTF8.self)))
            }
            index += 1
            lineStart = index
        }
        self.headers = headers
        body = bodyStart < bytes.count ? Array(bytes[bodyStart...]) : []
    }

    /// The first value of a header, compared case-insensitively.
    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveEquals(name) }?.value
    }

    /// The input as the request a source's path receives.
    var request: WebhookRequest {
        WebhookRequest(method: "POST", path: "/fuzz", headers: headers, body: body)
    }
}

/// An input split at its first NUL byte (`before`, `after`); no NUL: all of it is `before`.
struct FuzzSplitInput {
    var before: [UInt8]
    var after: [UInt8]?

    init(_ bytes: [UInt8]) {
        if let nul = bytes.firstIndex(of: 0) {
            before = Array(bytes[..<nul])
            after = Array(bytes[(nul + 1)...])
        } else {
            before = bytes
            after = nil
        }
    }
}
