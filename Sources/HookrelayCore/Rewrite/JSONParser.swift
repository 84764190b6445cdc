/// Reads JSON text (RFC 8259) into a `JSONValue`: strict grammar, objects in order, numbers as text.
///
/// Two modes share the one grammar and differ only in what a string may hold:
/// - lenient (the default, for the rewrite path): invalid UTF-8 and lone surrogate escapes become
///   U+FFFD rather than failing; the body was already accepted at ingest, and a rewrite should not
///   lose an event over one odd character.
/// - `strict` (for ingest): invalid UTF-8 and lone surrogate escapes are refused, so whatever ingest
///   accepts reads back the same way here.
///
/// Either way only UTF-8 is read (no byte order mark, no UTF-16/32), and duplicate member names are
/// kept in order (`JSONObject` lookups take the first).
enum JSONParser {
    /// Nesting deeper than this is refused (a guard against stack exhaustion).
    static let maxDepth = 512

    /// `maxValues`: the most values (objects, arrays and scalars, nested ones included) the text
    /// may hold; past it the parse stops with an error whose `exceedsLimit` is set.
    static func parse(_ bytes: [UInt8], strict: Bool = false, maxValues: Int = .max) throws(RewriteError) -> JSONValue {
        let result: Result<JSONValue, RewriteError> = bytes.withUnsafeBufferPointer { buffer in
            var reader = Reader(bytes: buffer, strict: strict, maxValues: maxValues)
            do throws(RewriteError) {
                reader.skipWhitespace()
                let value = try reader.value(depth: 0)
                reader.skipWhitespace()
                guard reader.position == buffer.count else { throw reader.error("unexpected text after the JSON value") }
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        /// Refuse invalid UTF-8 and lone surrogate escapes instead of replacing them.
        let strict: Bool
        let maxValues: Int
        /// Values read so far, against `maxValues`.
        var values = 0
        var position = 0

        init(bytes: UnsafeBufferPointer<UInt8>, strict: Bool, maxValues: Int) {
            self.bytes = bytes
            self.strict = strict
            self.maxValues = maxValues
        }

        func error(_ what: String, at offset: Int? = nil) -> RewriteError {
            RewriteError("body is not valid JSON: \(what) at byte \(offset ?? position)")
        }

        mutating func skipWhitespace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws(RewriteError) -> JSONValue {
            guard depth < JSONParser.maxDepth else { throw error("nesting too deep") }
            guard position < bytes.count else { throw error("unexpected end") }
            values += 1
            guard values <= maxValues else { throw RewriteError("body has more than \(maxValues) JSON values", exceedsLimit: true) }
            switch bytes[position] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: return .number(try number())
            }
        }

        mutating func object(depth: Int) throws(RewriteError) -> JSONValue {
            position += 1  // {
            var object = JSONObject()
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
                position += 1
                return .object(object)
            }
            while true {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw error("expected a member name") }
                let name = try string()
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw error("expected ':'") }
                position += 1
                skipWhitespace()
                object.members.append(JSONObject.Member(name, try value(depth: depth + 1)))
                skipWhitespace()
                guard position < bytes.count else { throw error("unexpected end in an object") }
                if bytes[position] == UInt8(ascii: ",") {
                    position += 1
                } else if bytes[position] == UInt8(ascii: "}") {
                    position += 1
                    return .object(object)
                } else {
                    throw error("expected ',' or '}'")
                }
            }
        }

        mutating func array(depth: Int) throws(RewriteError) -> JSONValue {
            position += 1  // [
            var elements: [JSONValue] = []
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
                position += 1
                return .array(elements)
            }
            while true {
                skipWhitespace()
                elements.append(try value(depth: depth + 1))
                skipWhitespace()
                guard position < bytes.count else { throw error("unexpected end in an array") }
                if bytes[position] == UInt8(ascii: ",") {
                    position += 1
                } else if bytes[position] == UInt8(ascii: "]") {
                    position += 1
                    return .array(elements)
                } else {
                    throw error("expected ',' or ']'")
                }
            }
        }

        mutating func literal(_ word: StaticString) throws(RewriteError) {
            let count = word.utf8CodeUnitCount
            guard position + count <= bytes.count else { throw error("unexpected end") }
            let expected = UnsafeBufferPointer(start: word.utf8Start, count: count)
            for i in 0..<count where bytes[position + i] != expected[i] { throw error("unknown literal") }
            position += count
        }

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, returned as its text.
        mutating func number() throws(RewriteError) -> String {
            let start = position
            if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard position < bytes.count, isDigit(bytes[position]) else { throw error("unexpected character") }
            if bytes[position] == UInt8(ascii: "0") {
                position += 1
            } else {
                skipDigits()
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                position += 1
                guard position < bytes.count, isDigit(bytes[position]) else { throw error("expected a digit after '.'") }
                skipDigits()
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
                position += 1
                if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
                guard position < bytes.count, isDigit(bytes[position]) else { throw error("expected an exponent") }
                skipDigits()
            }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        }

        private mutating func skipDigits() {
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }

        private func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

        /// A string literal starting at the opening quote. A string without escapes (the common
        /// case) becomes a `String` straight from its bytes; one with escapes is assembled from its
        /// runs of plain bytes and the escapes between them.
        mutating func string() throws(RewriteError) -> String {
            let start = position
            position += 1  // "
            var runStart = position
            var ascii = skipPlainBytes()
            if position < bytes.count, bytes[position] == UInt8(ascii: "\"") {
                position += 1
                return try text(UnsafeBufferPointer(rebasing: bytes[runStart..<position - 1]), ascii: ascii, at: start)
            }
            var unescaped: [UInt8] = []
            while true {
                unescaped.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<position]))
                guard position < bytes.count else { throw error("unterminated string") }
                switch bytes[position] {
                case UInt8(ascii: "\""):
                    position += 1
                    return try text(unescaped, ascii: ascii, at: start)
                case UInt8(ascii: "\\"):
                    position += 1
                    try escape(into: &unescaped)
                default:
                    throw error("control character in a string")
                }
                runStart = position
                ascii = skipPlainBytes() && ascii
            }
        }

        /// Moves past the bytes that stand for themselves in a string (all but `"`, `\` and control
        /// characters); true when they were all ASCII.
        private mutating func skipPlainBytes() -> Bool {
            var bits: UInt8 = 0
            var i = position
            while i < bytes.count {
                let c = bytes[i]
                guard c >= 0x20, c != UInt8(ascii: "\""), c != UInt8(ascii: "\\") else { break }
                bits |= c
                i += 1
            }
            position = i
            return bits < 0x80
        }

        /// The string of a literal's bytes (escapes resolved); `ascii` says its raw bytes were all
        /// ASCII, so only escapes could add others, and those are valid UTF-8. In strict mode invalid
        /// UTF-8 is refused, otherwise replaced with U+FFFD. (Escapes are ASCII, so a UTF-8 sequence
        /// never spans one: checking the joined bytes is checking the raw ones.)
        private func text(_ utf8: some Collection<UInt8>, ascii: Bool, at start: Int) throws(RewriteError) -> String {
            guard strict, !ascii else { return String(decoding: utf8, as: UTF8.self) }
            guard let text = String(validating: utf8, as: UTF8.self) else { throw error("invalid UTF-8 in a string", at: start) }
            return text
        }

        /// One escape after its backslash, appended to `out` as UTF-8.
        private mutating func escape(into out: inout [UInt8]) throws(RewriteError) {
            guard position < bytes.count else { throw error("unexpected end in a string") }
            let escape = bytes[position]
            position += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"): UTF8.encode(try unicodeEscape()) { out.append($0) }
            default: throw error("bad escape in a string")
            }
        }

        /// The scalar of a `\uXXXX` escape (after the `u`), joining a surrogate pair. A lone
        /// surrogate is refused in strict mode and read as U+FFFD otherwise.
        private mutating func unicodeEscape() throws(RewriteError) -> Unicode.Scalar {
            let escapeStart = position - 2
            let first = try hex4()
            if (0xD800..<0xDC00).contains(first) {
                // A high surrogate: a low one should follow as another \u escape.
                if position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") {
                    let saved = position
                    position += 2
                    let second = try hex4()
                    if (0xDC00..<0xE000).contains(second), let scalar = Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)) {
                        return scalar
                    }
                    position = saved
                }
            } else if let scalar = Unicode.Scalar(first) {
                return scalar
            }
            if strict { throw error("lone surrogate escape in a string", at: escapeStart) }
            return "\u{FFFD}"
        }

        private mutating func hex4() throws(RewriteError) -> UInt32 {
            guard position + 4 <= bytes.count else { throw error("short \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let digit = FormURLEncodedParser.hexValue(bytes[position]) else { throw error("bad \\u escape") }
                value = value << 4 | UInt32(digit)
                position += 1
            }
            return value
        }
    }
}
