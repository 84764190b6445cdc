public import HookrelayCore
import Foundation
public import HookrelayStore
import Synchronization

/// The store shared by several relay nodes (SPEC §10): one PostgreSQL database behind
/// `[server] store = "postgres://…"`. Same behaviour as the SQLite `EventStore` through
/// `RelayStore`; across nodes, dedup and the token rule hold by unique constraints, claims are
/// taken with `FOR UPDATE SKIP LOCKED` under a lease (`claimLease`) in this node's name, and a
/// replay or a hand-back on one node wakes the others (`LISTEN`/`NOTIFY`).
///
/// Connections: one for the group-commit writer (accepts, outcomes, hand-backs, replays,
/// purges), one for the scheduler's claims, one for the admin reads, one listening. Each comes
/// back by itself after PostgreSQL went away (`PGSession`); meanwhile writes fail at once
/// (`unavailable`: 503) and `isReady()` is false.
public final class PostgresStore: RelayStore {
    /// The URL with its password masked (for messages).
    public let location: String
    /// This node's name on its claims (random per process).
    public let nodeID: String
    /// How long a claim holds before any node may take it again.
    public let claimLease: Duration
    /// Claims of other nodes are not taken over at open (their leases do that): always 0.
    public var recoveredInFlight: Int { 0 }
    private let writer: PostgresWriter
    private let claimer: LockedPGSession
    private let reader: LockedPGSession
    private let notifications: DueNotifications
    private let closed = Atomic<Bool>(false)
    /// The connection URL (with its password: never printed; `location` is).
    let url: String
    /// Destinations whose `rate` holds for the whole cluster (`RateSQL`).
    private let rates: Mutex<[String: Rate]>

    /// Connects to `url`, creates or upgrades the schema (`allowUpgrade`; the operator's
    /// commands pass false) and starts the writer. Throws when PostgreSQL cannot be reached or
    /// its schema is newer than this binary. `rates`: each destination's `rate`, held for the
    /// whole cluster (SPEC §10).
    public init(
        url: String, claimLease: Duration = .seconds(30), queueLimit: Int = 10_000, allowUpgrade: Bool = true,
        rates: [String: Rate] = [:]
    ) throws {
        self.rates = Mutex(rates)
        self.url = url
        location = URLMasking.mask(url)
        nodeID = "\(ProcessInfo.processInfo.hostName)-\(getpid())-\(UUID().uuidString.prefix(8))"
        self.claimLease = claimLease
        do {
            let setup = try PGConnection(url: url)
            try PostgresSchema.migrate(setup, allowUpgrade: allowUpgrade)
        } catch let error as PostgresError {
            throw PostgresError(sqlState: error.sqlState, message: "\(location): \(error.message)", connectionLost: error.connectionLost)
        }
        writer = PostgresWriter(session: PGSession(url: url), queueLimit: queueLimit)
        claimer = LockedPGSession(PGSession(url: url))
        reader = LockedPGSession(PGSession(url: url))
        notifications = DueNotifications(url: url)
        writer.start()
    }

    public var writeQueueDepth: Int { writer.queueDepth }

    /// Replaces the destinations' rates (a reloaded config).
    public func setRates(_ rates: [String: Rate]) {
        self.rates.withLock { $0 = rates }
    }

    /// The rates of `destinations` hold from the next claim on (a reload): a destination whose
    /// `rate` was removed, or that is gone, is no longer limited.
    public func destinationsChanged(_ destinations: [DestinationConfig]) {
        setRates(Self.rates(of: destinations))
    }

    /// Each destination's `rate`, by name (those without one are absent).
    public static func rates(of destinations: [DestinationConfig]) -> [String: Rate] {
        Dictionary(destinations.compactMap { destination in destination.rate.map { (destination.name, $0) } }) { $1 }
    }

