import HookrelayCore
import TOMLKit

private typealias Key = DestinationKey

/// `[defaults]` and `[[destination]]`.
extension Loader {
    // MARK: [defaults] and [[destination]]

    func loadDefaults() throws(ConfigError) -> DestinationSettings {
        let location = ConfigLocation(section: .table(TopKey.defaults.rawValue))
        guard let value = root[TopKey.defaults.rawValue] else { return DestinationSettings() }
        guard let table = value.table else {
            throw context.error(.wrongType, location, "expected a table ([defaults]), found \(TableReader.typeName(value))")
        }
        let reader = TableReader(table, at: location, context: context)
        let hint = "name and url are set per [[destination]], not in [defaults]"
        try reader.checkKeys(Key.settings, hints: [Key.name.rawValue: hint, Key.url.rawValue: hint])
        return try settings(reader)
    }

    /// `sign_key`: a string, or a non-empty list of strings (rotation), none of them empty.
    private func signKeys(_ r: TableReader) throws(ConfigError) -> [String]? {
        guard let value = r.table[Key.signKey.rawValue] else { return nil }
        let at = r.location.key(Key.signKey)
        if value.type == .array {
            guard let keys = try r.stringArray(Key.signKey) else { return nil }
            guard !keys.isEmpty else { throw context.error(.invalidValue, at, "sign_key is an empty list; name at least one key") }
            if let empty = keys.firstIndex(of: "") { throw context.error(.invalidValue, at.element(empty), "sign_key is empty") }
            return keys
        }
        guard let key = try r.string(Key.signKey) else { return nil }
        guard !key.isEmpty else { throw context.error(.invalidValue, at, "sign_key is empty") }
        return [key]
    }

