import HookrelayCore
import TOMLKit

private typealias Key = SourceKey

/// `[[source]]`.
extension Loader {
    // MARK: [[source]]

    mutating func loadSources() throws(ConfigError) -> [SourceConfig] {
        var sources: [SourceConfig] = []
        for (index, table) in try tables(TopKey.source.rawValue).enumerated() {
            let location = ConfigLocation(section: .arrayElement(TopKey.source.rawValue, index))
            let r = TableReader(table, at: location, context: context)
            try r.checkKeys(Key.names)
            let name = try name(r, Key.name)
            if let other = sources.firstIndex(where: { $0.name == name }) {
                throw context.error(.duplicate, location.key(Key.name), "duplicate source name \(context.shown(name)) (also source[\(other + 1)])")
            }
            let path = try r.requiredString(Key.path)
            guard path.hasPrefix("/") else {
                throw context.error(.invalidValue, location.key(Key.path), "path \(context.shown(path)) must start with \"/\"")
            }
            guard !path.contains(where: { $0 == "?" || $0 == "#" || $0 == " " || $0.isNewline }) else {
                throw context.error(.invalidValue, location.key(Key.path), "path \(context.shown(path)) must not contain spaces, \"?\" or \"#\"")
            }
            if let other = sources.first(where: { $0.path == path }) {
                throw context.error(.duplicate, location.key(Key.path), "path \(context.shown(path)) is already used by source \(context.shown(other.name))")
            }
            guard let scheme = try choice(r, Key.verify, VerificationScheme.self) else { throw r.missing(Key.verify) }
            let keys = try r.stringArray(Key.keys)
            let maxAge = try r.duration(Key.maxAge) ?? .seconds(600)
            let allowUnsigned = try r.bool(Key.allowUnsigned) ?? false
            let idFrom = try selector(r, Key.idFrom)
            let typeFrom = try selector(r, Key.typeFrom)
            let header = try r.string(Key.header)
            let encoding = try choice(r, Key.encoding, SignatureEncoding.self)

            if scheme == .none {
                guard allowUnsigned else {
                    throw context.error(.missingKey, location.key(Key.allowUnsigned),
                                        "\(setting("verify", "none")) accepts unsigned requests; set allow_unsigned = true to confirm")
                }
                if keys?.isEmpty == false { warnings.append("source \(context.shown(name)): keys are ignored with \(setting("verify", "none"))") }
            } else {
                if allowUnsigned {
                    throw context.error(.conflict, location.key(Key.allowUnsigned),
                                        "allow_unsigned = true only goes with verify = \"none\", not \(context.shown(scheme.rawValue))")
                }
                guard let keys else {
                    throw context.error(.missingKey, location.key(Key.keys), "\(setting("verify", scheme.rawValue)) needs keys")
                }
                guard !keys.isEmpty else {
                    throw context.error(.invalidValue, location.key(Key.keys), "\(setting("verify", scheme.rawValue)) needs at least one key")
                }
                if let empty = keys.firstIndex(of: "") {
                    throw context.error(.invalidValue, location.key(Key.keys).element(empty), "key is empty")
                }
                if scheme == .standardWebhooks {
                    // Decoded as the verifier will (a `whsec_` secret is base64), so a secret it
                    // cannot use stops `check` and `serve` instead of answering 401 forever.
                    for (index, key) in keys.enumerated() {
                        do {
                            _ = try StandardWebhooksSignature.secretBytes(key)
                        } catch {
                            throw context.error(.invalidValue, location.key(Key.keys).element(index),
                                                "invalid standard-webhooks secret: \(error)")
                        }
                    }
                }
            }
            if scheme == .hmacHeader {
                guard let header else {
                    throw context.error(.missingKey, location.key(Key.header),
                                        "\(setting("verify", "hmac-header")) needs header, the request header carrying the signature")
                }
                guard !header.isEmpty, header.utf8.allSatisfy(Self.isTokenByte) else {
                    throw context.error(.invalidValue, location.key(Key.header), "\(context.shown(header)) is not a valid header name")
                }
            } else {
                if header != nil {
                    throw context.error(.conflict, location.key(Key.header), "header is only used with verify = \"hmac-header\"")
                }
                if encoding != nil {
                    throw context.error(.conflict, location.key(Key.encoding), "encoding is only used with verify = \"hmac-header\"")
                }
            }
            if [.none, .hmacHeader, .slack].contains(scheme), idFrom == nil {
                throw context.error(.missingKey, location.key(Key.idFrom),
                                    "\(setting("verify", scheme.rawValue)) has no event id of its own; set id_from = \"header:NAME\" or \"json:dotted.path\"")
            }
            sources.append(SourceConfig(
                name: name, path: path, scheme: scheme,
                keys: (scheme == .none ? [] : keys ?? []).map { Array($0.utf8) },
                maxAge: maxAge, allowUnsigned: allowUnsigned, idFrom: idFrom, typeFrom: typeFrom,
                signatureHeader: header, signatureEncoding: encoding ?? .hex
            ))
        }
        return sources
    }

    func selector(_ r: TableReader, _ key: SourceKey) throws(ConfigError) -> FieldSelector? {
        guard let text = try r.string(key) else { return nil }
        let problem = "expected \"header:NAME\" or \"json:dotted.path\", found \(context.shown(text))"
        guard let selector = FieldSelector(parsing: text) else {
            throw context.error(.invalidValue, r.location.key(key), problem)
        }
        switch selector {
        case .header(let name):
            guard name.utf8.allSatisfy(Self.isTokenByte) else { throw context.error(.invalidValue, r.location.key(key), problem) }
        case .json(let path):
            guard !path.contains(where: \.isEmpty) else { throw context.error(.invalidValue, r.location.key(key), problem) }
        }
        return selector
    }
}
