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
        // Delivery first: a delivery routed to a new destination is then claimed, not left to a
        // visit that does not know it yet.
        // The store's view of them too (a shared store's cluster-wide rates), before the
        // scheduler claims under the new settings.
        store.destinationsChanged(applied.destinations)
        scheduler.reconfigure(destinations: applied.destinations)
        adminResponder.reconfigure(applied)
        ingestResponder.reconfigure(applied)
        setConfig(applied)
        metrics.reloaded("applied")
        reloadStatus.reloaded(at: now, needsRestart: restartKeys)
        for warning in warnings { logger.warning("\(warning)") }
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

    /// A reload whose file did not load: the config in force stays; `reason` (file, line, key)
    /// is logged and shown on `/admin` until a reload succeeds.
    public func reloadRefused(_ reason: String) {
        reloadStatus.refused(at: WallClock.system.now(), reason: reason)
        metrics.reloaded("refused")
        logger.error("config reload refused; the previous config stays", metadata: ["reason": "\(reason)"])
    }
}
