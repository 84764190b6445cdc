public import HookrelayCore
import Logging

extension Relay {
    /// A reload (SPEC §12, `SIGHUP`): `next`'s sources, keys, routes, destinations, templates and
    /// rates apply to events accepted from now on, with no listener restarted, so no connection
    /// is closed and no request refused. `[server]` stays as it started: keys `next` changes
    /// there are logged (and shown on `/admin`) as needing a restart. Deliveries stored for a
    /// destination `next` no longer has stay in the store, parked (`orphaned`), until it comes back.
    public func reload(to next: RelayConfig, warnings: [String] = []) {
        let now = WallClock.system.now()
        let old = config
        let restartKeys = next.server.keysChanged(comparedTo: old.server)
        var applied = next
        applied.server = old.server
        // The file was checked against its own [server]; what runs is the old one, so the checks
        // that tie destinations and routes to [server] are made again against it.
        if let problem = Self.conflictWithServerInForce(applied) {
            reloadRefused(problem)
            return
        }
        // The store first (a shared store's cluster-wide rates), then delivery, then ingest: a
        // delivery routed to a new destination is claimed under its settings, not left to a visit
        // that does not know it yet.
        store.destinationsChanged(applied.destinations)
        scheduler.reconfigure(destinations: applied.destinations)
        sampler.reconfigure(destinations: applied.destinations.map(\.name))
        adminResponder.reconfigure(applied)
        ingestResponder.reconfigure(applied)
        setConfig(applied)
        metrics.reloaded("applied")
        reloadStatus.reloaded(at: now, needsRestart: restartKeys)
        for warning in warnings { logger.warning("\(warning)") }
        for source in applied.sources where source.scheme == .none && !old.sources.contains(where: { $0.name == source.name && $0.scheme == .none }) {
            logger.warning("source accepts unsigned requests", metadata: ["source": "\(source.name)", "path": "\(source.path)"])
        }
        let removed = Set(old.destinations.map(\.name)).subtracting(applied.destinations.map(\.name)).sorted()
        logger.notice("config reloaded", metadata: [
            "sources": "\(applied.sources.count)", "destinations": "\(applied.destinations.count)", "routes": "\(applied.routes.count)",
            "removed_destinations": "\(removed.joined(separator: ","))",
        ])
        if !restartKeys.isEmpty {
            logger.warning("[server] changed; these keys need a restart and keep their old values until then", metadata: [
                "keys": "\(restartKeys.joined(separator: ","))",
            ])
        }
    }

    /// Why `config` (a reloaded file's destinations and routes under the `[server]` in force)
    /// cannot run, or nil: a `claim_lease` shorter than a destination's timeout plus the margin
    /// (on a shared store another node would take over attempts still on the wire, SPEC §10), or
    /// more URLs per event than `max_urls_per_event`. Names and masked URLs only.
    static func conflictWithServerInForce(_ config: RelayConfig) -> String? {
        let server = config.server
        if server.store != nil, let longest = config.destinations.max(by: { $0.timeout < $1.timeout }),
           server.claimLease < longest.timeout + ServerConfig.claimLeaseMargin {
            return "destination \"\(longest.name)\"'s timeout plus \(ServerConfig.claimLeaseMargin) is longer than the claim_lease in force "
                + "(\(server.claimLease)); claim_lease changes only with a restart: raise it and restart before this reload"
        }
        if let violation = RoutingTable(config: config).violations(maxURLsPerEvent: server.maxURLsPerEvent).first {
            return violation.description(showingName: { $0 }, showingURL: URLMasking.mask) + " (max_urls_per_event in force: \(server.maxURLsPerEvent))"
        }
        return nil
    }

    /// A reload whose file did not load: the config in force stays; `reason` (file, line, key)
    /// is logged and shown on `/admin` until a reload succeeds.
    public func reloadRefused(_ reason: String) {
        reloadStatus.refused(at: WallClock.system.now(), reason: reason)
        metrics.reloaded("refused")
        logger.error("config reload refused; the previous config stays", metadata: ["reason": "\(reason)"])
    }
}
