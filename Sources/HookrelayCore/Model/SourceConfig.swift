/// One inbound webhook path: how its requests are verified and how its events are identified.
///
/// Keys (`[[source]]` in relay.conf): `name` (string, required), `path` (string, required),
/// `verify` (scheme, required), `keys` ([string], required unless `verify = "none"`),
/// `max_age` (duration, default 10m), `allow_unsigned` (bool, default false),
/// `id_from` / `type_from` (`"header:NAME"` or `"json:dotted.path"`), `header` and
/// `encoding` (`hmac-header` only).
public struct SourceConfig: Sendable, Equatable {
    public var name: String
    public var path: String
    public var scheme: VerificationScheme
    /// Signing keys as bytes; several keys = rotation, any match verifies.
    public var keys: [[UInt8]]
    public var maxAge: Duration
    public var allowUnsigned: Bool
    public var idFrom: FieldSelector?
    public var typeFrom: FieldSelector?
    /// `hmac-header` only: the header carrying the signature.
    public var signatureHeader: String?
    /// `hmac-header` only: how the signature is written.
    public var signatureEncoding: SignatureEncoding

    public init(
        name: String,
        path: String,
        scheme: VerificationScheme,
        keys: [[UInt8]] = [],
        maxAge: Duration = .seconds(600),
        allowUnsigned: Bool = false,
        idFrom: FieldSelector? = nil,
        typeFrom: FieldSelector? = nil,
        signatureHeader: String? = nil,
        signatureEncoding: SignatureEncoding = .hex
    ) {
        self.name = name
        self.path = path
        self.scheme = scheme
        self.keys = keys
        self.maxAge = maxAge
        self.allowUnsigned = allowUnsigned
        self.idFrom = idFrom
        self.typeFrom = typeFrom
        self.signatureHeader = signatureHeader
        self.signatureEncoding = signatureEncoding
    }
}

/// The verification schemes a source may use (`verify = "…"`).
public enum VerificationScheme: String, Sendable, CaseIterable {
    case mailgun
    case standardWebhooks = "standard-webhooks"
    case github
    case stripe
    case slack
    case hmacHeader = "hmac-header"
    case none
}

/// How a signature in a header is written (`encoding = "hex" | "base64"`).
public enum SignatureEncoding: String, Sendable, CaseIterable {
    case hex
    case base64
}

/// Where to read a value in a request: `"header:NAME"` or `"json:dotted.path"`.
public enum FieldSelector: Sendable, Equatable, CustomStringConvertible {
    case header(String)
    case json([String])

    /// Parses `"header:NAME"` or `"json:a.b.c"`; nil for anything else.
    public init?(parsing text: String) {
        if text.hasPrefix("header:"), text.count > 7 {
            self = .header(String(text.dropFirst(7)))
        } else if text.hasPrefix("json:"), text.count > 5 {
            self = .json(text.dropFirst(5).split(separator: ".", omittingEmptySubsequences: false).map(String.init))
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .header(let name): return "header:\(name)"
        case .json(let path): return "json:" + path.joined(separator: ".")
        }
    }
}
