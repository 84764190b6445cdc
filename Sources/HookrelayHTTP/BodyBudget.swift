import Synchronization

/// The memory that request bodies may hold across every connection of the relay (SPEC §11,
/// `[server] max_buffered`). A body is admitted by its declared `Content-Length` before it is
/// read (a chunked one by the bytes received), and given back once its request is answered or
/// its connection closes. A quarter of the cap is kept for bodies of at most 64 KiB, so large
/// bodies cannot starve real senders: a Mailgun event is a few KiB.
public final class BodyBudget: Sendable {
    /// Bodies up to this size may use the whole cap; larger ones three quarters of it.
    public static let smallBody = 64 << 10

    public let capacity: Int
    private let state = Mutex<(used: Int, large: Int)>((0, 0))

    public init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    /// Bytes held now (for tests and metrics).
    public var used: Int { state.withLock { $0.used } }

    /// Takes `bytes` for a body whose size is known to be large (over 64 KiB) or not. False,
    /// and nothing taken, when they do not fit.
    public func reserve(_ bytes: Int, large: Bool) -> Bool {
        guard bytes > 0 else { return true }
        let capacity = self.capacity
        return state.withLock { state in
            guard bytes <= capacity - state.used else { return false }
            if large {
                guard bytes <= capacity - capacity / 4 - state.large else { return false }
                state.large += bytes
            }
            state.used += bytes
            return true
        }
    }

    /// Gives back what `reserve` took (with the same `large`).
    public func release(_ bytes: Int, large: Bool) {
        guard bytes > 0 else { return }
        state.withLock { state in
            state.used -= bytes
            if large { state.large -= bytes }
        }
    }
}

/// What one request holds of a `BodyBudget`: its declared length up front, or a chunked body's
/// bytes as they arrive (counted as small up to 64 KiB, as large past it). Owned by one
/// connection's handler, on its event loop.
struct BodyReservation {
    private(set) var small = 0
    private(set) var large = 0

    var total: Int { small + large }

    /// Takes `bytes` more for a body that will hold `totalAfter` bytes; false when they do not fit.
    mutating func take(_ bytes: Int, totalAfter: Int, from budget: BodyBudget) -> Bool {
        let isLarge = totalAfter > BodyBudget.smallBody
        guard budget.reserve(bytes, large: isLarge) else { return false }
        if isLarge { large += bytes } else { small += bytes }
        return true
    }

    /// Gives everything back.
    mutating func release(to budget: BodyBudget) {
        budget.release(small, large: false)
        budget.release(large, large: true)
        small = 0
        large = 0
    }
}
