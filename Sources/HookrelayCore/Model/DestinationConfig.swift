/// One place events go to, and how they are shaped and retried on the way.
///
/// Keys (`[[destination]]`, any of them also under `[defaults]` except name and url):
/// `name` (string), `url` (string, http or https), `rewrite` (`passthrough` | `json` |
/// `template`, default passthrough), `template` (string), `redact` (bool, default false),
/// `sign` (`mailgun` | `standard-webhooks`), `sign_key` (string or [string]), `headers` (table of strings),
/// `timeout` (duration, default 10s), `retry` ([duration], default Mailgun's schedule),
/// `success` ([int], default any 2xx), `max_in_flight` (int, default 16), `rate` (`"N/s"`, `"N/m"`),
/// `ca_file` (path of a PEM file of CA certificates; default the system's CAs), `http_version`
/// (`auto` | `1.1`, default auto; see `HTTPVersionPreference`), `pause_after` (int ≥ 0,
/// default 20; 0 = never) and `probe_every` (duration, default 30s): the circuit breaker
/// (SPEC §12, `CircuitBreaker`).
public struct DestinationConfig: Sendable, Equatable {
    public var name: String
    public var url: String
    public var rewrite: RewriteMode
    public var template: String?
    public var redact: Bool
    public var sign: SigningScheme?
    /// The partner signing keys, in order: `standard-webhooks` signs with each (one `v1,`
    /// signature per key, for rotating a key without downtime), `mailgun` with the first.
    public var signKeys: [String]
    /// The first signing key (the one `mailgun` signs with), nil when there is none.
    public var signKey: String? { signKeys.first }
    public var headers: [HeaderField]
    public var timeout: Duration
    public var retry: [Duration]
    /// Statuses counted as delivered; nil means any 2xx.
    public var success: [Int]?
    public var maxInFlight: Int
    public var rate: Rate?
    /// The CA certificates (PEM file, absolute path) an https destination's certificate is
    /// checked against instead of the system's: a partner on a private CA. Nil: the system's.
    public var caFile: String?
    /// HTTP/1.1, HTTP/2, or HTTP/2 where the partner offers it over TLS.
    public var httpVersion: HTTPVersionPreference
    /// Failed attempts in a row after which the destination is `probing`; 0 = never.
    public var pauseAfter: Int
    /// How often a `probing` destination gets one attempt.
    public var probeEvery: Duration

    public init(
        name: String,
        url: String,
        rewrite: RewriteMode = .passthrough,
        template: String? = nil,
        redact: Bool = false,
        sign: SigningScheme? = nil,
        signKey: String? = nil,
        signKeys: [String] = [],
        headers: [HeaderField] = [],
        timeout: Duration = .seconds(10),
        retry: [Duration] = RetrySchedule.mailgun,
        success: [Int]? = nil,
        maxInFlight: Int = 16,
        rate: Rate? = nil,
        caFile: String? = nil,
        httpVersion: HTTPVersionPreference = .auto,
        pauseAfter: Int = 20,
        probeEvery: Duration = .seconds(30)
    ) {
        self.name = name
        self.url = url
        self.rewrite = rewrite
        self.template = template
        self.redact = redact
        self.sign = sign
        self.signKeys = signKeys.isEmpty ? signKey.map { [$0] } ?? [] : signKeys
        self.headers = headers
        self.timeout = timeout
        self.retry = retry
        self.success = success
        self.maxInFlight = maxInFlight
        self.rate = rate
        self.caFile = caFile
        self.httpVersion = httpVersion
        self.pauseAfter = pauseAfter
        self.probeEvery = probeEvery
    }
}

/// How the body sent to a destination is made from the received one.
public enum RewriteMode: String, Sendable, CaseIterable {
    case passthrough
    case json
    case template
}

/// How hookrelay re-signs what it sends to a partner.
public enum SigningScheme: String, Sendable, CaseIterable {
    case mailgun
    case standardWebhooks = "standard-webhooks"
}

/// One extra request header.
public struct HeaderField: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    /// Whether `value` can be sent as a header value: no CR, LF or NUL (which would end the
    /// header or inject another). Other control characters, such as a tab, may go.
    public static func isSendableValue(_ value: String) -> Bool {
        !value.utf8.contains { $0 == 13 || $0 == 10 || $0 == 0 }
    }
}

/// A delivery rate limit: `count` requests per `per`.
public struct Rate: Sendable, Equatable, CustomStringConvertible {
    public var count: Int
    public var per: Duration
    public init(count: Int, per: Duration) {
        self.count = count
        self.per = per
    }

    /// The largest count a rate takes: far above any real limit, and small enough for the
    /// token bucket's arithmetic (a count near `Int.max` did not survive a round trip through `Double`).
    public static let maxCount = 1_000_000_000

    /// Parses `"N/s"`, `"N/m"`, `"N/h"`, N from 1 to `maxCount`.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let n = Int(parts[0].trimmingSpaces), n > 0, n <= Self.maxCount else { return nil }
        switch parts[1].trimmingSpaces {
        case "s": per = .seconds(1)
        case "m": per = .seconds(60)
        case "h": per = .seconds(3600)
        default: return nil
        }
        count = n
    }

    public var description: String {
        let unit = per == .seconds(1) ? "s" : per == .seconds(60) ? "m" : "h"
        return "\(count)/\(unit)"
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }
}
