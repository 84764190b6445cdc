#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A loopback port held by a TCP socket that is bound but not listening: connections to it are
/// refused, and while it is held no other server (another test running in parallel) can be
/// given the port. A port found free and closed again could be taken by such a server and
/// answer, so a "refused" test would see an HTTP status instead.
public final class RefusingPort: Sendable {
    public let port: Int
    private let descriptor: Mutex<Int32>

    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RefusingPortError("socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else {
            close(fd)
            throw RefusingPortError("bind 127.0.0.1:0: errno \(errno)")
        }
        descriptor = Mutex(fd)
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Frees the port, e.g. to start a sink on it once the destination should come back up.
    public func release() {
        descriptor.withLock { fd in
            if fd >= 0 { close(fd) }
            fd = -1
        }
    }

    deinit { release() }
}

/// Why a `RefusingPort` could not be set up.
public struct RefusingPortError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
