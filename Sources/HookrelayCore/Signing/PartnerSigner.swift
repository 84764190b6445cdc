/// A destination's `sign` scheme with its key, ready to sign attempts.
public enum PartnerSigner: Sendable {
    /// The body's `signature` object (or the template's `signature.*`) is replaced.
    case mailgun(MailgunPartnerSigner)
    /// `webhook-*` headers are added over the final body.
    case standardWebhooks(StandardWebhooksPartnerSigner)

    /// The signer for `scheme` and `key`; throws when the key cannot be used (bad `whsec_`).
    public init(scheme: SigningScheme, key: String) throws(RewriteError) {
        switch scheme {
        case .mailgun: self = .mailgun(MailgunPartnerSigner(key: key))
        case .standardWebhooks: self = .standardWebhooks(try StandardWebhooksPartnerSigner(secret: key))
        }
    }
}
