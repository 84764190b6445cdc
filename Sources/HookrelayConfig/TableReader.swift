import HookrelayCore
import TOMLKit

/// A place in relay.conf, printed as a key path: `route[2].to`, `destination[1].retry[3]`,
/// `server.max_body`, `max_urls_per_event`, `destination[1].headers.Authorization`.
struct ConfigLocation {
    var section: ConfigLocator.Section
    var key: String? = nil
    /// 0-based element of an array value.
    var element: Int? = nil
    /// Key inside a table value (`headers.NAME`).
    var subkey: String? = nil

    static let top = ConfigLocation(section: .top)

    func key(_ key: String) -> ConfigLocation { ConfigLocation(section: section, key: key) }

    func element(_ index: Int) -> ConfigLocation {
        var copy = self
        copy.element = index
        return copy
    }

    func subkey(_ name: String) -> ConfigLocation {
        var copy = self
        copy.subkey = name
        return copy
    }

    var keyPath: String {
        var parts: [String] = []
        switch section {
        case .top: break
        case .table(let name): parts.append(name)
        case .arrayElement(let name, let index): parts.append("\(name)[\(index + 1)]")
        }
        if let key {
            var text = key
            if let element { text += "[\(element + 1)]" }
            parts.append(text)
        }
        if let subkey { parts.append(Self.isBare(subkey) ? subkey : "\"\(subkey)\"") }
        return parts.joined(separator: ".")
    }

    /// How the enclosing table is written in the file.
    var tableLabel: String {
        switch section {
        case .top: return "the top level"
        case .table(let name): return "[\(name)]"
        case .arrayElement(let name, _): return "[[\(name)]]"
        }
    }

    private static func isBare(_ key: String) -> Bool {
        !key.isEmpty && key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }
}

/// The values of relay.conf read from `env:NAME` or `file:PATH`, each with the reference it came
/// from. SPEC §11: no message (error, warning, `check`) prints such a value; it names the
/// reference instead. Kept by value, so a value is recognised wherever it goes (a name used in a
/// route, a URL in the routing table). A class: the loader's parts share the one record.
final class ReferencedValues {
    private(set) var referenceByValue: [String: String] = [:]

    func record(_ value: String, from reference: String) {
        if referenceByValue[value] == nil { referenceByValue[value] = reference }
    }
}

/// What every part of loading shares: where the file is, its environment, how to place errors.
struct LoadContext {
    let file: String
    let baseDirectory: String
    let environment: [String: String]
    let locator: ConfigLocator
    let referenced = ReferencedValues()

    /// The `env:NAME` or `file:PATH` that `value` was read from, if it was.
    func reference(of value: String) -> String? {
        referenced.referenceByValue[value]
    }

    /// `value` as a message shows it: `"text"` as written, or `from env:NAME` (`from file:PATH`)
    /// when it was read from one — never the value itself (SPEC §11).
    func shown(_ value: String) -> String {
        reference(of: value).map { "from " + $0 } ?? "\"" + value + "\""
    }

    func error(_ code: ConfigError.Code, _ location: ConfigLocation, _ reason: String) -> ConfigError {
        ConfigError(code, file: file, line: locator.line(section: location.section, key: location.key),
                    keyPath: location.keyPath.isEmpty ? nil : location.keyPath, reason: reason)
    }

    /// Applies `env:NAME` and `file:PATH` to a string value; other strings are returned as is.
    func resolve(_ raw: String, at location: ConfigLocation) throws(ConfigError) -> String {
        if raw.hasPrefix("env:") {
            let name = String(raw.dropFirst(4))
            guard !name.isEmpty else { throw error(.invalidValue, location, "\"env:\" needs a variable name, e.g. \"env:MAILGUN_WEBHOOK_SIGNING_KEY\"") }
            guard let value = environment[name] else {
                throw error(.unresolved, location, "environment variable \(name) is not set")
            }
            referenced.record(value, from: raw)
            return value
        }
        if raw.hasPrefix("file:") {
            let path = String(raw.dropFirst(5))
            guard !path.isEmpty else { throw error(.invalidValue, location, "\"file:\" needs a path, e.g. \"file:/run/secrets/key\"") }
            let full = FileAccess.resolve(path, relativeTo: baseDirectory)
            switch FileAccess.readText(full) {
            case .success(var text):
                while let last = text.last, last == "\n" || last == "\r\n" || last == "\r" { text.removeLast() }
                referenced.record(text, from: raw)
                return text
            case .failure(let failure):
                throw error(.unreadable, location, "cannot read file \"\(full)\": \(failure.message)")
            }
        }
        return raw
    }
}

/// Typed, path-aware access to one TOML table of relay.conf.
struct TableReader {
    let table: TOMLTable
    let location: ConfigLocation
    let context: LoadContext

