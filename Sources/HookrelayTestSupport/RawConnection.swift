import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One loopback TCP connection driven byte by byte, for clients that misbehave on purpose: a
/// body declared and never finished, a head sent a byte at a time, a connection held open.
/// Blocking calls with timeouts; one owner at a time.
public final class RawConnection: @unchecked Sendable {
    // @unchecked: the descriptor is only used by the test that owns the connection, one call at a time.
    private var descriptor: Int32

    /// Connects to `127.0.0.1:port`; a `send` that cannot go on for `sendTimeout` seconds fails.
    public init(port: Int, sendTimeout: Int = 10) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw RawConnectionError.system("socket", errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let code = errno
            Glibc.close(descriptor)
            throw RawConnectionError.system("connect", code)
        }
        setTimeout(SO_SNDTIMEO, seconds: sendTimeout)
    }

    deinit { if descriptor >= 0 { Glibc.close(descriptor) } }

    /// Sends all of `bytes`; false when the peer closed or reset the connection first.
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    @discardableResult
    public func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// What the peer sends until it closes, or until `timeout` passes; `closed` says which.
    public func receive(timeout: Duration) -> (bytes: [UInt8], closed: Bool) {
        let deadline = ContinuousClock.now + timeout
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while ContinuousClock.now < deadline {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let left = max(1, Int((deadline - ContinuousClock.now).components.seconds * 1000
                + (deadline - ContinuousClock.now).components.attoseconds / 1_000_000_000_000_000))
            guard poll(&poller, 1, Int32(min(left, 1000))) > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return (received, true) }
            received += buffer[..<count]
        }
        return (received, false)
    }

    /// One whole answer (head and its `Content-Length` body), for a client that sends requests
    /// one at a time on a kept-alive connection; nil when the peer closed or `timeout` passed first.
    public func receiveAnswer(timeout: Duration) -> [UInt8]? {
        let deadline = ContinuousClock.now + timeout
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        while ContinuousClock.now < deadline {
            if let end = received.firstRange(of: separator)?.upperBound {
                let head = String(decoding: received[..<end], as: UTF8.self).lowercased()
                let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                if received.count >= end + length { return Array(received[..<(end + length)]) }
            }
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return nil }
            received += buffer[..<count]
        }
        return nil
    }

    /// The answer's status code, if what arrived starts with a status line.
    public static func status(of bytes: [UInt8]) -> Int? {
        let text = String(decoding: bytes.prefix(64), as: UTF8.self)
        guard text.hasPrefix("HTTP/1."), text.count >= 12 else { return nil }
        return Int(text.dropFirst(9).prefix(3))
    }

    /// The request as it goes on the wire: head with Content-Length, then body.
    public static func serialize(_ request: TestRequest, host: String = "127.0.0.1") -> [UInt8] {
        var head = "\(request.method) \(request.path) HTTP/1.1\r\nHost: \(host)\r\n"
        for header in request.headers { head += "\(header.name): \(header.value)\r\n" }
        head += "Content-Length: \(request.body.count)\r\n\r\n"
        return Array(head.utf8) + request.body
    }

    public func close() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
    }

    private func setTimeout(_ option: Int32, seconds: Int) {
        var value = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, option, &value, socklen_t(MemoryLayout<timeval>.size))
    }
}

public enum RawConnectionError: Error {
    case system(String, Int32)
}

/// Memory of a process, from `/proc/PID/status`.
public enum ProcessMemory {
    /// Resident set now and its peak (VmRSS, VmHWM), in bytes; nil once the process is gone.
    public static func resident(of pid: Int32) -> (now: Int, peak: Int)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        func kib(_ key: String) -> Int? {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key) }) else { return nil }
            return line.split(separator: " ").compactMap { Int($0) }.first
        }
        guard let now = kib("VmRSS:"), let peak = kib("VmHWM:") else { return nil }
        return (now * 1024, peak * 1024)
    }
}

/// Runs blocking work (raw sockets) on a thread of its own, so it never holds one of the few
/// threads that Swift's concurrency shares among the tests running at once.
public enum Blocking {
    public static func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: work()) }
        }
    }
}