    func settings(_ r: TableReader) throws(ConfigError) -> DestinationSettings {
        var s = DestinationSettings()
        s.rewrite = try choice(r, Key.rewrite, RewriteMode.self)
        if let template = try r.string(Key.template) {
            try checkTemplate(template, at: r.location.key(Key.template))
            s.template = template
        }
        s.redact = try r.bool(Key.redact)
        s.sign = try choice(r, Key.sign, SigningScheme.self)
        s.signKeys = try signKeys(r)
        if let fields = try r.stringTable(Key.headers) {
            var headers: [HeaderField] = []
            for (name, value) in fields {
                let at = r.location.key(Key.headers).subkey(name)
                guard !name.isEmpty, name.utf8.allSatisfy(Self.isTokenByte) else {
                    throw context.error(.invalidValue, at, "\"\(name)\" is not a valid header name")
                }
                guard !ReservedHeaders.names.contains(name.lowercased()) else {
                    throw context.error(.invalidValue, at, "header \(name) is set by hookrelay and cannot be configured")
                }
                guard !value.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D || $0 == 0x00 }) else {
                    throw context.error(.invalidValue, at, "header value contains a line break or NUL")
                }
                headers.append(HeaderField(name: name, value: value))
            }
            s.headers = headers
        }
        s.timeout = try r.duration(Key.timeout)
        s.retry = try r.durationArray(Key.retry)
        if let success = try r.intArray(Key.success, in: 100...599) {
            guard !success.isEmpty else {
                throw context.error(.invalidValue, r.location.key(Key.success),
                                    "success is empty; leave it out to count any 2xx as delivered")
            }
            s.success = success
        }
        s.maxInFlight = try r.int(Key.maxInFlight, atLeast: 1)
        if let text = try r.string(Key.rate) {
            guard let rate = Rate(parsing: text) else {
                throw context.error(.invalidValue, r.location.key(Key.rate),
                                    "invalid rate \(context.shown(text)) (a count from 1 to \(Rate.maxCount) per s, m or h, e.g. \"1/s\", \"100/m\")")
            }
            s.rate = rate
        }
        if let path = try r.string(Key.caFile) {
            // A path given through env: or file: is not printed (SPEC §11).
            let isIndirect = r.table[Key.caFile.rawValue]?.string.map { $0.hasPrefix("env:") || $0.hasPrefix("file:") } ?? false
            s.caFile = try caFile(path, shown: !isIndirect, at: r.location.key(Key.caFile))
        }
        if let text = try r.string(Key.httpVersion) {
            guard let version = HTTPVersionPreference(rawValue: text) else {
                let choices = HTTPVersionPreference.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
                throw context.error(.invalidValue, r.location.key(Key.httpVersion),
                                    "invalid http_version \(context.shown(text)) (one of \(choices); \"auto\" speaks HTTP/2 over https "
                                        + "whenever the partner offers it; cleartext HTTP/2 is not offered)")
            }
            s.httpVersion = version
        }
        s.pauseAfter = try r.int(Key.pauseAfter, atLeast: 0)
        s.probeEvery = try r.duration(Key.probeEvery)
        return s
    }

    func loadDestinations(defaults: DestinationSettings) throws(ConfigError) -> [DestinationConfig] {
        var destinations: [DestinationConfig] = []
        for (index, table) in try tables(TopKey.destination.rawValue).enumerated() {
            let location = ConfigLocation(section: .arrayElement(TopKey.destination.rawValue, index))
            let r = TableReader(table, at: location, context: context)
            try r.checkKeys(Key.names)
            let name = try name(r, Key.name)
            if let other = destinations.firstIndex(where: { $0.name == name }) {
                throw context.error(.duplicate, location.key(Key.name),
                                    "duplicate destination name \(context.shown(name)) (also destination[\(other + 1)])")
            }
            let url = try r.requiredString(Key.url)
            try checkURL(url, at: location.key(Key.url))
            let own = try settings(r)

            var headers = defaults.headers ?? []
            for field in own.headers ?? [] {
                headers.removeAll { $0.name.caseInsensitiveEquals(field.name) }
                headers.append(field)
            }
            let destination = DestinationConfig(
                name: name,
                url: url,
                rewrite: own.rewrite ?? defaults.rewrite ?? .passthrough,
                template: own.template ?? defaults.template,
                redact: own.redact ?? defaults.redact ?? false,
                sign: own.sign ?? defaults.sign,
                signKeys: own.signKeys ?? defaults.signKeys ?? [],
                headers: headers,
                timeout: own.timeout ?? defaults.timeout ?? .seconds(10),
                retry: own.retry ?? defaults.retry ?? RetrySchedule.mailgun,
                success: own.success ?? defaults.success,
                maxInFlight: own.maxInFlight ?? defaults.maxInFlight ?? 16,
                rate: own.rate ?? defaults.rate,
                caFile: own.caFile ?? defaults.caFile,
                httpVersion: own.httpVersion ?? defaults.httpVersion ?? .auto,
                pauseAfter: own.pauseAfter ?? defaults.pauseAfter ?? 20,
                probeEvery: own.probeEvery ?? defaults.probeEvery ?? .seconds(30)
            )
            try checkDestination(destination, own: own, location: location)
            destinations.append(destination)
        }
        return destinations
    }

    /// The SPEC §5 rules on a destination with `[defaults]` merged in.
    func checkDestination(_ d: DestinationConfig, own: DestinationSettings, location: ConfigLocation) throws(ConfigError) {
        func inherited(_ isOwn: Bool) -> String { isOwn ? "" : " (from [defaults])" }
        if d.rewrite == .template {
            guard d.template != nil else {
                throw context.error(.missingKey, location.key(Key.template), "rewrite = \"template\" needs a template")
            }
        } else if own.template != nil {
            throw context.error(.conflict, location.key(Key.template),
                                "template is only used with rewrite = \"template\", not \(context.shown(d.rewrite.rawValue))")
        }
        if d.rewrite == .passthrough {
            if d.redact {
                throw context.error(.conflict, location.key(Key.redact),
                                    "redact = true\(inherited(own.redact != nil)) changes the body, so it needs rewrite = \"json\" or \"template\", not \(context.shown("passthrough"))")
            }
            if let sign = d.sign {
                throw context.error(.conflict, location.key(Key.sign),
                                    "\(setting("sign", sign.rawValue))\(inherited(own.sign != nil)) changes the body, so it needs rewrite = \"json\" or \"template\", not \(context.shown("passthrough"))")
            }
        }
        if let sign = d.sign, d.signKeys.isEmpty {
            throw context.error(.missingKey, location.key(Key.signKey), "\(setting("sign", sign.rawValue)) needs sign_key")
        }
        if d.sign == nil, own.signKeys != nil {
            throw context.error(.conflict, location.key(Key.signKey), "sign_key is set but sign is not")
        }
        // The key as the signer will use it (a `whsec_` secret decoded), so a key it refuses
        // stops `check` and `serve` instead of making every delivery dead at send time.
        // Every key of a list, each named by its place in it.
        if let sign = d.sign {
            for (index, key) in d.signKeys.enumerated() {
                do {
                    _ = try PartnerSigner(checking: sign, key: key)
                } catch {
                    let at = d.signKeys.count > 1 ? location.key(Key.signKey).element(index) : location.key(Key.signKey)
                    throw context.error(.invalidValue, at,
                                        "invalid \(context.reference(of: sign.rawValue) == nil ? sign.rawValue : "signing") key\(inherited(own.signKeys != nil)): \(error)")
                }
            }
        }
    }

    /// `ca_file` as curl will open it: relative to the config file's directory, a readable file
    /// holding at least one PEM certificate, so a wrong path stops `check` and `serve` instead of
    /// failing every TLS delivery with `tls`.
    func caFile(_ path: String, shown: Bool, at location: ConfigLocation) throws(ConfigError) -> String {
        guard !path.isEmpty else { throw context.error(.invalidValue, location, "ca_file is empty") }
        let full = FileAccess.resolve(path, relativeTo: context.baseDirectory)
        let named = shown ? "ca_file \"\(full)\"" : "ca_file"
        switch FileAccess.readText(full) {
        case .success(let text):
            guard text.contains("-----BEGIN CERTIFICATE-----") else {
                throw context.error(.invalidValue, location, "\(named) holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
            }
            return full
        case .failure(let failure):
            throw context.error(.unreadable, location, "cannot read \(named): \(failure.message)")
        }
    }

    /// A template as written (in `[defaults]` or a destination): balanced `{{`/`}}`, no empty
    /// tags, and swift-mustache must parse it, so a bad template stops `check` and `serve`
    /// instead of making every delivery dead at send time.
    func checkTemplate(_ template: String, at location: ConfigLocation) throws(ConfigError) {
        if let problem = Self.templateProblem(template) {
            throw context.error(.invalidValue, location, problem)
        }
        do {
            _ = try EventTemplate(parsing: template)
        } catch {
            throw context.error(.invalidValue, location, "invalid Mustache template: \(error)")
        }
    }

    /// Unbalanced `{{`/`}}` in a Mustache template, if any.
    static func templateProblem(_ template: String) -> String? {
        var rest = Substring(template)
        while let open = rest.firstRange(of: "{{") {
            rest = rest[open.upperBound...]
            guard let close = rest.firstRange(of: "}}") else { return "template has a \"{{\" without a closing \"}}\"" }
            if rest[..<close.lowerBound].trimmingSpacesAndBraces.isEmpty { return "template has an empty \"{{ }}\" tag" }
            rest = rest[close.upperBound...]
        }
        return nil
    }

    func checkURL(_ url: String, at location: ConfigLocation) throws(ConfigError) {
        let lower = url.lowercased()
        let afterScheme: Substring
        if lower.hasPrefix("https://") { afterScheme = url.dropFirst(8) } else if lower.hasPrefix("http://") {
            afterScheme = url.dropFirst(7)
        } else {
            throw context.error(.invalidValue, location, "\(shownURL(url)) is not an http:// or https:// URL")
        }
        let authority = afterScheme.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let hostAndPort = authority.split(separator: "@", omittingEmptySubsequences: false).last ?? ""
        let host = hostAndPort.hasPrefix("[") ? hostAndPort.prefix { $0 != "]" }.dropFirst() : hostAndPort.prefix { $0 != ":" }
        guard !host.isEmpty else {
            throw context.error(.invalidValue, location, "\(shownURL(url)) has no host")
        }
        guard !url.contains(where: { $0 == " " || $0 == "\t" || $0.isNewline || ($0.asciiValue.map { $0 < 0x20 } ?? false) }) else {
            throw context.error(.invalidValue, location, "\(context.reference(of: url).map { "the URL from \($0)" } ?? "URL") contains whitespace or control characters")
        }
    }
}

extension Substring {
    fileprivate var trimmingSpacesAndBraces: Substring {
        var s = self
        while let c = s.first, c == " " || c == "{" || c == "}" || c == "&" || c == "#" || c == "/" || c == "^" { s.removeFirst() }
        while let c = s.last, c == " " || c == "}" { s.removeLast() }
        return s
    }
}
