/// The life of one delivery, driven by the times it is given and returning what to do:
/// pending → in flight → delivered | rejected | retrying → … → dead.
///
/// The scheduler rebuilds it from a stored row (`attempts`, due time), asks `start(now:)` for
/// the attempt to send, and `finish(_:now:)` for the decision to store. Nothing here waits
/// or does I/O, so a test clock can run the whole schedule in microseconds.
public struct DeliveryStateMachine: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        /// Waiting for its next attempt at this time (Unix ms).
        case waiting(dueAt: Int64)
        /// Attempt number `attempt` is on the wire.
        case inFlight(attempt: Int)
        case delivered
        case rejected
        case dead
    }

    /// What the caller should do next.
    public enum Action: Sendable, Equatable {
        /// Send attempt number `attempt` now.
        case send(attempt: Int)
        /// Nothing to do before this time (Unix ms).
        case wait(until: Int64)
        /// The delivery is finished; nothing more to do.
        case none
    }

    public private(set) var state: State
    /// Attempts made so far (the first attempt is number 1).
    public private(set) var attempts: Int
    public let policy: DeliveryPolicy

    public init(policy: DeliveryPolicy, attempts: Int = 0, dueAt: Int64) {
        self.policy = policy
        self.attempts = attempts
        state = .waiting(dueAt: dueAt)
    }

    /// Starts the next attempt if it is due.
    public mutating func start(now: Int64) -> Action {
        switch state {
        case .waiting(let dueAt) where now >= dueAt:
            attempts += 1
            state = .inFlight(attempt: attempts)
            return .send(attempt: attempts)
        case .waiting(let dueAt):
            return .wait(until: dueAt)
        case .inFlight, .delivered, .rejected, .dead:
            return .none
        }
    }

    /// Records the result of the attempt in flight; returns the decision to store.
    @discardableResult
    public mutating func finish(_ result: AttemptResult, now: Int64) -> DeliveryDecision {
        let decision = policy.decide(attempt: attempts, result: result, now: now)
        switch decision {
        case .delivered: state = .delivered
        case .rejected: state = .rejected
        case .dead: state = .dead
        case .retry(let at): state = .waiting(dueAt: at)
        }
        return decision
    }
}
