/// Reads an `application/x-www-form-urlencoded` body (WHATWG URL Standard §5.1).
//
// `+` is a space and `%XX` a byte; a `%` not followed by two hex digits stays literal, as the
// standard says, so this parser never fails. Pairs without `=` get an empty value; empty pairs
// are skipped; repeated names are all kept (lookups take the first). Bytes are read as UTF-8,
// invalid sequences replaced by U+FFFD.
public enum FormURLEncodedParser {
    /// The first value of each name in a URL's query (what follows `?`), decoded as a form body
    /// is: the admin API's parameters (`HTTPRequest.query`).
    public static func firstValues(ofQuery query: Substring) -> [String: String] {
        var values: [String: String] = [:]
        for field in parse(Array(query.utf8)).fields where values[field.name] == nil {
            values[field.name] = field.value
        }
        return values
    }

    static func parse(_ body: [UInt8]) -> FormFields {
        parse(body, maxFields: .max) ?? FormFields()
    }

    /// The body's fields, or nil when it holds more than `maxFields` of them (the parse stops there).
    static func parse(_ body: [UInt8], maxFields: Int) -> FormFields? {
        var form = FormFields()
        let complete = body.withUnsafeBufferPointer { bytes in
            var start = 0
            let n = bytes.count
            while start < n {
                var end = start
                while end < n, bytes[end] != UInt8(ascii: "&") { end += 1 }
                if end > start {
                    guard form.fields.count < maxFields else { return false }
                    var equals = start
                    while equals < end, bytes[equals] != UInt8(ascii: "=") { equals += 1 }
                    let name = decode(bytes, start, equals)
                    let value = equals < end ? decode(bytes, equals + 1, end) : ""
                    form.fields.append(.init(name: name, value: value))
                }
                start = end + 1
            }
            return true
        }
        return complete ? form : nil
    }

    /// Percent-decodes `bytes[start..<end]`, `+` as space.
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
        var plain = true
        for i in start..<end where bytes[i] == UInt8(ascii: "%") || bytes[i] == UInt8(ascii: "+") {
            plain = false
            break
        }
        if plain { return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self) }

        var out = [UInt8]()
        out.reserveCapacity(end - start)
        var i = start
        while i < end {
            let c = bytes[i]
            if c == UInt8(ascii: "+") {
                out.append(0x20)
            } else if c == UInt8(ascii: "%"), i + 2 < end,
                      let high = hexValue(bytes[i + 1]), let low = hexValue(bytes[i + 2]) {
                out.append(high << 4 | low)
                i += 3
                continue
            } else {
                out.append(c)
            }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    @inline(__always)
    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c &- 48
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c &- 87
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c &- 55
        default: return nil
        }
    }
}
