public import Foundation

/// The relay's own threads, named for `top -H`, `ps -L` and `perf`. The name is set by the
/// thread itself: on Linux, Foundation does not apply a name given before `start()`, and the
/// kernel refuses one over 15 bytes (the thread then keeps its parent's), hence the short `hr-`
/// names.
public enum NamedThread {
    /// A thread not started yet, for a caller that must know it before it runs.
    public static func make(_ name: String, stackSize: Int? = nil, _ body: @escaping @Sendable () -> Void) -> Thread {
        precondition(name.utf8.count <= 15, "thread name over 15 bytes: \(name)")
        let thread = Thread {
            Thread.current.name = name
            body()
        }
        if let stackSize { thread.stackSize = stackSize }
        return thread
    }

    /// Makes the thread and starts it.
    public static func start(_ name: String, stackSize: Int? = nil, _ body: @escaping @Sendable () -> Void) -> Thread {
        let thread = make(name, stackSize: stackSize, body)
        thread.start()
        return thread
    }
}