    init(_ table: TOMLTable, at location: ConfigLocation, context: LoadContext) {
        self.table = table
        self.location = location
        self.context = context
    }

    func has(_ key: String) -> Bool { table[key] != nil }

    /// Refuses any key not in `allowed`, suggesting the closest allowed one.
    func checkKeys(_ allowed: [String], hints: [String: String] = [:]) throws(ConfigError) {
        for key in table.keys.sorted() where !allowed.contains(key) {
            var reason = "unknown key \"\(key)\" in \(location.tableLabel)"
            if let hint = hints[key] {
                reason += "; \(hint)"
            } else if let suggestion = Suggest.closest(to: key, in: allowed) {
                reason += " (did you mean \"\(suggestion)\"?)"
            }
            throw context.error(.unknownKey, location.key(key), reason)
        }
    }

    func missing(_ key: String) -> ConfigError {
        context.error(.missingKey, location.key(key), "missing required key \"\(key)\" in \(location.tableLabel)")
    }

    func wrongType(_ at: ConfigLocation, expected: String, found value: any TOMLValueConvertible) -> ConfigError {
        context.error(.wrongType, at, "expected \(expected), found \(Self.typeName(value))")
    }

    static func typeName(_ value: any TOMLValueConvertible) -> String {
        switch value.type {
        case .table: return "a table"
        case .array: return "an array"
        case .string: return "a string"
        case .int: return "an integer"
        case .double: return "a floating-point number"
        case .bool: return "a boolean"
        case .date: return "a date"
        case .time: return "a time"
        case .dateTime: return "a date-time"
        }
    }

    // MARK: Scalars

    /// A string, with `env:`/`file:` applied.
    func string(_ key: String) throws(ConfigError) -> String? {
        guard let value = table[key] else { return nil }
        guard let raw = value.string else { throw wrongType(location.key(key), expected: "a string", found: value) }
        return try context.resolve(raw, at: location.key(key))
    }

    func requiredString(_ key: String) throws(ConfigError) -> String {
        guard let value = try string(key) else { throw missing(key) }
        return value
    }

    func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let value = table[key] else { return nil }
        guard let flag = value.bool else { throw wrongType(location.key(key), expected: "true or false", found: value) }
        return flag
    }

    func int(_ key: String, atLeast minimum: Int) throws(ConfigError) -> Int? {
        guard let value = table[key] else { return nil }
        guard value.type == .int, let number = value.int else {
            throw wrongType(location.key(key), expected: "an integer", found: value)
        }
        guard number >= minimum else {
            throw context.error(.invalidValue, location.key(key), "must be at least \(minimum), not \(number)")
        }
        return number
    }

    /// A duration string (`"250ms"`, `"10s"`, `"15m"`, `"4h"`, `"30d"`).
    func duration(_ key: String, positive: Bool = true) throws(ConfigError) -> Duration? {
        guard let value = table[key] else { return nil }
        return try Self.duration(value, at: location.key(key), positive: positive, context: context)
    }

    /// The longest duration a config takes (ten years).
    static let longestDuration: Duration = .seconds(3650 * 86_400)

    static func duration(_ value: any TOMLValueConvertible, at location: ConfigLocation, positive: Bool,
                         context: LoadContext) throws(ConfigError) -> Duration {
        guard let raw = value.string else {
            throw context.error(.wrongType, location,
                                "expected a duration string such as \"10s\" or \"15m\", found \(typeName(value))")
        }
        let text = try context.resolve(raw, at: location)
        let shown = context.shown(text)
        guard let duration = ConfigValueParsing.duration(text) else {
            throw context.error(.invalidValue, location,
                                "invalid duration \(shown) (a whole number with ms, s, m, h or d, e.g. \"10s\", \"15m\", \"4h\")")
        }
        if positive, duration <= .zero {
            throw context.error(.invalidValue, location, "duration \(shown) is not more than zero")
        }
        // Times are added to the clock and timers count nanoseconds: a longer one would overflow there.
        if duration > Self.longestDuration {
            throw context.error(.invalidValue, location, "duration \(shown) is longer than the longest allowed, \"3650d\"")
        }
        return duration
    }

    /// A size: an integer number of bytes or a string such as `"10MiB"`.
    func byteSize(_ key: String) throws(ConfigError) -> Int? {
        guard let value = table[key] else { return nil }
        let at = location.key(key)
        let size: Int
        if value.type == .int, let number = value.int {
            size = number
        } else if let raw = value.string {
            let text = try context.resolve(raw, at: at)
            guard let parsed = ConfigValueParsing.byteSize(text) else {
                throw context.error(.invalidValue, at,
                                    "invalid size \(context.shown(text)) (bytes, or a whole number with KiB, MiB, GiB, KB, MB or GB, e.g. \"10MiB\")")
            }
            size = parsed
        } else {
            throw wrongType(at, expected: "a size such as \"10MiB\"", found: value)
        }
        guard size > 0 else { throw context.error(.invalidValue, at, "size must be more than zero") }
        return size
    }

    // MARK: Arrays and tables

    private func array(_ key: String) throws(ConfigError) -> [any TOMLValueConvertible]? {
        guard let value = table[key] else { return nil }
        guard let array = value.array else { throw wrongType(location.key(key), expected: "an array", found: value) }
        return Array(array)
    }

    /// An array of strings, each with `env:`/`file:` applied.
    func stringArray(_ key: String) throws(ConfigError) -> [String]? {
        guard let elements = try array(key) else { return nil }
        var result: [String] = []
        for (index, element) in elements.enumerated() {
            let at = location.key(key).element(index)
            guard let raw = element.string else { throw wrongType(at, expected: "a string", found: element) }
            result.append(try context.resolve(raw, at: at))
        }
        return result
    }

    func durationArray(_ key: String) throws(ConfigError) -> [Duration]? {
        guard let elements = try array(key) else { return nil }
        var result: [Duration] = []
        for (index, element) in elements.enumerated() {
            result.append(try Self.duration(element, at: location.key(key).element(index), positive: false, context: context))
        }
        return result
    }

    func intArray(_ key: String, in range: ClosedRange<Int>) throws(ConfigError) -> [Int]? {
        guard let elements = try array(key) else { return nil }
        var result: [Int] = []
        for (index, element) in elements.enumerated() {
            let at = location.key(key).element(index)
            guard element.type == .int, let number = element.int else {
                throw wrongType(at, expected: "an integer", found: element)
            }
            guard range.contains(number) else {
                throw context.error(.invalidValue, at, "\(number) is not between \(range.lowerBound) and \(range.upperBound)")
            }
            result.append(number)
        }
        return result
    }

    /// A table of string values (`headers = { Name = "value" }`), sorted by key, values resolved.
    func stringTable(_ key: String) throws(ConfigError) -> [(key: String, value: String)]? {
        guard let value = table[key] else { return nil }
        guard let inner = value.table else { throw wrongType(location.key(key), expected: "a table", found: value) }
        var result: [(key: String, value: String)] = []
        for name in inner.keys.sorted() {
            let at = location.key(key).subkey(name)
            guard let element = inner[name] else { continue }
            guard let raw = element.string else { throw wrongType(at, expected: "a string", found: element) }
            result.append((name, try context.resolve(raw, at: at)))
        }
        return result
    }
}

