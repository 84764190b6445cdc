/// A value bound to a statement parameter (`$1`…).
enum PGValue: Sendable {
    case text(String)
    case int(Int64)
    case bool(Bool)
    case double(Double)
    case bytes([UInt8])
    case null
    /// A `text[]`, `bigint[]` or `boolean[]` parameter, written as an array literal.
    case textArray([String])
    case intArray([Int64])
    case boolArray([Bool])

    static func optionalText(_ value: String?) -> PGValue { value.map { .text($0) } ?? .null }
    static func optionalInt(_ value: Int64?) -> PGValue { value.map { .int($0) } ?? .null }

    /// What libpq is given: text, binary (bytea) or NULL.
    enum Encoded {
        case none
        case text(String)
        case binary([UInt8])
    }

    var encoded: Encoded {
        switch self {
        case .text(let text): return .text(text)
        case .int(let value): return .text(String(value))
        case .bool(let value): return .text(value ? "t" : "f")
        case .double(let value): return .text(String(value))
        case .bytes(let bytes): return .binary(bytes)
        case .null: return .none
        case .textArray(let values): return .text("{" + values.map(Self.quoted).joined(separator: ",") + "}")
        case .intArray(let values): return .text("{" + values.map(String.init).joined(separator: ",") + "}")
        case .boolArray(let values): return .text("{" + values.map { $0 ? "t" : "f" }.joined(separator: ",") + "}")
        }
    }

    /// An element of an array literal: double-quoted, `"` and `\` escaped.
    private static func quoted(_ text: String) -> String {
        var out = "\""
        for character in text {
            if character == "\"" || character == "\\" { out.append("\\") }
            out.append(character)
        }
        out.append("\"")
        return out
    }
}
