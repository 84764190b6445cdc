public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The relay's own threads, named for `top -H`, `ps -L` and `perf`. Each names itself, through
/// the kernel (`/proc/thread-self/comm`), as it starts: Foundation on Linux ignores a name given
/// before `start()`, and its setter called from the new thread can run before Foundation has
/// recorded the thread's pthread and then names nothing (seen under the whole test suite). The
/// kernel refuses a name over 15 bytes (the thread keeps its parent's), hence the short `hr-` names.
public enum NamedThread {
    /// A thread not started yet, for a caller that must know it before it runs.
    public static func make(_ name: String, stackSize: Int? = nil, _ body: @escaping @Sendable () -> Void) -> Thread {
        precondition(name.utf8.count <= 15, "thread name over 15 bytes: \(name)")
        let thread = Thread {
            nameCurrentThread(name)
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

    /// Names the calling thread (Linux; elsewhere, nothing).
    static func nameCurrentThread(_ name: String) {
        let fd = open("/proc/thread-self/comm", O_WRONLY)
        guard fd >= 0 else { return }
        defer { close(fd) }
        _ = name.withCString { write(fd, $0, strlen($0)) }
    }
}
