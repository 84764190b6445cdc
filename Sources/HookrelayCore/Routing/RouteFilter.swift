/// A route's `where` table (SPEC §12): conditions on the event's payload that must all hold for
/// the route to match.
///
/// Each condition names a dotted path (`event-data.severity`: one object key per segment) that
/// must exist and hold the value with its JSON type (the integer 1 is not the string "1", true
/// is not "true"); where the event holds a list at that path, the list must contain the value.
/// Numbers compare by value (`1`, `1.0` and `1e0` are the same number). Where a name appears more
/// than once in an object, the first member counts, as for every other lookup.
public struct RouteFilter: Sendable, Equatable {
    /// A value a condition compares with: one of the TOML scalars a config may write.
    public enum Value: Sendable, Equatable {
        case string(String)
        case integer(Int64)
        case float(Double)
        case bool(Bool)
    }

    /// One `"dotted.path" = value` entry.
    public struct Condition: Sendable, Equatable {
        public var path: [String]
        public var value: Value

        public init(path: [String], value: Value) {
            self.path = path
            self.value = value
        }

        /// `"event-data.severity"` → `["event-data", "severity"]`.
        public init(dottedPath: String, value: Value) {
            self.init(path: dottedPath.split(separator: ".", omittingEmptySubsequences: false).map(String.init), value: value)
        }
    }

    public var conditions: [Condition]

    public init(_ conditions: [Condition]) {
        self.conditions = conditions
    }

    /// True when every condition holds in `document` (the event in its JSON shape).
    public func matches(_ document: JSONValue) -> Bool {
        for condition in conditions {
            guard let found = document.value(at: condition.path) else { return false }
            if case .array(let elements) = found {
                guard elements.contains(where: { Self.equals($0, condition.value) }) else { return false }
            } else if !Self.equals(found, condition.value) {
                return false
            }
        }
        return true
    }

    /// True when `json` is `value` with the same JSON type.
    static func equals(_ json: JSONValue, _ value: Value) -> Bool {
        switch (json, value) {
        case (.string(let a), .string(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let text), .integer(let b)):
            if let a = Int64(text) { return a == b }
            guard let a = Double(text) else { return false }
            return a == Double(b) && (a.magnitude < 9.0e15)  // beyond 2^53 a Double cannot tell integers apart
        case (.number(let text), .float(let b)):
            guard let a = Double(text) else { return false }
            return a == b
        default: return false
        }
    }
}
