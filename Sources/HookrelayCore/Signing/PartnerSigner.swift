/// A destination's `sign` scheme with its key, ready to sign attempts.
public enum PartnerSigner: Sendable {
    /// The body's `signature` object (or the template's `signature.*`) is replaced.
    case mailgun(MailgunPartnerSigner)
    /// `webhook-*` headers are added over the final body.
    case standardWebhooks(StandardWebhooksPartnerSigner)

    /// The signer for `scheme` and `key`; throws when the key cannot be used (empty, bad `whsec_`).
    public init(scheme: SigningScheme, key: String) throws(RewriteError) {
        do {
            self = try PartnerSigner(checking: scheme, key: key)
        } catch {
            throw error.rewriteError
        }
    }

    /// The signer for `scheme` and `keys` (in order; at least one): `standard-webhooks` signs
    /// with every key, `mailgun` with the first. Throws when a key cannot be used.
    public init(scheme: SigningScheme, keys: [String]) throws(RewriteError) {
        guard let first = keys.first else { throw RewriteError("sign = \"\(scheme.rawValue)\" without sign_key") }
        do {
            switch scheme {
            case .mailgun: self = try PartnerSigner(checking: scheme, key: first)
            case .standardWebhooks: self = .standardWebhooks(try StandardWebhooksPartnerSigner(checkingSecrets: keys))
            }
        } catch {
            throw error.rewriteError
        }
    }

    /// The signer for `scheme` and `key`, or why the key cannot be used with that scheme. The
    /// config loader calls this for every destination with `sign`, so a key refused here stops
    /// `check` and `serve` instead of making every delivery dead at send time.
    public init(checking scheme: SigningScheme, key: String) throws(SigningKeyError) {
        guard !key.isEmpty else { throw SigningKeyError("the key is empty") }
        switch scheme {
        case .mailgun: self = .mailgun(MailgunPartnerSigner(key: key))
        case .standardWebhooks: self = .standardWebhooks(try StandardWebhooksPartnerSigner(checkingSecret: key))
        }
    }
}
