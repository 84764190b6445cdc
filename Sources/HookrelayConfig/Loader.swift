import HookrelayCore
import TOMLKit

/// The keys each table of relay.conf accepts.
enum ConfigKeys {
    static let top = ["server", "defaults", "source", "destination", "route",
                      "max_urls_per_event", "dedup_window", "failure_log_retention"]
    static let server = ["listen", "admin_listen", "admin_token", "data_dir", "max_body", "max_urls_per_event",
                         "dedup_window", "failure_log_retention", "idle_timeout", "queue_limit",
                         "max_buffered", "max_connections", "header_timeout", "admin_hosts"]
    /// Keys of `[server]` that may also be written at the top level (not both).
    static let serverAtTop = ["max_urls_per_event", "dedup_window", "failure_log_retention"]
    static let source = ["name", "path", "verify", "keys", "max_age", "allow_unsigned", "id_from", "type_from",
                         "header", "encoding"]
    static let destinationSettings = ["rewrite", "template", "redact", "sign", "sign_key", "headers", "timeout",
                                      "retry", "success", "max_in_flight", "rate", "ca_file"]
    static let destination = ["name", "url"] + destinationSettings
    static let route = ["source", "events", "domains", "to"]

    /// Request headers a destination may not set: hookrelay or the HTTP layer writes them.
    static let reservedHeaders: Set<String> = ["host", "content-length", "transfer-encoding", "connection",
                                               "user-agent", "x-hookrelay-event-id", "x-hookrelay-attempt"]
}

/// Destination settings as written in one table (`[defaults]` or one `[[destination]]`): nil = not set.
struct DestinationSettings {
    var rewrite: RewriteMode?
    var template: String?
    var redact: Bool?
    var sign: SigningScheme?
    var signKey: String?
    var headers: [HeaderField]?
    var timeout: Duration?
    var retry: [Duration]?
    var success: [Int]?
    var maxInFlight: Int?
    var rate: Rate?
    /// `ca_file`, resolved against the config file's directory and checked readable.
    var caFile: String?
}

struct Loader {
    let root: TOMLTable
    let context: LoadContext
    var warnings: [String] = []

    init(root: TOMLTable, context: LoadContext) {
        self.root = root
        self.context = context
    }

    mutating func load() throws(ConfigError) -> LoadedConfig {
        let top = TableReader(root, at: .top, context: context)
        try top.checkKeys(ConfigKeys.top, hints: [
            "store": "this build keeps its store in SQLite under server.data_dir",
            "sources": "write each source as a [[source]] table",
            "destinations": "write each destination as a [[destination]] table",
            "routes": "write each route as a [[route]] table",
        ])
        let server = try loadServer(top)
        let defaults = try loadDefaults()
        let sources = try loadSources()
        let destinations = try loadDestinations(defaults: defaults)
        let routes = try loadRoutes(sources: sources, destinations: destinations)
        let config = RelayConfig(server: server, sources: sources, destinations: destinations, routes: routes)

        if let violation = RoutingTable(config: config).violations(maxURLsPerEvent: server.maxURLsPerEvent).first {
            throw context.error(.tooManyURLs, routeLocation(violation.routeIndex).key("to"),
                                violation.description(showingName: { context.reference(of: $0) ?? $0 },
                                                      showingURL: { context.reference(of: $0) ?? URLMasking.mask($0) }))
        }
        collectWarnings(config)
        return LoadedConfig(config: config, warnings: warnings, references: context.referenced.referenceByValue)
    }

    // MARK: [server]

