/// A JSON value as the rewriter reads and writes it: objects keep their members in order and
/// numbers keep their source text, so a value re-serialised unchanged keeps its fields and digits.
public enum JSONValue: Sendable, Equatable {
    case object(JSONObject)
    case array([JSONValue])
    case string(String)
    /// A number, as its JSON text (`250`, `1701388800.123`, `-1e3`).
    case number(String)
    case bool(Bool)
    case null

    /// The object, if this is one.
    public var objectValue: JSONObject? {
        if case .object(let object) = self { return object }
        return nil
    }

    /// The string, if this is one.
    public var stringValue: String? {
        if case .string(let string) = self { return string }
        return nil
    }

    /// The value at `path` (one object key per step); nil when a step is missing or not an object.
    public func value(at path: [String]) -> JSONValue? {
        var current = self
        for key in path {
            guard case .object(let object) = current, let next = object[key] else { return nil }
            current = next
        }
        return current
    }

    /// Replaces the value at `path` when it is there (objects on the way are not created).
    /// Returns true when the stored value changed.
    @discardableResult
    public mutating func replaceExisting(at path: ArraySlice<String>, with value: JSONValue) -> Bool {
        guard let key = path.first, case .object(var object) = self, var child = object[key] else { return false }
        let changed: Bool
        if path.count == 1 {
            changed = child != value
            child = value
        } else {
            changed = child.replaceExisting(at: path.dropFirst(), with: value)
        }
        guard changed else { return false }
        object[key] = child
        self = .object(object)
        return true
    }
}

extension JSONValue {
    /// Parses JSON text (RFC 8259); see `JSONParser`.
    public init(parsing bytes: [UInt8]) throws(RewriteError) {
        self = try JSONParser.parse(bytes)
    }

    /// Compact JSON text (UTF-8, no insignificant spaces).
    public func serialized() -> [UInt8] {
        JSONWriter.bytes(self)
    }
}
