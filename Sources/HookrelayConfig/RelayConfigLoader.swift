public import HookrelayCore
import TOMLKit

/// A validated configuration and what is worth telling the operator about it at start.
public struct LoadedConfig: Sendable, Equatable {
    public var config: RelayConfig
    /// Non-fatal findings, one sentence each (e.g. `source "test" accepts unsigned requests`).
    public var warnings: [String]
    /// The values read from `env:NAME` or `file:PATH`, each with that reference: what a message
    /// shows instead of the value (SPEC §11).
    public var references: [String: String]

    public init(config: RelayConfig, warnings: [String], references: [String: String] = [:]) {
        self.config = config
        self.warnings = warnings
        self.references = references
    }

    /// The `env:NAME` or `file:PATH` that `value` was read from, if it was: print that, never the value.
    public func reference(of value: String) -> String? {
        references[value]
    }

    /// The routing table `hookrelay check` prints (Mailgun's `failed` aliases included).
    public var routingTable: RoutingTable { RoutingTable(config: config) }
}

/// Reads and validates relay.conf (TOML; see docs/CONFIGURATION.md).
///
/// Everything is checked before anything starts: unknown keys, types, required keys, names
/// and references, durations, sizes, rates, addresses, URLs, the combinations SPEC §5 forbids
/// and `max_urls_per_event`. The first problem found is thrown as a `ConfigError` naming the
/// file, line (best effort) and key.
public enum RelayConfigLoader {
    /// Loads the file at `path`. `file:` values are read relative to the file's directory,
    /// and so is a relative `data_dir`.
    public static func load(path: String, environment: [String: String]) throws(ConfigError) -> LoadedConfig {
        switch FileAccess.readText(path) {
        case .success(let text):
            return try load(text: text, path: path, environment: environment)
        case .failure(let failure):
            throw ConfigError(.unreadable, file: path, line: nil, keyPath: nil, reason: "cannot read config file: \(failure.message)")
        }
    }

    /// Loads config text as if read from `path` (used for messages and to resolve relative paths).
    public static func load(text: String, path: String, environment: [String: String]) throws(ConfigError) -> LoadedConfig {
        if let (line, problem) = problemTOMLParserAbortsOn(text) {
            throw ConfigError(.syntax, file: path, line: line, keyPath: nil, reason: "invalid TOML: \(problem)")
        }
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let begin = error.source.begin
            throw ConfigError(.syntax, file: path, line: begin.line > 0 ? begin.line : nil, keyPath: nil,
                              reason: "invalid TOML: \(error.description) (column \(begin.column))")
        } catch {
            throw ConfigError(.syntax, file: path, line: nil, keyPath: nil, reason: "invalid TOML: \(error)")
        }
        let context = LoadContext(file: path, baseDirectory: FileAccess.directory(of: path),
                                  environment: environment, locator: ConfigLocator(text: text))
        var loader = Loader(root: root, context: context)
        return try loader.load()
    }
}

