import HookrelayCore
import TOMLKit

private typealias Key = ServerKey

/// `[server]` (and the keys of it that may sit at the top level).
extension Loader {
    // MARK: [server]

    func loadServer(_ top: TableReader) throws(ConfigError) -> ServerConfig {
        var server = ServerConfig()
        let location = ConfigLocation(section: .table(TopKey.server.rawValue))
        var reader: TableReader? = nil
        if let value = root[TopKey.server.rawValue] {
            guard let table = value.table else {
                throw context.error(.wrongType, location, "expected a table ([server]), found \(TableReader.typeName(value))")
            }
            let r = TableReader(table, at: location, context: context)
            try r.checkKeys(Key.names)
            reader = r
        }
        // Keys allowed in both places: refuse them twice, then read from wherever they are.
        for key in TopKey.serverKeys where top.has(key) && reader?.has(key) == true {
            throw context.error(.conflict, ConfigLocation.top.key(key),
                                "set both at the top level and in [server]; keep one")
        }
        func holder(_ key: Key) -> TableReader? { top.has(key) ? top : reader }

        // admin_listen as messages show it: as parsed, or the env:/file: reference it came from.
        var shownAdminListen = "\(server.adminListen)"
        if let r = reader {
            if let text = try r.string(Key.listen) { server.listen = try address(text, at: location.key(Key.listen)) }
            if let text = try r.string(Key.adminListen) {
                server.adminListen = try address(text, at: location.key(Key.adminListen))
                shownAdminListen = context.reference(of: text).map { "(from \($0))" } ?? "\(server.adminListen)"
            }
            if let token = try r.string(Key.adminToken) {
                guard !token.isEmpty else { throw context.error(.invalidValue, location.key(Key.adminToken), "admin_token is empty") }
                server.adminToken = token
            }
            if let directory = try r.string(Key.dataDir) {
                guard !directory.isEmpty else { throw context.error(.invalidValue, location.key(Key.dataDir), "data_dir is empty") }
                server.dataDirectory = directory
            }
            if let size = try r.byteSize(Key.maxBody) { server.maxBody = size }
            if let timeout = try r.duration(Key.idleTimeout) { server.idleTimeout = timeout }
            if let limit = try r.int(Key.queueLimit, atLeast: 1) { server.queueLimit = limit }
            if let size = try r.byteSize(Key.maxBuffered) { server.maxBuffered = size }
            if let limit = try r.int(Key.maxConnections, atLeast: 1) { server.maxConnections = limit }
            if let timeout = try r.duration(Key.headerTimeout) { server.headerTimeout = timeout }
            if let hosts = try r.stringArray(Key.adminHosts) {
                for (index, host) in hosts.enumerated() where !AdminHostPolicy.isHostName(host) {
                    throw context.error(.invalidValue, location.key(Key.adminHosts).element(index),
                                        "expected a host name or IP address without port or scheme")
                }
                server.adminHosts = hosts
            }
            if let url = try r.string(Key.store) {
                let scheme = url.prefix(while: { $0 != ":" }).lowercased()
                guard scheme == "postgres" || scheme == "postgresql", url.contains("://") else {
                    throw context.error(.invalidValue, location.key(Key.store),
                                        "store \(shownURL(url)) is not a postgres:// URL (e.g. \"postgres://user:pw@host:5432/db\"; leave store out for SQLite in data_dir)")
                }
                server.store = url
            }
            if let lease = try r.duration(Key.claimLease) { server.claimLease = lease }
        }
        if let r = holder(Key.maxURLsPerEvent), let limit = try r.int(Key.maxURLsPerEvent, atLeast: 1) {
            server.maxURLsPerEvent = limit
        }
        if let r = holder(Key.dedupWindow), let window = try r.duration(Key.dedupWindow) { server.dedupWindow = window }
        if let r = holder(Key.failureLogRetention), let retention = try r.duration(Key.failureLogRetention) {
            server.failureLogRetention = retention
        }
        server.dataDirectory = FileAccess.resolve(server.dataDirectory, relativeTo: context.baseDirectory)

        if server.listen == server.adminListen, server.listen.port != 0 {
            throw context.error(.conflict, location.key(Key.adminListen),
                                "admin_listen \(shownAdminListen) is the same address as listen")
        }
        if !server.adminListen.isLoopback, server.adminToken == nil {
            throw context.error(.missingKey, location.key(Key.adminToken),
                                "admin_listen \(shownAdminListen) is not a loopback address, so admin_token is required (loopback is an IP in 127.0.0.0/8, ::1 or localhost)")
        }
        if server.maxBuffered < server.maxBody {
            throw context.error(.conflict, location.key(Key.maxBuffered),
                                "max_buffered (\(server.maxBuffered) bytes) is smaller than max_body (\(server.maxBody) bytes): no body that large could ever be admitted")
        }
        return server
    }

    /// On a shared store, a claim must outlive an attempt (SPEC §10): `claim_lease` at least the
    /// longest destination `timeout` plus `ServerConfig.claimLeaseMargin`, or another node would
    /// take a delivery over while its attempt is still on the wire.
    func checkClaimLease(_ server: ServerConfig, destinations: [DestinationConfig]) throws(ConfigError) {
        guard server.store != nil, let longest = destinations.max(by: { $0.timeout < $1.timeout }) else { return }
        let needed = longest.timeout + ServerConfig.claimLeaseMargin
        guard server.claimLease < needed else { return }
        let location = ConfigLocation(section: .table(TopKey.server.rawValue)).key(Key.claimLease)
        throw context.error(.conflict, location,
                            "claim_lease \(Self.seconds(server.claimLease)) is shorter than destination \(context.shown(longest.name))'s timeout \(Self.seconds(longest.timeout)) plus a margin of \(Self.seconds(ServerConfig.claimLeaseMargin)): another node could take over a delivery while its attempt is still on the wire; set claim_lease to at least \(Self.seconds(needed))")
    }

    /// A duration as a message shows it (`30s`, `1.5s`).
    static func seconds(_ duration: Duration) -> String {
        let millis = duration.milliseconds
        return millis % 1000 == 0 ? "\(millis / 1000)s" : "\(millis)ms"
    }

    func address(_ text: String, at location: ConfigLocation) throws(ConfigError) -> SocketAddressSpec {
        guard let address = SocketAddressSpec(parsing: text), !address.host.contains(where: { $0 == " " || $0 == "/" }) else {
            throw context.error(.invalidValue, location,
                                "invalid address \(context.shown(text)) (expected host:port, e.g. \"127.0.0.1:8080\" or \"[::1]:8080\")")
        }
        return address
    }
}
