/// Writing JSON text by hand where a value is small and its shape fixed and it is written per
/// request (the ingest answer, error bodies, logs). Strings are escaped by `JSONWriter`, the one
/// escaper; anything larger is a `JSONValue` written by `JSONWriter`.
public enum JSONText {
    /// A JSON string literal for `text`, quotes included, escaped as `JSONWriter` escapes it.
    public static func quote(_ text: String) -> String {
        // Usually nothing needs escaping (event ids, names): one copy, no byte-by-byte append.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            return "\"" + text + "\""
        }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 8)
        JSONWriter.writeString(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
