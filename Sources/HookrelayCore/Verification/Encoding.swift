import Foundation

/// Lowercase hexadecimal text for bytes (MACs in signatures and tokens).
public enum HexEncoding {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Two lowercase hex digits per byte.
    public static func encode(_ bytes: [UInt8]) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { buffer in
            var i = 0
            for byte in bytes {
                buffer[i] = digits[Int(byte >> 4)]
                buffer[i + 1] = digits[Int(byte & 0x0f)]
                i += 2
            }
            return i
        }
    }

    /// The bytes of an even-length hex string (either case); nil for anything else.
    public static func decode(_ text: String) -> [UInt8]? {
        decode(text.utf8)
    }

    static func decode<C: Collection>(_ utf8: C) -> [UInt8]? where C.Element == UInt8 {
        guard utf8.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var high: UInt8 = 0
        var isHigh = true
        for c in utf8 {
            guard let v = value(of: c) else { return nil }
            if isHigh { high = v } else { out.append(high << 4 | v) }
            isHigh.toggle()
        }
        return out
    }

    @inline(__always)
    private static func value(of c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c &- UInt8(ascii: "A") &+ 10
        default: return nil
        }
    }
}

/// Standard base64 (RFC 4648 §4, with `+/` and `=` padding) for bytes.
public enum Base64Encoding {
    /// Padded standard base64.
    public static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }

    /// The bytes of standard base64 text; missing `=` padding is tolerated. Nil for anything else
    /// (`problem(in:)` says why).
    public static func decode(_ text: String) -> [UInt8]? {
        // Foundation on Linux is lenient (it reads "====" as one zero byte, "AA=A" as two):
        // refuse what is not base64 first.
        guard problem(in: text) == nil else { return nil }
        var text = text
        let remainder = text.utf8.count % 4
        if remainder == 1 { return nil }
        if remainder != 0 { text += String(repeating: "=", count: 4 - remainder) }
        guard let data = Data(base64Encoded: text) else { return nil }
        return [UInt8](data)
    }

    /// Why `text` is not standard base64 (`A-Z a-z 0-9 + /`, at most two `=` at the end; missing
    /// padding tolerated), e.g. `character 4 is whitespace`; nil when it is. Never quotes `text`
    /// (it may be part of a secret).
    public static func problem(in text: String) -> String? {
        // Bytes, not Characters: every byte before the first refused one is ASCII, so the
        // count is also the position in characters.
        var characters = 0
        var padding = 0
        for byte in text.utf8 {
            characters += 1
            switch byte {
            case UInt8(ascii: "="):
                padding += 1
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "+"), UInt8(ascii: "/"):
                if padding > 0 { return "character \(characters) follows \"=\" padding" }
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                return "character \(characters) is whitespace"
            default:
                return "character \(characters) is not a base64 character"
            }
        }
        if padding > 2 { return "it ends in more than two \"=\"" }
        switch ((characters - padding) % 4, padding) {
        case (1, _): return "its length is not base64 (a character too many or too few)"
        case (0, 0), (2, 0), (3, 0), (2, 2), (3, 1): return nil
        default: return "its \"=\" padding does not fit its length"
        }
    }
}
