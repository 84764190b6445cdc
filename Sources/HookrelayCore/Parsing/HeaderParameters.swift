/// A parsed header value of the `type; name=value; name="quoted"` shape (Content-Type, Content-Disposition).
struct HeaderParameters: Sendable, Equatable {
    /// The value before the first `;`, trimmed and lowercased (`multipart/form-data`, `form-data`).
    var value: String
    /// Parameters in order; names lowercased, values unquoted (backslash escapes resolved), case kept.
    var parameters: [(name: String, value: String)]

    /// The first parameter called `name` (give it lowercased).
    func parameter(_ name: String) -> String? {
        parameters.first { $0.name == name }?.value
    }

    static func == (a: HeaderParameters, b: HeaderParameters) -> Bool {
        a.value == b.value && a.parameters.elementsEqual(b.parameters) { $0.name == $1.name && $0.value == $1.value }
    }

    /// The text before the first `;`, without the spaces and tabs around it (`value`, before
    /// lowercasing; also `WebhookRequest.mediaType(of:)`).
    static func leadingValue(of text: String) -> Substring {
        let utf8 = text.utf8
        var start = utf8.startIndex
        var end = utf8.firstIndex(of: UInt8(ascii: ";")) ?? utf8.endIndex
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        while start < end, isBlank(utf8[start]) { start = utf8.index(after: start) }
        while start < end, isBlank(utf8[utf8.index(before: end)]) { end = utf8.index(before: end) }
        return text[start..<end]
    }

    /// Parses leniently: a parameter without `=` gets an empty value; an unterminated quote runs to the end.
    init(parsing text: String) {
        let bytes = Array(text.utf8)
        var i = 0
        let n = bytes.count

        func skipSpaces() { while i < n, bytes[i] == 0x20 || bytes[i] == 0x09 { i += 1 } }
        func trimmed(_ start: Int, _ end: Int) -> String {
            var s = start, e = end
            while s < e, bytes[s] == 0x20 || bytes[s] == 0x09 { s += 1 }
            while e > s, bytes[e - 1] == 0x20 || bytes[e - 1] == 0x09 { e -= 1 }
            return String(decoding: bytes[s..<e], as: UTF8.self)
        }

        let semicolon = UInt8(ascii: ";"), equals = UInt8(ascii: "="), quote = UInt8(ascii: "\"")
        value = Self.leadingValue(of: text).lowercased()
        while i < n, bytes[i] != semicolon { i += 1 }
        parameters = []

        while i < n {
            i += 1  // past ';'
            skipSpaces()
            let nameStart = i
            while i < n, bytes[i] != equals, bytes[i] != semicolon { i += 1 }
            let name = trimmed(nameStart, i).lowercased()
            var parameterValue = ""
            if i < n, bytes[i] == equals {
                i += 1
                skipSpaces()
                if i < n, bytes[i] == quote {
                    i += 1
                    var raw = [UInt8]()
                    while i < n, bytes[i] != quote {
                        if bytes[i] == UInt8(ascii: "\\"), i + 1 < n { i += 1 }
                        raw.append(bytes[i])
                        i += 1
                    }
                    if i < n { i += 1 }  // closing quote
                    parameterValue = String(decoding: raw, as: UTF8.self)
                    while i < n, bytes[i] != semicolon { i += 1 }
                } else {
                    let start = i
                    while i < n, bytes[i] != semicolon { i += 1 }
                    parameterValue = trimmed(start, i)
                }
            }
            if !name.isEmpty { parameters.append((name, parameterValue)) }
        }
    }
}
