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
    private let descriptor: Int32
    private let released = Atomic<Bool>(false)

    init(directory: String) throws(DataDirectoryLockError) {
        let path = directory + "/hookrelay.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, DataDirectoryModes.fileMode)
        guard fd >= 0 else {
            throw DataDirectoryLockError(description: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        _ = fchmod(fd, DataDirectoryModes.fileMode)  // whatever the umask (SPEC §11)
        // A lock just released can still be held for a moment by a child this process forked
        // (it holds a copy of the descriptor until its exec closes it): try again for a while
        // before deciding that another relay has the directory.
        var attempts = 0
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            attempts += 1
            guard code == EWOULDBLOCK || code == EINTR, attempts < Self.attempts else {
                let reason = code == EWOULDBLOCK ? "another hookrelay serve is using this data directory" : String(cString: strerror(code))
                close(fd)
                throw DataDirectoryLockError(description: "cannot lock \(path): \(reason)")
            }
            usleep(Self.retryMicroseconds)
        }
        descriptor = fd
    }

    /// How long a held lock is retried: 25 × 20 ms.
    static let attempts = 25
    static let retryMicroseconds: UInt32 = 20_000

    deinit { release() }

    /// Releases the lock (closing the descriptor releases the flock); once, however often called.
    func release() {
        if released.exchange(true, ordering: .acquiringAndReleasing) { return }
        close(descriptor)
    }
}

public struct DataDirectoryLockError: Error, CustomStringConvertible {
    public let description: String
}

/// Whether a `hookrelay serve` holds a data directory now, for commands that talk to the running
/// relay (`hookrelay reload`): a probe of `hookrelay.lock` that takes the lock and lets it go at
/// once when nobody holds it.
public enum DataDirectoryLockProbe {
    public static func isHeld(directory: String) -> Bool {
        let fd = open(directory + "/hookrelay.lock", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return false }  // no lock file: no relay ever served here
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }
}