    /// True when PostgreSQL answers a query and the store is open.
    public func isReady() -> Bool {
        guard !closed.load(ordering: .relaxed) else { return false }
        return (try? reader.with { try $0.query("SELECT 1").rowCount }) == 1
    }

    /// Commits what is queued, hands back every claim this node still holds (the others take
    /// them at once, without waiting for the lease), and closes the connections.
    public func close() {
        guard !closed.exchange(true, ordering: .relaxed) else { return }
        let node = nodeID
        writer.stop(last: { connection in
            let now = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
            _ = try DeliverySQL.releaseAll(node: node, now: now, on: connection)
        })
        notifications.stop()
        claimer.drop()
        reader.drop()
    }

    /// Calls `wake` whenever another node (or this one) made deliveries due now: a replay, a
    /// hand-back, an accept whose deliveries no node claimed.
    public func watchForDueWork(_ wake: @escaping @Sendable () -> Void) {
        notifications.start(wake)
    }

    // MARK: Ingest

    public func accept(_ request: AcceptRequest, completion: @escaping @Sendable (Result<AcceptOutcome, StoreUnavailable>) -> Void) {
        let node = nodeID
        let leaseUntil = request.receivedAt + claimLease.milliseconds
        let rates = request.destinations.contains(where: \.claimNow) ? self.rates.withLock { $0 } : [:]
        submit(PostgresAcceptWrite(request, node: node, leaseUntil: leaseUntil, rates: rates, completion: completion), bounded: true)
    }

    // MARK: Delivery

    public func nextDueTime(destination: String) throws -> Int64? {
        try claimer.with { try $0.query(DeliverySQL.nextDue, [.text(destination)]).optionalInt(0, 0) }
    }

    public func claimDue(destination: String, now: Int64, limit: Int) -> Result<[ClaimedDelivery], StoreUnavailable> {
        guard !closed.load(ordering: .relaxed) else { return .failure(StoreUnavailable(.unavailable, "store is closed")) }
        let node = nodeID
        let leaseUntil = now + claimLease.milliseconds
        let rate = rates.withLock { $0[destination] }
        do {
            return .success(try claimer.with { connection in
                guard let rate else {
                    return try DeliverySQL.claim(destination: destination, now: now, limit: limit, leaseUntil: leaseUntil, node: node, on: connection)
                }
                // The cluster's tokens first; those no due delivery used go back.
                return try connection.transaction {
                    let allowed = try RateSQL.take(limit, destination: destination, rate: rate, now: now, on: connection)
                    guard allowed > 0 else { return [] }
                    let claimed = try DeliverySQL.claim(destination: destination, now: now, limit: allowed, leaseUntil: leaseUntil, node: node, on: connection)
                    try RateSQL.refund(allowed - claimed.count, destination: destination, rate: rate, on: connection)
                    return claimed
                }
            })
        } catch {
            return .failure(StoreUnavailable(.unavailable, "PostgreSQL: \(error)"))
        }
    }

    /// The outcome, its failure record and its count in the attempt series commit together
    /// (`PostgresWriter` counts a batch's stored outcomes per destination and minute).
    public func record(_ attempt: AttemptRecord, completion: @escaping @Sendable (Result<Void, StoreUnavailable>) -> Void) {
        let node = nodeID
        submit(PostgresRecordWrite(statements: DeliverySQL.record(attempt, node: node), attempt: attempt, completion: completion))
    }

    public func release(deliveryIDs: [Int64], dueAt: Int64, completion: @escaping @Sendable (Result<Void, StoreUnavailable>) -> Void) {
        let node = nodeID
        submit(PostgresResultWrite({ connection in
            try DeliverySQL.release(deliveryIDs, dueAt: dueAt, node: node, on: connection)
        }, completion: completion))
    }

    // MARK: Operators

    public func replay(_ selection: ReplaySelection, now: Int64, completion: @escaping @Sendable (Result<Int, StoreUnavailable>) -> Void) {
        submit(PostgresResultWrite({ connection in try DeliverySQL.replay(selection, now: now, on: connection) }, completion: completion))
    }

