import Foundation
import HookrelayCore

/// Listens on `hookrelay_due` (SPEC §10: a replay or a hand-back on one node is picked up by
/// another at once, not at its next poll) and calls the scheduler's wake-up for each
/// notification. Its own thread and connection; reconnects after PostgreSQL went away (and
/// wakes once then, since notifications sent meanwhile were lost).
///
/// `@unchecked Sendable`: `wake`, `thread` and `stopping` are guarded by `lock`; the session is
/// touched only by the listening thread.
final class DueNotifications: @unchecked Sendable {
    static let channel = "hookrelay_due"
    private let session: PGSession
    private let lock = NSLock()
    private var wake: (@Sendable () -> Void)?
    private var thread: Thread?
    private var stopping = false

    init(url: String) {
        session = PGSession(url: url, prepare: { connection in try connection.execute("LISTEN \(DueNotifications.channel)") })
    }

    /// Starts listening; `wake` runs on the listening thread.
    func start(_ wake: @escaping @Sendable () -> Void) {
        lock.lock()
        defer { lock.unlock() }
        guard thread == nil, !stopping else { return }
        self.wake = wake
        thread = NamedThread.start("hr-pg-listen", stackSize: 1 << 20) { [self] in run() }
    }

    /// Stops within about a quarter second.
    func stop() {
        lock.lock()
        stopping = true
        lock.unlock()
    }

    private var isStopping: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopping
    }

    private func run() {
        var connected = false
        while !isStopping {
            do {
                let found = try session.with { try $0.notifications(waiting: .milliseconds(250)) }
                // A new connection: what was sent while none listened is lost, so look once.
                if !connected || !found.isEmpty {
                    lock.lock()
                    let wake = self.wake
                    lock.unlock()
                    wake?()
                }
                connected = true
            } catch {
                connected = false
                Thread.sleep(forTimeInterval: 0.25)
            }
        }
        session.drop()
    }
}