/// "Did you mean" suggestions for misspelt keys and names.
enum Suggest {
    static func closest(to word: String, in candidates: [String]) -> String? {
        var best: (String, Int)? = nil
        for candidate in candidates {
            let distance = editDistance(Array(word.lowercased().utf8), Array(candidate.lowercased().utf8))
            if distance <= max(1, min(word.count, candidate.count) / 3), best == nil || distance < best!.1 {
                best = (candidate, distance)
            }
        }
        return best?.0
    }

    private static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}

// MARK: - Keys by their case

/// The readers by a table's key enum (`ConfigKeys.swift`): the one way the loader names a key.
extension TableReader {
    func has(_ key: some ConfigKey) -> Bool { has(key.rawValue) }
    func missing(_ key: some ConfigKey) -> ConfigError { missing(key.rawValue) }
    func string(_ key: some ConfigKey) throws(ConfigError) -> String? { try string(key.rawValue) }
    func requiredString(_ key: some ConfigKey) throws(ConfigError) -> String { try requiredString(key.rawValue) }
    func bool(_ key: some ConfigKey) throws(ConfigError) -> Bool? { try bool(key.rawValue) }
    func int(_ key: some ConfigKey, atLeast minimum: Int) throws(ConfigError) -> Int? { try int(key.rawValue, atLeast: minimum) }
    func duration(_ key: some ConfigKey, positive: Bool = true) throws(ConfigError) -> Duration? {
        try duration(key.rawValue, positive: positive)
    }
    func byteSize(_ key: some ConfigKey) throws(ConfigError) -> Int? { try byteSize(key.rawValue) }
    func stringArray(_ key: some ConfigKey) throws(ConfigError) -> [String]? { try stringArray(key.rawValue) }
    func durationArray(_ key: some ConfigKey) throws(ConfigError) -> [Duration]? { try durationArray(key.rawValue) }
    func intArray(_ key: some ConfigKey, in range: ClosedRange<Int>) throws(ConfigError) -> [Int]? { try intArray(key.rawValue, in: range) }
    func stringTable(_ key: some ConfigKey) throws(ConfigError) -> [(key: String, value: String)]? { try stringTable(key.rawValue) }
}

extension ConfigLocation {
    func key(_ key: some ConfigKey) -> ConfigLocation { self.key(key.rawValue) }
}