    private func loadServer(_ top: TableReader) throws(ConfigError) -> ServerConfig {
        var server = ServerConfig()
        let location = ConfigLocation(section: .table("server"))
        var reader: TableReader? = nil
        if let value = root["server"] {
            guard let table = value.table else {
                throw context.error(.wrongType, location, "expected a table ([server]), found \(TableReader.typeName(value))")
            }
            let r = TableReader(table, at: location, context: context)
            try r.checkKeys(ConfigKeys.server)
            reader = r
        }
        // Keys allowed in both places: refuse them twice, then read from wherever they are.
        for key in ConfigKeys.serverAtTop where top.has(key) && reader?.has(key) == true {
            throw context.error(.conflict, ConfigLocation.top.key(key),
                                "set both at the top level and in [server]; keep one")
        }
        func holder(_ key: String) -> TableReader? { top.has(key) ? top : reader }

        // admin_listen as messages show it: as parsed, or the env:/file: reference it came from.
        var shownAdminListen = "\(server.adminListen)"
        if let r = reader {
            if let text = try r.string("listen") { server.listen = try address(text, at: location.key("listen")) }
            if let text = try r.string("admin_listen") {
                server.adminListen = try address(text, at: location.key("admin_listen"))
                shownAdminListen = context.reference(of: text).map { "(from \($0))" } ?? "\(server.adminListen)"
            }
            if let token = try r.string("admin_token") {
                guard !token.isEmpty else { throw context.error(.invalidValue, location.key("admin_token"), "admin_token is empty") }
                server.adminToken = token
            }
            if let directory = try r.string("data_dir") {
                guard !directory.isEmpty else { throw context.error(.invalidValue, location.key("data_dir"), "data_dir is empty") }
                server.dataDirectory = directory
            }
            if let size = try r.byteSize("max_body") { server.maxBody = size }
            if let timeout = try r.duration("idle_timeout") { server.idleTimeout = timeout }
            if let limit = try r.int("queue_limit", atLeast: 1) { server.queueLimit = limit }
            if let size = try r.byteSize("max_buffered") { server.maxBuffered = size }
            if let limit = try r.int("max_connections", atLeast: 1) { server.maxConnections = limit }
            if let timeout = try r.duration("header_timeout") { server.headerTimeout = timeout }
            if let hosts = try r.stringArray("admin_hosts") {
                for (index, host) in hosts.enumerated() where !AdminHostPolicy.isHostName(host) {
                    throw context.error(.invalidValue, location.key("admin_hosts").element(index),
                                        "expected a host name or IP address without port or scheme")
                }
                server.adminHosts = hosts
            }
        }
        if let r = holder("max_urls_per_event"), let limit = try r.int("max_urls_per_event", atLeast: 1) {
            server.maxURLsPerEvent = limit
        }
        if let r = holder("dedup_window"), let window = try r.duration("dedup_window") { server.dedupWindow = window }
        if let r = holder("failure_log_retention"), let retention = try r.duration("failure_log_retention") {
            server.failureLogRetention = retention
        }
        server.dataDirectory = FileAccess.resolve(server.dataDirectory, relativeTo: context.baseDirectory)

        if server.listen == server.adminListen, server.listen.port != 0 {
            throw context.error(.conflict, location.key("admin_listen"),
                                "admin_listen \(shownAdminListen) is the same address as listen")
        }
        if !server.adminListen.isLoopback, server.adminToken == nil {
            throw context.error(.missingKey, location.key("admin_token"),
                                "admin_listen \(shownAdminListen) is not a loopback address, so admin_token is required (loopback is an IP in 127.0.0.0/8, ::1 or localhost)")
        }
        if server.maxBuffered < server.maxBody {
            throw context.error(.conflict, location.key("max_buffered"),
                                "max_buffered (\(server.maxBuffered) bytes) is smaller than max_body (\(server.maxBody) bytes): no body that large could ever be admitted")
        }
        return server
    }

    private func address(_ text: String, at location: ConfigLocation) throws(ConfigError) -> SocketAddressSpec {
        guard let address = SocketAddressSpec(parsing: text), !address.host.contains(where: { $0 == " " || $0 == "/" }) else {
            throw context.error(.invalidValue, location,
                                "invalid address \(context.shown(text)) (expected host:port, e.g. \"127.0.0.1:8080\" or \"[::1]:8080\")")
        }
        return address
    }

    // MARK: [defaults] and [[destination]]

    private func loadDefaults() throws(ConfigError) -> DestinationSettings {
        let location = ConfigLocation(section: .table("defaults"))
        guard let value = root["defaults"] else { return DestinationSettings() }
        guard let table = value.table else {
            throw context.error(.wrongType, location, "expected a table ([defaults]), found \(TableReader.typeName(value))")
        }
        let reader = TableReader(table, at: location, context: context)
        let hint = "name and url are set per [[destination]], not in [defaults]"
        try reader.checkKeys(ConfigKeys.destinationSettings, hints: ["name": hint, "url": hint])
        return try settings(reader)
    }

