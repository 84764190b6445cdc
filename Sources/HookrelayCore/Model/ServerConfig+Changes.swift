extension ServerConfig {
    /// The `[server]` keys whose values differ between `self` and `other`, as the file spells
    /// them. A reload applies none of them (SPEC §12: listeners, the store and the limits they
    /// were built with need a restart); it logs and shows these names, never their values.
    public func keysChanged(comparedTo other: ServerConfig) -> [String] {
        var keys: [String] = []
        func note(_ key: String, _ same: Bool) { if !same { keys.append(key) } }
        note("listen", listen == other.listen)
        note("admin_listen", adminListen == other.adminListen)
        note("admin_token", adminToken == other.adminToken)
        note("data_dir", dataDirectory == other.dataDirectory)
        note("max_body", maxBody == other.maxBody)
        note("max_urls_per_event", maxURLsPerEvent == other.maxURLsPerEvent)
        note("dedup_window", dedupWindow == other.dedupWindow)
        note("failure_log_retention", failureLogRetention == other.failureLogRetention)
        note("idle_timeout", idleTimeout == other.idleTimeout)
        note("queue_limit", queueLimit == other.queueLimit)
        note("max_buffered", maxBuffered == other.maxBuffered)
        note("max_connections", maxConnections == other.maxConnections)
        note("header_timeout", headerTimeout == other.headerTimeout)
        note("admin_hosts", adminHosts == other.adminHosts)
        note("store", store == other.store)
        note("claim_lease", claimLease == other.claimLease)
        return keys
    }
}
