import Foundation

/// The deliveries `claimDue` took for an attempt, per destination, kept in memory instead of
/// written: a claim needs no durability — after a crash every delivery in flight is due again
/// anyway — so taking due work costs a read, not a committed write per delivery (issue 17). A
/// claimed row keeps its due time in the store, and every query that picks due work skips the
/// ids held here until the outcome commits or the delivery is released.
///
/// (First attempts are still stored claimed by the accept that makes them: that costs nothing
/// more, and keeps them out of the due index altogether.)
///
/// `@unchecked Sendable`: `byDestination` is guarded by `lock`.
final class InFlightClaims: @unchecked Sendable {
    private let lock = NSLock()
    private var byDestination: [String: Set<Int64>] = [:]

    /// The ids claimed for `destination` now.
    func ids(of destination: String) -> Set<Int64> {
        lock.withLock { byDestination[destination] ?? [] }
    }

    /// Every id claimed now.
    var all: Set<Int64> {
        lock.withLock { byDestination.values.reduce(into: Set<Int64>()) { $0.formUnion($1) } }
    }

    func insert(_ ids: [Int64], destination: String) {
        guard !ids.isEmpty else { return }
        lock.withLock { byDestination[destination, default: []].formUnion(ids) }
    }

    /// Forgets `id` of `destination` (its outcome committed).
    func remove(_ id: Int64, destination: String) {
        lock.withLock { _ = byDestination[destination]?.remove(id) }
    }

    /// Forgets `ids`, whichever destination holds them (a release).
    func remove(_ ids: [Int64]) {
        lock.withLock {
            for key in byDestination.keys {
                byDestination[key]?.subtract(ids)
            }
        }
    }

    /// The due time to show for delivery `id` whose row says `stored`: none (in flight) when it
    /// is in `held` — a held delivery keeps its due time in the file, and is shown as one stored
    /// claimed is.
    static func shownDueTime(_ stored: Int64?, id: Int64, held: Set<Int64>) -> Int64? {
        held.contains(id) ? nil : stored
    }
}
