/// Reading values out of a JSON body (`JSONObject`): dotted paths and scalars as text.
enum JSONLookup {
    /// The value at `path` (object keys, one per segment) under `object`; nil when a step is missing.
    /// Where a name appears more than once, the first member counts.
    static func value(at path: [String], in object: JSONObject) -> JSONValue? {
        JSONValue.object(object).value(at: path)
    }

    /// The value at `path` as text (see `text(of:)`).
    static func text(at path: [String], in object: JSONObject) -> String? {
        text(of: value(at: path, in: object))
    }

    /// A string as is; an integral number as its decimal digits (`1701388800`, not `1.7e9`); another
    /// number in its shortest form; booleans as `true`/`false`. Nil for null, objects, arrays and `""`.
    static func text(of value: JSONValue?) -> String? {
        switch value {
        case .string(let string)?:
            return string.isEmpty ? nil : string
        case .bool(let bool)?:
            return bool ? "true" : "false"
        case .number(let number)?:
            return text(ofNumber: number)
        default:
            return nil
        }
    }

    /// A JSON number's text as `text(of:)` gives it: integer text (`-?[0-9]+`) unchanged, at any
    /// length; otherwise the value as a Double, written as Int64 digits when it is integral and below
    /// 9e15 in magnitude (`1.7e9` → `1700000000`), else in its shortest form (`1.5`). A number too
    /// large for a Double (`1e400`) keeps its text.
    static func text(ofNumber number: String) -> String {
        let digits = number.utf8.first == UInt8(ascii: "-") ? number.utf8.dropFirst() : number.utf8[...]
        if !digits.isEmpty, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) { return number }
        guard let double = Double(number), double.isFinite else { return number }
        if double.rounded() == double, abs(double) < 9.0e15 { return String(Int64(double)) }
        return "\(double)"
    }
}
