import Foundation
import HookrelayCore
import HookrelayStore
import Logging
import Synchronization

/// Samples each configured destination's queue depth (pending + retrying) into the store once
/// per `interval` — at start, then every minute — for the queue depth chart on `/admin` (SPEC
/// §12), and trims the per-minute series (attempts and samples) to the last `keep`.
///
/// The count runs on the store's read connection (one pass over the open deliveries' index),
/// on a dispatch queue of its own; only the small sample write goes through the writer.
///
/// `@unchecked Sendable`: `timer` is set and cancelled under `lock`.
final class QueueDepthSampler: @unchecked Sendable {
    /// How long the series are kept.
    static let keep: Duration = .seconds(24 * 3600 + 120)

    private let store: any RelayStore
    /// The configured destinations; replaced by a reload.
    private let destinations: Mutex<[String]>
    private let clock: WallClock
    private let interval: Duration
    private let logger: Logger
    private let queue = DispatchQueue(label: "hookrelay-queue-depth-sampler", qos: .utility)
    private let lock = NSLock()
    private var timer: (any DispatchSourceTimer)?

    init(store: any RelayStore, destinations: [String], logger: Logger, clock: WallClock = .system, interval: Duration = .seconds(60)) {
        self.store = store
        self.destinations = Mutex(destinations)
        self.logger = logger
        self.clock = clock
        self.interval = interval
    }

    /// A reload: sample these destinations from the next minute on.
    func reconfigure(destinations names: [String]) {
        destinations.withLock { $0 = names }
    }

    func start() {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        let (seconds, attoseconds) = interval.components
        let milliseconds = Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
        timer.schedule(deadline: .now(), repeating: .milliseconds(max(1, milliseconds)), leeway: .seconds(1))
        timer.setEventHandler { [self] in sample() }
        lock.withLock { self.timer = timer }
        timer.resume()
    }

    func stop() {
        lock.withLock {
            timer?.cancel()
            timer = nil
        }
    }

    /// One sample: every configured destination, 0 for those with nothing waiting.
    func sample() {
        let now = clock.now()
        let counted: [String: Int]
        do {
            counted = try store.queueDepths()
        } catch {
            logger.debug("queue depth sample skipped", metadata: ["error": "\(error)"])
            return
        }
        var depths: [String: Int] = [:]
        for name in destinations.withLock({ $0 }) { depths[name] = counted[name] ?? 0 }
        store.recordQueueDepths(depths, now: now, keepSince: now - Self.keep.milliseconds) { [logger] result in
            if case .failure(let error) = result { logger.debug("queue depth sample not stored", metadata: ["error": "\(error)"]) }
        }
    }
}
