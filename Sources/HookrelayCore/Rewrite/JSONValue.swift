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

    /// Replaces the value at `path` wherever it is there (objects on the way are not created).
    /// A name repeated in an object (lookups take the first) is followed in every member that has
    /// it: a reader that takes the last one must not find what was replaced in the first.
    /// Returns true when a stored value changed.
    @discardableResult
    public mutating func replaceExisting(at path: ArraySlice<String>, with value: JSONValue) -> Bool {
        guard let key = path.first, case .object(var object) = self else { return false }
        var changed = false
        for index in object.members.indices where object.members[index].name == key {
            if path.count == 1 {
                guard object.members[index].value != value else { continue }
                object.members[index].value = value
                changed = true
            } else if object.members[index].value.replaceExisting(at: path.dropFirst(), with: value) {
                changed = true
            }
        }
        guard changed else { return false }
        self = .object(object)
        return true
    }

    /// Every value at `path`, following each member of a repeated name (see `replaceExisting`).
    public func values(at path: ArraySlice<String>) -> [JSONValue] {
        guard let key = path.first else { return [self] }
        guard case .object(let object) = self else { return [] }
        return object.members.filter { $0.name == key }.flatMap { $0.value.values(at: path.dropFirst()) }
    }
}

extension JSONValue {
    /// Parses JSON text (RFC 8259); see `JSONParser`. `strict` refuses invalid UTF-8 and lone
    /// surrogate escapes instead of replacing them with U+FFFD; past `maxValues` values the parse
    /// stops (`RewriteError.exceedsLimit`).
    public init(parsing bytes: [UInt8], strict: Bool = false, maxValues: Int = .max) throws(RewriteError) {
        self = try JSONParser.parse(bytes, strict: strict, maxValues: maxValues)
    }

    /// Compact JSON text (UTF-8, no insignificant spaces).
    public func serialized() -> [UInt8] {
        JSONWriter.bytes(self)
    }
}
