import Foundation

/// Reading values out of `JSONSerialization` objects: dotted paths and scalars as text.
enum JSONLookup {
    /// The value at `path` (object keys, one per segment) under `object`; nil when a step is missing.
    static func value(at path: [String], in object: [String: Any]) -> Any? {
        var current: Any = object
        for key in path {
            guard let dictionary = current as? [String: Any], let next = dictionary[key] else { return nil }
            current = next
        }
        return current
    }

    /// The value at `path` as text (see `text(of:)`).
    static func text(at path: [String], in object: [String: Any]) -> String? {
        text(of: value(at: path, in: object))
    }

    /// A string as is; an integral number as its decimal digits (`1701388800`, not `1.7e9`); another
    /// number in its shortest form; booleans as `true`/`false`. Nil for null, objects, arrays and `""`.
    static func text(of value: Any?) -> String? {
        switch value {
        case let string as String:
            return string.isEmpty ? nil : string
        case let number as NSNumber:
            switch String(cString: number.objCType) {
            case "c", "B":  // how JSONSerialization marks true/false
                return number.boolValue ? "true" : "false"
            case "d", "f":
                let double = number.doubleValue
                if double.rounded() == double, abs(double) < 9.0e15 { return String(Int64(double)) }
                return "\(double)"
            default:  // an integer type
                return number.stringValue
            }
        default:
            return nil
        }
    }
}
