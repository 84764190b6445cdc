import Foundation

/// The answer of one queued write, handed from the writer thread to a caller that blocks for it
/// (a thread of its own, never an event loop).
///
/// `@unchecked Sendable`: `result` is only touched under `condition`.
final class WriteAnswer<T: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var result: Result<T, StoreUnavailable>?

    /// Signals after unlocking: the waiter, woken on a busy core, may run at once, and would
    /// otherwise find the lock still held by the thread it preempted.
    func set(_ value: Result<T, StoreUnavailable>) {
        condition.lock()
        result = value
        condition.unlock()
        condition.signal()
    }

    func wait() -> Result<T, StoreUnavailable> {
        condition.lock()
        defer { condition.unlock() }
        while result == nil { condition.wait() }
        return result!
    }
}
