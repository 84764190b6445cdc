import HookrelayConfig
import HookrelayCore

/// The parsers an outsider (or an operator's config) reaches, each as a fuzz target: bytes in,
/// the same public entry points the relay calls (`SourceVerifier.receive` as `IngestResponder`
/// does, then `DeliveryRequestBuilder.request` as an attempt does; `RelayConfigLoader.load`).
/// Used by the libFuzzer harness (Fuzz/Harness) and by the corpus replay test, so a crash the
/// fuzzer found stays found in `swift test`. A target never throws: refusals are the expected
/// outcome of most inputs. It traps (`precondition`) when an invariant of an accepted input breaks.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// A JSON body (strict parse on ingest, lenient parse and rewrite on delivery).
    case json
    /// An `application/x-www-form-urlencoded` body.
    case form
    /// Header lines (Content-Type with the boundary), empty line, then a multipart body.
    case multipart
    /// Mailgun: signature fields inside a JSON or form body (headers as for `multipart`).
    case mailgun
    /// `webhook-id`, `webhook-timestamp`, `webhook-signature` headers, then the body.
    case standardWebhooks = "standard-webhooks"
    /// `X-Hub-Signature-256`, then the body.
    case github
    /// `Stripe-Signature` (`t=…,v1=…`), then the body.
    case stripe
    /// `X-Slack-Signature` and `X-Slack-Request-Timestamp`, then the body.
    case slack
    /// `X-Signature` in hex and in base64, then the body.
    case hmacHeader = "hmac-header"
    /// A legacy Mailgun form or multipart event converted to the JSON shape (headers as for `multipart`).
    case legacy
    /// A Mustache template, a NUL byte, then the event (JSON) it is rendered over.
    case template
    /// relay.conf text (TOML).
    case config

    /// Builds the targets' shared state (verifiers, destinations, templates, the sample event)
    /// and runs it once. The harness calls this with LeakSanitizer paused: these live as long as
    /// the process, and LeakSanitizer misses pointers Swift keeps in an enum payload's spare
    /// bits (a `Result` of a `PartnerSigner`), so it would report them as leaked.
    public static func prepare() {
        FuzzEntries.prepare()
    }

    /// Runs one input through the target.
    public func run(_ bytes: [UInt8]) {
        switch self {
        case .json: FuzzEntries.json(bytes)
        case .form: FuzzEntries.form(bytes)
        case .multipart: FuzzEntries.multipart(bytes)
        case .mailgun: FuzzEntries.signed(.mailgun, bytes)
        case .standardWebhooks: FuzzEntries.signed(.standardWebhooks, bytes)
        case .github: FuzzEntries.signed(.github, bytes)
        case .stripe: FuzzEntries.signed(.stripe, bytes)
        case .slack: FuzzEntries.signed(.slack, bytes)
        case .hmacHeader: FuzzEntries.signed(.hmacHeader, bytes)
        case .legacy: FuzzEntries.legacy(bytes)
        case .template: FuzzEntries.template(bytes)
        case .config: FuzzEntries.config(bytes)
        }
    }
}
