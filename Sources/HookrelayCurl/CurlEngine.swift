import Dispatch
import Foundation
public import HookrelayCore
import Synchronization

/// Sends `OutboundRequest`s over HTTP(S) with libcurl's multi interface on one dedicated thread,
/// reusing easy handles and connections; thread-safe, non-blocking submission from anywhere.
public final class CurlEngine: Sendable {
    private let loop: EngineLoop
    private let inbox: EngineInbox
    private let counters = EngineCounters()
    /// Signalled once when the engine thread has ended (and re-signalled by each waiter).
    private let finished = DispatchSemaphore(value: 0)
    /// The engine thread, to recognise `stop` called from one of its own completions.
    private let engineThread = Mutex<ObjectIdentifier?>(nil)
    private let threadName: String

    /// Makes the multi handle (and runs `curl_global_init` once per process).
    /// `maxConnectionsPerHost` 0 means no per-host limit; transfers beyond a limit wait in curl's queue.
    public init(maxConnectionsPerHost: Int = 0, maxTotalConnections: Int = 256, threadName: String = "hr-curl") throws {
        try CurlGlobal.ensureInitialized()
        self.threadName = threadName
        loop = try EngineLoop(maxConnectionsPerHost: maxConnectionsPerHost, maxTotalConnections: maxTotalConnections)
        inbox = EngineInbox(wakeup: MultiWakeup(multi: loop.multi))
    }

    deinit {
        // Not stopped by its owner: stop now without waiting (the thread keeps what it needs).
        beginStop(grace: .zero)
    }

    /// Starts the engine thread. Requests sent before this wait for it. Does nothing the second time
    /// or after `stop`.
    public func start() {
        guard inbox.markStarted() else { return }
        let loop = self.loop
        let inbox = self.inbox
        let counters = self.counters
        let finished = self.finished
        let thread = NamedThread.make(threadName) {
            loop.run(inbox: inbox, counters: counters)
            counters.threadEnded.store(true, ordering: .releasing)
            finished.signal()
        }
        engineThread.withLock { $0 = ObjectIdentifier(thread) }
        thread.start()
    }

    /// Queues `request`; `completion` is called once, on the engine thread, with the result (keep it
    /// short and hop elsewhere for real work). After `stop`, it is called at once with `.cancelled`.
    public func send(_ request: OutboundRequest, completion: @escaping @Sendable (AttemptResult) -> Void) {
        counters.inFlight.add(1, ordering: .relaxed)
        guard inbox.submit(Submission(request: request, completion: completion)) else {
            counters.inFlight.subtract(1, ordering: .relaxed)
            completion(.cancelled("engine is stopped"))
            return
        }
    }

    /// Sends `request` and waits for its result.
    public func send(_ request: OutboundRequest) async -> AttemptResult {
        await withCheckedContinuation { continuation in
            send(request) { continuation.resume(returning: $0) }
        }
    }

    /// Requests sent and not yet completed (queued or in transfer).
    public var inFlightCount: Int { counters.inFlight.load(ordering: .relaxed) }

    /// Connections libcurl has opened so far; far below the request count when connections are reused.
    public var newConnectionCount: Int { counters.newConnections.load(ordering: .relaxed) }

    /// Stops taking requests (later sends complete with `.cancelled`), lets transfers in progress run
    /// for up to `grace`, aborts the rest (`.cancelled`), frees every handle and ends the thread.
    /// Blocks until then — except when called from a completion on the engine thread, where it only
    /// starts the stop.
    public func stop(grace: Duration) {
        guard beginStop(grace: grace) else { return }
        let current = ObjectIdentifier(Thread.current)
        if engineThread.withLock({ $0 }) == current { return }
        finished.wait()
        finished.signal()  // let any other waiter through too
    }

    /// `stop(grace:)` for async callers: the same stop, waited for without holding a thread.
    public func shutDown(grace: Duration) async {
        guard beginStop(grace: grace) else { return }
        while !counters.threadEnded.load(ordering: .acquiring) {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Moves the inbox to stopping; true when there is a thread to wait for.
    @discardableResult
    private func beginStop(grace: Duration) -> Bool {
        switch inbox.beginStop(deadline: .now + max(grace, .zero)) {
        case .neverStarted(let leftovers):
            loop.shutdown(inbox: inbox, counters: counters)
            for submission in leftovers {
                counters.inFlight.subtract(1, ordering: .relaxed)
                submission.completion(.cancelled("engine stopped before it started"))
            }
            return false
        case .waitForThread:
            return true
        case .alreadyClosed:
            return false
        }
    }
}