extension RelayConfigLoader {
    /// The line and the problem of invalid TOML that toml++ (inside TOMLKit) asserts it never
    /// sees, aborting the process instead of reporting an error (found by fuzzing), or nil:
    /// a table header whose `[` or `[[` (and spaces) is followed by something that cannot start
    /// a key (`[` alone on a line, `[#`, `[.a]`), a `}` where an array's value belongs
    /// (`a = [}`, `a = [1, }`), a date-like value, a space and one digit (`a = 1979-05-27 7`,
    /// where toml++ looks for a time after the space), and a date, `T` and no digit in a value with
    /// a `:` (`a = 1979-05-27Tx:1`, where toml++ takes the time's first digit for granted).
    /// Follows TOML's strings, comments and brackets, so a `[` inside a value or a string is not
    /// taken for a header.
    static func problemTOMLParserAbortsOn(_ text: String) -> (line: Int, problem: String)? {
        let bytes = Array(text.utf8)
        var index = 0, line = 1, lineStart = true
        /// The open `[` and `{` of values, innermost last.
        var open: [UInt8] = []
        /// Just after an array's `[` or `,` (spaces, line breaks and comments aside).
        var arrayValueDue = false
        var depth: Int { open.count }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }  // a byte order mark, which toml++ skips
        /// Where a value may start: after spaces, `=`, `[`, `{`, `,` (never valid TOML here, so
        /// looking at more places than toml++ does refuses nothing valid).
        var valueMayStart = true
        /// Just after a `=` (spaces aside): with `arrayValueDue`, where a value, not a key, starts.
        var valueDue = false
        func isTerminator(_ c: UInt8) -> Bool {
            c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == UInt8(ascii: "]") || c == UInt8(ascii: "}")
                || c == UInt8(ascii: ",") || c == UInt8(ascii: "#")
        }
        func isDigit(_ c: UInt8?) -> Bool { c.map { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } ?? false }
        /// A value at `index` of 10 characters (not counting `_`) with `-` 5th and 8th, then a
        /// space, one digit and a terminator: toml++ takes it for a date and a time and asserts.
        func isDateThenSpaceAndDigit() -> Bool {
            guard isDigit(at(0)) else { return false }
            var position = index, characters = 0
            while position < bytes.count, !isTerminator(bytes[position]) {
                let c = bytes[position]
                if c & 0xC0 != 0x80, c != UInt8(ascii: "_") {
                    characters += 1
                    if characters > 10 { return false }
                    if (characters == 5 || characters == 8), c != UInt8(ascii: "-") { return false }
                }
                position += 1
            }
            guard characters == 10, position + 2 < bytes.count, bytes[position] == 0x20 else { return false }
            return isDigit(bytes[position + 1]) && isTerminator(bytes[position + 2])
        }
        /// `YYYY-MM-DD` at `index`, then `T` or `t` and something other than a digit, in a value
    /// holding a `:` (toml++ then parses it as a date-time and asserts the time starts with a
    /// digit). Checked only where a value starts (after `=`, or in an array): a bare key may look
    /// like a date (`{2024-01-01T="a:b"}`).
        func isDateThenTWithoutTime() -> Bool {
            let pattern = Array("0000-00-00".utf8)
            guard index + 11 < bytes.count else { return false }
            for (offset, expected) in pattern.enumerated() {
                let c = bytes[index + offset]
                if expected == UInt8(ascii: "-") ? c != expected : !isDigit(c) { return false }
            }
            guard bytes[index + 10] | 0x20 == UInt8(ascii: "t"), !isDigit(bytes[index + 11]) else { return false }
            var position = index + 11
            while position < bytes.count, !isTerminator(bytes[position]) {
                if bytes[position] == UInt8(ascii: ":") { return true }
                position += 1
            }
            return false
        }
        func at(_ offset: Int) -> UInt8? { index + offset < bytes.count ? bytes[index + offset] : nil }
        func isSpace(_ c: UInt8?) -> Bool { c == 0x20 || c == 0x09 }
        /// Skips a string opened at `index` by `quote`: multi-line with three quotes, escapes in basic strings.
        func skipString(_ quote: UInt8) {
            let multiline = at(1) == quote && at(2) == quote
            index += multiline ? 3 : 1
            while index < bytes.count {
                let c = bytes[index]
                if c == UInt8(ascii: "\\"), quote == UInt8(ascii: "\"") {
                    if at(1) == 0x0A { line += 1 }
                    index += 2
                    continue
                }
                if c == 0x0A {
                    guard multiline else { return }  // an unterminated single-line string: toml++ reports it
                    line += 1
                }
                if c == quote {
                    if !multiline {
                        index += 1
                        return
                    }
                    if at(1) == quote, at(2) == quote {
                        index += 3
                        while at(0) == quote { index += 1 }  // up to two more quotes belong to the content
                        return
                    }
                }
                index += 1
            }
        }
        while index < bytes.count {
            let c = bytes[index]
            switch c {
            case 0x0A:
                line += 1
                lineStart = depth == 0
                valueMayStart = true
                index += 1
                continue
            case 0x20, 0x09, 0x0D:
                valueMayStart = true
                index += 1
                continue
            case UInt8(ascii: "#"):
                while index < bytes.count, bytes[index] != 0x0A { index += 1 }
                continue
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                skipString(c)
                lineStart = false
                arrayValueDue = false
                valueDue = false
                valueMayStart = false
                continue
            case UInt8(ascii: "[") where lineStart:
                index += 1
                if at(0) == UInt8(ascii: "[") { index += 1 }
                while isSpace(at(0)) { index += 1 }
                guard let first = at(0) else { return nil }
                let startsKey = first == UInt8(ascii: "\"") || first == UInt8(ascii: "'") || first == UInt8(ascii: "]")
                    || first == UInt8(ascii: "_") || first == UInt8(ascii: "-")
                    || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9"))
                    || (first >= UInt8(ascii: "a") && first <= UInt8(ascii: "z"))
                    || (first >= UInt8(ascii: "A") && first <= UInt8(ascii: "Z"))
                guard startsKey else { return (line, "a table header must start with a key after its \"[\" or \"[[\"") }
                // The rest of the header line: keys, `]`, maybe a comment; quoted keys may hold `]` or `#`.
                while index < bytes.count, bytes[index] != 0x0A {
                    if bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") {
                        skipString(bytes[index])
                    } else if bytes[index] == UInt8(ascii: "#") {
                        while index < bytes.count, bytes[index] != 0x0A { index += 1 }
                    } else {
                        index += 1
                    }
                }
                continue
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                open.append(c)
                lineStart = false
                arrayValueDue = c == UInt8(ascii: "[")
                valueDue = false
                valueMayStart = true
                index += 1
                continue
            case UInt8(ascii: "}") where arrayValueDue:
                return (line, "an array holds a \"}\" where a value or \"]\" belongs")
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                _ = open.popLast()
            case UInt8(ascii: ","):
                lineStart = false
                arrayValueDue = open.last == UInt8(ascii: "[")
                valueDue = false
                valueMayStart = true
                index += 1
                continue
            default:
                if valueMayStart, isDateThenSpaceAndDigit() {
                    return (line, "a date-like value is followed by a space and a single digit")
                }
                if valueDue || arrayValueDue, isDateThenTWithoutTime() {
                    return (line, "a date-time has no time after its \"T\"")
                }
            }
            valueMayStart = c == UInt8(ascii: "=") || c == UInt8(ascii: "[") || c == UInt8(ascii: "{")
            valueDue = c == UInt8(ascii: "=")
            lineStart = false
            arrayValueDue = false
            index += 1
        }
        return nil
    }
}

/// The Mailgun event types a route may name (current webhooks, legacy webhooks, aliases).
let knownMailgunEventTypes: Set<String> = [
    "accepted", "rejected", "delivered", "failed", "opened", "clicked", "unsubscribed", "complained", "stored",
    "permanent_fail", "temporary_fail", "bounced", "dropped",
    "list_member_uploaded", "list_member_upload_error", "list_uploaded",
]
