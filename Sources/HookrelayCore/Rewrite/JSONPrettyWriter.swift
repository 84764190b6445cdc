/// Writes a `JSONValue` indented for people (two spaces per level, `"name": value`), for the
/// event page on `/admin`; the same escaping as `JSONWriter`, so it reads back as the same value.
public enum JSONPrettyWriter {
    /// The value as indented JSON text.
    public static func text(_ value: JSONValue) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        write(value, depth: 0, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func newline(_ depth: Int, _ out: inout [UInt8]) {
        out.append(0x0A)
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: depth * 2))
    }

    private static func write(_ value: JSONValue, depth: Int, to out: inout [UInt8]) {
        switch value {
        case .object(let object) where !object.members.isEmpty:
            out.append(UInt8(ascii: "{"))
            for (index, member) in object.members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                newline(depth + 1, &out)
                JSONWriter.writeString(member.name, to: &out)
                out.append(contentsOf: ": ".utf8)
                write(member.value, depth: depth + 1, to: &out)
            }
            newline(depth, &out)
            out.append(UInt8(ascii: "}"))
        case .array(let elements) where !elements.isEmpty:
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                newline(depth + 1, &out)
                write(element, depth: depth + 1, to: &out)
            }
            newline(depth, &out)
            out.append(UInt8(ascii: "]"))
        default:
            JSONWriter.write(value, to: &out)
        }
    }
}