    public func purge(now: Int64, dedupWindow: Duration, failureRetention: Duration, completion: @escaping @Sendable (Result<Int, StoreUnavailable>) -> Void) {
        submit(PostgresResultWrite({ connection in
            try DeliverySQL.purge(now: now, dedupWindow: dedupWindow, failureRetention: failureRetention, on: connection)
        }, completion: completion))
    }

    public func failures(_ query: FailureQuery) throws -> [FailureRecord] {
        try reader.with { try QuerySQL.failures(query, on: $0) }
    }

    public func failureCount(_ query: FailureQuery) throws -> Int {
        try reader.with { try QuerySQL.failureCount(query, on: $0) }
    }

    public func deliveredCount(destination: String, since: Int64, limit: Int) throws -> Int {
        try reader.with { try QuerySQL.deliveredCount(destination: destination, since: since, limit: limit, on: $0) }
    }

    public func eventRecord(id: String) throws -> EventRecord? {
        try reader.with { try QuerySQL.eventRecord(id: id, on: $0) }
    }

    public func counts() throws -> StoreCounts {
        try reader.with { try QuerySQL.counts(on: $0) }
    }

    public func queueStatus() throws -> QueueStatus {
        try reader.with { try QuerySQL.queueStatus(on: $0) }
    }

    // MARK: Steering

    public func setPaused(_ destination: String, paused: Bool, now: Int64, completion: @escaping @Sendable (Result<Bool, StoreUnavailable>) -> Void) {
        submit(PostgresResultWrite({ connection in
            try PauseSQL.setPaused(destination, paused: paused, now: now, on: connection)
        }, completion: completion))
    }

    public func pausedDestinations() throws -> Set<String> {
        try reader.with { try PauseSQL.pausedDestinations(on: $0) }
    }

    // MARK: Operator views

    public func attemptSeries(destination: String, since: Int64, limit: Int) throws -> [SeriesMinute] {
        try reader.with { try ViewSQL.attemptSeries(destination: destination, since: since, limit: limit, on: $0) }
    }

    public func queueDepthSeries(destination: String, since: Int64, limit: Int) throws -> [QueueDepthSample] {
        try reader.with { try ViewSQL.queueDepthSeries(destination: destination, since: since, limit: limit, on: $0) }
    }

    /// The whole cluster's backlog per destination.
    public func queueDepths() throws -> [String: Int] {
        try reader.with { try ViewSQL.queueDepths(on: $0) }
    }

    /// Every node samples the same cluster-wide depths: the last sample of a minute stays.
    public func recordQueueDepths(_ depths: [String: Int], now: Int64, keepSince: Int64, completion: @escaping @Sendable (Result<Void, StoreUnavailable>) -> Void) {
        submit(PostgresResultWrite({ connection in
            try ViewSQL.recordQueueDepths(depths, now: now, keepSince: keepSince, on: connection)
        }, completion: completion))
    }

    public func findEvents(_ query: EventQuery) throws -> EventSearch {
        if let id = query.id {
            return EventSearch(events: try eventRecord(id: id).map { [$0] } ?? [], scanLimitReached: false)
        }
        return try reader.with { try ViewSQL.findEvents(query, on: $0) }
    }

    public func eventDetail(id: String, attemptLimit: Int) throws -> EventDetail? {
        try reader.with { try ViewSQL.eventDetail(id: id, attemptLimit: attemptLimit, on: $0) }
    }

    /// Queues a write; answers at once when the store is closed or (an accept) the queue is full.
    private func submit(_ write: any PostgresWrite, bounded: Bool = false) {
        if !writer.submit(write, bounded: bounded) {
            write.finish(failure: StoreUnavailable(.overloaded, "store write queue is full or the store is closed"))
        }
    }
}