    private func settings(_ r: TableReader) throws(ConfigError) -> DestinationSettings {
        var s = DestinationSettings()
        s.rewrite = try choice(r, "rewrite", RewriteMode.self)
        if let template = try r.string("template") {
            try checkTemplate(template, at: r.location.key("template"))
            s.template = template
        }
        s.redact = try r.bool("redact")
        s.sign = try choice(r, "sign", SigningScheme.self)
        s.signKey = try r.string("sign_key")
        if let key = s.signKey, key.isEmpty {
            throw context.error(.invalidValue, r.location.key("sign_key"), "sign_key is empty")
        }
        if let fields = try r.stringTable("headers") {
            var headers: [HeaderField] = []
            for (name, value) in fields {
                let at = r.location.key("headers").subkey(name)
                guard !name.isEmpty, name.utf8.allSatisfy(Self.isTokenByte) else {
                    throw context.error(.invalidValue, at, "\"\(name)\" is not a valid header name")
                }
                guard !ConfigKeys.reservedHeaders.contains(name.lowercased()) else {
                    throw context.error(.invalidValue, at, "header \(name) is set by hookrelay and cannot be configured")
                }
                guard !value.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D || $0 == 0x00 }) else {
                    throw context.error(.invalidValue, at, "header value contains a line break or NUL")
                }
                headers.append(HeaderField(name: name, value: value))
            }
            s.headers = headers
        }
        s.timeout = try r.duration("timeout")
        s.retry = try r.durationArray("retry")
        if let success = try r.intArray("success", in: 100...599) {
            guard !success.isEmpty else {
                throw context.error(.invalidValue, r.location.key("success"),
                                    "success is empty; leave it out to count any 2xx as delivered")
            }
            s.success = success
        }
        s.maxInFlight = try r.int("max_in_flight", atLeast: 1)
        if let text = try r.string("rate") {
            guard let rate = Rate(parsing: text) else {
                throw context.error(.invalidValue, r.location.key("rate"),
                                    "invalid rate \(context.shown(text)) (a count from 1 to \(Rate.maxCount) per s, m or h, e.g. \"1/s\", \"100/m\")")
            }
            s.rate = rate
        }
        if let path = try r.string("ca_file") {
            // A path given through env: or file: is not printed (SPEC §11).
            let isIndirect = r.table["ca_file"]?.string.map { $0.hasPrefix("env:") || $0.hasPrefix("file:") } ?? false
            s.caFile = try caFile(path, shown: !isIndirect, at: r.location.key("ca_file"))
        }
        return s
    }

    private func loadDestinations(defaults: DestinationSettings) throws(ConfigError) -> [DestinationConfig] {
        var destinations: [DestinationConfig] = []
        for (index, table) in try tables("destination").enumerated() {
            let location = ConfigLocation(section: .arrayElement("destination", index))
            let r = TableReader(table, at: location, context: context)
            try r.checkKeys(ConfigKeys.destination)
            let name = try name(r)
            if let other = destinations.firstIndex(where: { $0.name == name }) {
                throw context.error(.duplicate, location.key("name"),
                                    "duplicate destination name \(context.shown(name)) (also destination[\(other + 1)])")
            }
            let url = try r.requiredString("url")
            try checkURL(url, at: location.key("url"))
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
                signKey: own.signKey ?? defaults.signKey,
                headers: headers,
                timeout: own.timeout ?? defaults.timeout ?? .seconds(10),
                retry: own.retry ?? defaults.retry ?? RetrySchedule.mailgun,
                success: own.success ?? defaults.success,
                maxInFlight: own.maxInFlight ?? defaults.maxInFlight ?? 16,
                rate: own.rate ?? defaults.rate,
                caFile: own.caFile ?? defaults.caFile
            )
            try checkDestination(destination, own: own, location: location)
            destinations.append(destination)
        }
        return destinations
    }

    /// The SPEC §5 rules on a destination with `[defaults]` merged in.
    private func checkDestination(_ d: DestinationConfig, own: DestinationSettings, location: ConfigLocation) throws(ConfigError) {
        func inherited(_ isOwn: Bool) -> String { isOwn ? "" : " (from [defaults])" }
        if d.rewrite == .template {
            guard d.template != nil else {
                throw context.error(.missingKey, location.key("template"), "rewrite = \"template\" needs a template")
            }
        } else if own.template != nil {
            throw context.error(.conflict, location.key("template"),
                                "template is only used with rewrite = \"template\", not \(context.shown(d.rewrite.rawValue))")
        }
        if d.rewrite == .passthrough {
            if d.redact {
                throw context.error(.conflict, location.key("redact"),
                                    "redact = true\(inherited(own.redact != nil)) changes the body, so it needs rewrite = \"json\" or \"template\", not \(context.shown("passthrough"))")
            }
            if let sign = d.sign {
                throw context.error(.conflict, location.key("sign"),
                                    "\(setting("sign", sign.rawValue))\(inherited(own.sign != nil)) changes the body, so it needs rewrite = \"json\" or \"template\", not \(context.shown("passthrough"))")
            }
        }
        if let sign = d.sign, d.signKey == nil {
            throw context.error(.missingKey, location.key("sign_key"), "\(setting("sign", sign.rawValue)) needs sign_key")
        }
        if d.sign == nil, own.signKey != nil {
            throw context.error(.conflict, location.key("sign_key"), "sign_key is set but sign is not")
        }
        // The key as the signer will use it (a `whsec_` secret decoded), so a key it refuses
        // stops `check` and `serve` instead of making every delivery dead at send time.
        if let sign = d.sign, let key = d.signKey {
            do {
                _ = try PartnerSigner(checking: sign, key: key)
            } catch {
                throw context.error(.invalidValue, location.key("sign_key"),
                                    "invalid \(context.reference(of: sign.rawValue) == nil ? sign.rawValue : "signing") key\(inherited(own.signKey != nil)): \(error)")
            }
        }
    }

    /// `ca_file` as curl will open it: relative to the config file's directory, a readable file
    /// holding at least one PEM certificate, so a wrong path stops `check` and `serve` instead of
    /// failing every TLS delivery with `tls`.
    private func caFile(_ path: String, shown: Bool, at location: ConfigLocation) throws(ConfigError) -> String {
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
    private func checkTemplate(_ template: String, at location: ConfigLocation) throws(ConfigError) {
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

    private func checkURL(_ url: String, at location: ConfigLocation) throws(ConfigError) {
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

    // MARK: [[source]]

    private mutating func loadSources() throws(ConfigError) -> [SourceConfig] {
        var sources: [SourceConfig] = []
        for (index, table) in try tables("source").enumerated() {
            let location = ConfigLocation(section: .arrayElement("source", index))
            let r = TableReader(table, at: location, context: context)
            try r.checkKeys(ConfigKeys.source)
            let name = try name(r)
            if let other = sources.firstIndex(where: { $0.name == name }) {
                throw context.error(.duplicate, location.key("name"), "duplicate source name \(context.shown(name)) (also source[\(other + 1)])")
            }
            let path = try r.requiredString("path")
            guard path.hasPrefix("/") else {
                throw context.error(.invalidValue, location.key("path"), "path \(context.shown(path)) must start with \"/\"")
            }
            guard !path.contains(where: { $0 == "?" || $0 == "#" || $0 == " " || $0.isNewline }) else {
                throw context.error(.invalidValue, location.key("path"), "path \(context.shown(path)) must not contain spaces, \"?\" or \"#\"")
            }
            if let other = sources.first(where: { $0.path == path }) {
                throw context.error(.duplicate, location.key("path"), "path \(context.shown(path)) is already used by source \(context.shown(other.name))")
            }
            guard let scheme = try choice(r, "verify", VerificationScheme.self) else { throw r.missing("verify") }
            let keys = try r.stringArray("keys")
            let maxAge = try r.duration("max_age") ?? .seconds(600)
            let allowUnsigned = try r.bool("allow_unsigned") ?? false
            let idFrom = try selector(r, "id_from")
            let typeFrom = try selector(r, "type_from")
            let header = try r.string("header")
            let encoding = try choice(r, "encoding", SignatureEncoding.self)

            if scheme == .none {
                guard allowUnsigned else {
                    throw context.error(.missingKey, location.key("allow_unsigned"),
                                        "\(setting("verify", "none")) accepts unsigned requests; set allow_unsigned = true to confirm")
                }
                if keys?.isEmpty == false { warnings.append("source \(context.shown(name)): keys are ignored with \(setting("verify", "none"))") }
            } else {
                if allowUnsigned {
                    throw context.error(.conflict, location.key("allow_unsigned"),
                                        "allow_unsigned = true only goes with verify = \"none\", not \(context.shown(scheme.rawValue))")
                }
                guard let keys else {
                    throw context.error(.missingKey, location.key("keys"), "\(setting("verify", scheme.rawValue)) needs keys")
                }
                guard !keys.isEmpty else {
                    throw context.error(.invalidValue, location.key("keys"), "\(setting("verify", scheme.rawValue)) needs at least one key")
                }
                if let empty = keys.firstIndex(of: "") {
                    throw context.error(.invalidValue, location.key("keys").element(empty), "key is empty")
                }
                if scheme == .standardWebhooks {
                    // Decoded as the verifier will (a `whsec_` secret is base64), so a secret it
                    // cannot use stops `check` and `serve` instead of answering 401 forever.
                    for (index, key) in keys.enumerated() {
                        do {
                            _ = try StandardWebhooksSignature.secretBytes(key)
                        } catch {
                            throw context.error(.invalidValue, location.key("keys").element(index),
                                                "invalid standard-webhooks secret: \(error)")
                        }
                    }
                }
            }
            if scheme == .hmacHeader {
                guard let header else {
                    throw context.error(.missingKey, location.key("header"),
                                        "\(setting("verify", "hmac-header")) needs header, the request header carrying the signature")
                }
                guard !header.isEmpty, header.utf8.allSatisfy(Self.isTokenByte) else {
                    throw context.error(.invalidValue, location.key("header"), "\(context.shown(header)) is not a valid header name")
                }
            } else {
                if header != nil {
                    throw context.error(.conflict, location.key("header"), "header is only used with verify = \"hmac-header\"")
                }
                if encoding != nil {
                    throw context.error(.conflict, location.key("encoding"), "encoding is only used with verify = \"hmac-header\"")
                }
            }
            if [.none, .hmacHeader, .slack].contains(scheme), idFrom == nil {
                throw context.error(.missingKey, location.key("id_from"),
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

    private func selector(_ r: TableReader, _ key: String) throws(ConfigError) -> FieldSelector? {
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

    // MARK: [[route]]

    private func routeLocation(_ index: Int) -> ConfigLocation { ConfigLocation(section: .arrayElement("route", index)) }

    private mutating func loadRoutes(sources: [SourceConfig], destinations: [DestinationConfig]) throws(ConfigError) -> [RouteConfig] {
        var routes: [RouteConfig] = []
        for (index, table) in try tables("route").enumerated() {
            let location = routeLocation(index)
            let r = TableReader(table, at: location, context: context)
            try r.checkKeys(ConfigKeys.route)
            let sourceName = try r.requiredString("source")
            guard let source = sources.first(where: { $0.name == sourceName }) else {
                throw context.error(.unknownReference, location.key("source"),
                                    "unknown source \(context.shown(sourceName))" + didYouMean(sourceName, sources.map(\.name)))
            }
            guard let events = try r.stringArray("events") else { throw r.missing("events") }
            guard !events.isEmpty else {
                throw context.error(.invalidValue, location.key("events"), "events is empty; use [\"*\"] for every event type")
            }
            if let empty = events.firstIndex(of: "") {
                throw context.error(.invalidValue, location.key("events").element(empty), "event type is empty")
            }
            var domains: [String]? = nil
            if let list = try r.stringArray("domains") {
                guard !list.isEmpty else {
                    throw context.error(.invalidValue, location.key("domains"),
                                        "domains is empty; leave it out for an account-level route")
                }
                if let empty = list.firstIndex(where: { $0.isEmpty || $0.contains(" ") }) {
                    throw context.error(.invalidValue, location.key("domains").element(empty), "\(context.shown(list[empty])) is not a domain")
                }
                domains = list.map { $0.lowercased() }
            }
            guard let to = try r.stringArray("to") else { throw r.missing("to") }
            guard !to.isEmpty else {
                throw context.error(.invalidValue, location.key("to"), "to is empty; name at least one destination")
            }
            for name in to where !destinations.contains(where: { $0.name == name }) {
                throw context.error(.unknownReference, location.key("to"),
                                    "unknown destination \(context.shown(name))" + didYouMean(name, destinations.map(\.name)))
            }
            if source.scheme == .mailgun {
                for event in events where event != "*" && !knownMailgunEventTypes.contains(event) {
                    warnings.append("route[\(index + 1)]: \(context.shown(event)) is not a Mailgun event type; source \(context.shown(source.name)) never sends it")
                }
            }
            routes.append(RouteConfig(source: sourceName, events: events, domains: domains, to: to))
        }
        return routes
    }

    // MARK: Warnings

    private mutating func collectWarnings(_ config: RelayConfig) {
        if config.sources.isEmpty { warnings.append("no [[source]] is configured: every request will be answered 404") }
        for source in config.sources {
            if source.scheme == .none { warnings.append("source \(context.shown(source.name)) accepts unsigned requests (verify = \"none\")") }
            if !config.routes.contains(where: { $0.source == source.name }) {
                warnings.append("source \(context.shown(source.name)) has no route: its events will be answered 406")
            }
        }
        for (index, destination) in config.destinations.enumerated() {
            if !config.routes.contains(where: { $0.to.contains(destination.name) }) {
                warnings.append("destination \(context.shown(destination.name)) is not used by any route")
            }
            let key = destination.url.lowercased()
            if let earlier = config.destinations[..<index].first(where: { $0.url.lowercased() == key }) {
                warnings.append("destinations \(context.shown(earlier.name)) and \(context.shown(destination.name)) have the same URL; an event routed to both is delivered there once")
            }
        }
    }

    // MARK: Helpers

    private func tables(_ key: String) throws(ConfigError) -> [TOMLTable] {
        guard let value = root[key] else { return [] }
        let expected = "an array of tables ([[\(key)]])"
        guard let array = value.array else {
            throw context.error(.wrongType, ConfigLocation.top.key(key), "expected \(expected), found \(TableReader.typeName(value))")
        }
        var result: [TOMLTable] = []
        for (index, element) in array.enumerated() {
            guard let table = element.table else {
                throw context.error(.wrongType, ConfigLocation.top.key(key).element(index),
                                    "expected \(expected), found \(TableReader.typeName(element))")
            }
            result.append(table)
        }
        return result
    }

    private func name(_ r: TableReader) throws(ConfigError) -> String {
        let name = try r.requiredString("name")
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }) else {
            throw context.error(.invalidValue, r.location.key("name"),
                                "name \(context.shown(name)) must be letters, digits, \"-\", \"_\" or \".\"")
        }
        return name
    }

    private func choice<E: RawRepresentable & CaseIterable>(_ r: TableReader, _ key: String, _: E.Type) throws(ConfigError) -> E?
    where E.RawValue == String {
        guard let text = try r.string(key) else { return nil }
        guard let value = E(rawValue: text) else {
            let options = E.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw context.error(.invalidValue, r.location.key(key), "invalid value \(context.shown(text)); expected one of \(options)")
        }
        return value
    }

    /// A suggestion among `candidates` for a mistyped `name`; none read from env:/file: is offered,
    /// nor any for a `name` read from one (it would say how close the value is).
    private func didYouMean(_ name: String, _ candidates: [String]) -> String {
        guard context.reference(of: name) == nil else { return "" }
        return Suggest.closest(to: name, in: candidates.filter { context.reference(of: $0) == nil }).map { " (did you mean \"\($0)\"?)" } ?? ""
    }

    /// `key = "value"` as a message shows a setting, or `key (from env:NAME)` when the value was
    /// read from env:/file: (SPEC §11).
    private func setting(_ key: String, _ value: String) -> String {
        context.reference(of: value).map { "\(key) (from \($0))" } ?? "\(key) = \"\(value)\""
    }

    /// A URL as a message shows it: masked (`URLMasking`), or the env:/file: reference it came from.
    private func shownURL(_ url: String) -> String {
        context.reference(of: url).map { "the URL from \($0)" } ?? "\"\(URLMasking.mask(url))\""
    }

    /// RFC 9110 token characters (header names).
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
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
