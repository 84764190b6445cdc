import Synchronization

/// The hand-off between callers and the engine thread: the queue of submitted requests and the
/// engine's phase, behind one lock, waking the engine thread when work or a stop arrives.
final class EngineInbox: Sendable {
    /// Where the engine is in its life.
    enum Phase: Sendable {
        /// Made, thread not started: submissions queue up.
        case idle
        /// Thread running and taking submissions.
        case running
        /// `stop` called: no new submissions; transfers in progress may finish until `deadline`.
        case stopping(deadline: ContinuousClock.Instant)
        /// Done: the multi handle is gone.
        case closed
    }

    /// What `beginStop` found, so the caller knows what is left to do.
    enum StopOutcome {
        /// The thread never started: the caller cleans up and cancels these itself.
        case neverStarted([Submission])
        /// The thread is (or was) running: wait for it to end.
        case waitForThread
        /// Already stopped before any thread ran: nothing to do.
        case alreadyClosed
    }

    private struct State {
        var phase: Phase = .idle
        var queue: [Submission] = []
        var threadStarted = false
    }

    private let state = Mutex(State())
    private let wakeup: MultiWakeup

    init(wakeup: MultiWakeup) {
        self.wakeup = wakeup
    }

    /// Queues a request; false when the engine is stopping or stopped. Wakes the engine thread only
    /// when the queue was empty (a non-empty queue has a wakeup pending already).
    func submit(_ submission: Submission) -> Bool {
        state.withLock { state in
            switch state.phase {
            case .idle:
                state.queue.append(submission)
                return true
            case .running:
                state.queue.append(submission)
                if state.queue.count == 1 { wakeup.wake() }
                return true
            case .stopping, .closed:
                return false
            }
        }
    }

    /// Moves from idle to running; false if the engine was already started or stopped.
    func markStarted() -> Bool {
        state.withLock { state in
            guard case .idle = state.phase else { return false }
            state.phase = .running
            state.threadStarted = true
            return true
        }
    }

    /// For the engine thread: swaps the queued submissions into `batch` (which must be empty, and
    /// keeps its capacity for the next swap) and returns the phase seen at the same moment.
    func take(into batch: inout [Submission]) -> Phase {
        state.withLock { state in
            swap(&state.queue, &batch)
            return state.phase
        }
    }

    /// Stops taking submissions and, if the thread runs, wakes it to notice the deadline.
    func beginStop(deadline: ContinuousClock.Instant) -> StopOutcome {
        state.withLock { state in
            switch state.phase {
            case .idle:
                state.phase = .closed
                let leftovers = state.queue
                state.queue = []
                return .neverStarted(leftovers)
            case .running:
                state.phase = .stopping(deadline: deadline)
                wakeup.wake()
                return .waitForThread
            case .stopping(let earlier):
                if deadline < earlier {
                    state.phase = .stopping(deadline: deadline)
                    wakeup.wake()
                }
                return .waitForThread
            case .closed:
                return state.threadStarted ? .waitForThread : .alreadyClosed
            }
        }
    }

    /// For the engine thread at its end: no more submissions or wakeups; returns what was still
    /// queued (none in practice: the stopping phase is only seen together with a full take).
    func close() -> [Submission] {
        state.withLock { state in
            state.phase = .closed
            let leftovers = state.queue
            state.queue = []
            return leftovers
        }
    }
}
