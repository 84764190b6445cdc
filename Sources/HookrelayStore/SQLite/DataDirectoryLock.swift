import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The serving relay's exclusive hold on its data directory: an `flock` on
/// `hookrelay.lock`, released when the store closes or the process dies (a crash included).
/// A second `serve` on the same directory is refused: it would recover the first one's in-flight
/// deliveries as its own, and its token index would not see the first one's tokens.
final class DataDirectoryLock: Sendable {
    let path: String
    private let descriptor: Int32
    private let released = Atomic<Bool>(false)

    init(directory: String) throws(DataDirectoryLockError) {
        path = directory + "/hookrelay.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw DataDirectoryLockError(description: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno == EWOULDBLOCK ? "another hookrelay serve is using this data directory" : String(cString: strerror(errno))
            close(fd)
            throw DataDirectoryLockError(description: "cannot lock \(path): \(reason)")
        }
        descriptor = fd
    }

    /// Releases the lock (closing the descriptor releases the flock); once, however often called.
    func release() {
        if released.exchange(true, ordering: .acquiringAndReleasing) { return }
        close(descriptor)
    }
}

public struct DataDirectoryLockError: Error, CustomStringConvertible {
    public let description: String
}
