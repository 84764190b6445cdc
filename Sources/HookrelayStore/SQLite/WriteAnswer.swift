import Foundation

/// The answer of one queued write, handed from the writer thread to a caller that blocks for it
/// (a thread of its own, never an event loop).
///
/// `@unchecked Sendable`: `result` is only touched under `condition`.
final class WriteAnswer<T: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var result: Result<T, StoreUnavailable>?

    func set(_ value: Result<T, StoreUnavailable>) {
        condition.lock()
        result = value
        condition.signal()
        condition.unlock()
    }

    func wait() -> Result<T, StoreUnavailable> {
        condition.lock()
        defer { condition.unlock() }
        while result == nil { condition.wait() }
        return result!
    }
}
