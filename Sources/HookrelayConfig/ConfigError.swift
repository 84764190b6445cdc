/// Why relay.conf cannot be used: the file, the line when known, the key at fault and why.
///
/// `description` reads `relay.conf:23: route[2].to: unknown destination "crm2"`; the line is
/// left out when unknown and the key path when the error is not about one key (a TOML syntax
/// error, an unreadable file). Key paths count tables and array elements from 1:
/// `route[2].to` is `to` in the second `[[route]]`, `destination[1].retry[3]` the third
/// element of `retry` in the first `[[destination]]`, `server.max_body` a key of `[server]`,
/// `max_urls_per_event` a top-level key.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    enum Code: String, Sendable {
        /// The config file (or a `file:` value) cannot be read.
        case unreadable
        /// Not valid TOML.
        case syntax
        case unknownKey
        case wrongType
        case missingKey
        /// Right type, unacceptable value (bad duration, size, URL, name…).
        case invalidValue
        /// A name or path used twice.
        case duplicate
        /// A route naming a source or destination that does not exist.
        case unknownReference
        /// Two settings that cannot go together.
        case conflict
        /// `env:` naming an unset variable.
        case unresolved
        /// More than `max_urls_per_event` URLs for one source, event type and domain.
        case tooManyURLs
    }

    let code: Code
    /// The config file as it was named to the loader.
    public let file: String
    /// 1-based line in `file`, when known (syntax errors always; other errors best effort).
    public let line: Int?
    /// The key at fault, e.g. `route[2].to`, `destination[1].retry[3]`, `server.max_body`.
    public let keyPath: String?
    /// What is wrong, for a human; never contains a secret value.
    public let reason: String

    init(_ code: Code, file: String, line: Int?, keyPath: String?, reason: String) {
        self.code = code
        self.file = file
        self.line = line
        self.keyPath = keyPath
        self.reason = reason
    }

    /// A short stable name of the kind of error: `syntax`, `unknownKey`, `wrongType`,
    /// `missingKey`, `invalidValue`, `duplicate`, `unknownReference`, `conflict`,
    /// `unresolved`, `tooManyURLs`, `unreadable`.
    public var kind: String { code.rawValue }

    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if let keyPath, !keyPath.isEmpty { text += keyPath + ": " }
        return text + reason
    }
}
